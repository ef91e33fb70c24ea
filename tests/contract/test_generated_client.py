"""A case system's developer generates a client from /openapi.json with openapi-python-client and
plays the seed story's case-system side through it, against the Procfile's real processes."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from jsonschema import Draft202012Validator

from gateway.core.names import model_name
from tests.conftest import ANNA, CASE_KEY, seed_dispatch
from tests.over_http import text_form, twilio_post
from tests.processes import VENV_BIN, free_port, procfile_running

pytestmark = pytest.mark.e2e


def generate(document: Path, into: Path) -> str:
    """The README's command; returns what the generator printed. Its post-hook runs ruff."""
    done = subprocess.run(
        [str(VENV_BIN / "openapi-python-client"), "generate", "--path", str(document), "--meta", "none"],
        cwd=into,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture
def generated(tmp_path):
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith("korte_lijn_client")]:
        del sys.modules[name]


def test_a_generated_client_plays_the_seed_story_and_parses_every_callback(
    settings, request, generated, fake_twilio, case_system
):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.update(PUBLIC_BASE_URL=base, CONFIRMATION_DELAY="1s")
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    (generated / "logs").mkdir()
    with procfile_running(settings, generated / "logs", port):
        document = requests.get(base + "/openapi.json", timeout=10)
        (generated / "openapi.json").write_text(document.text)
        printed = generate(generated / "openapi.json", generated)
        assert "Warning" not in printed and "Error" not in printed, printed

        client_module = importlib.import_module("korte_lijn_client")
        models = importlib.import_module("korte_lijn_client.models")
        post_event = importlib.import_module("korte_lijn_client.api.events.post_event")
        get_case = importlib.import_module("korte_lijn_client.api.cases.get_case")
        client = client_module.AuthenticatedClient(base_url=base, token=CASE_KEY)
        request.addfinalizer(client.get_httpx_client().close)

        def send(event) -> object:
            return post_event.sync_detailed(client=client, body=event, webhook_id="evt_" + uuid.uuid4().hex)

        # type_ is not passed: the discriminator's default fills it in.
        dispatched = send(models.DispatchedEvent(data=models.Dispatched.from_dict(seed_dispatch())))
        assert dispatched.status_code == 202 and isinstance(dispatched.parsed, models.EventAccepted)
        proxy = dispatched.parsed.proxy_number
        fake_twilio.wait_for_messages(2, timeout=15)

        case = get_case.sync(client=client, case_id="MOR-2026-0042")
        assert isinstance(case, models.CaseView) and case.status == models.CaseViewStatus.DISPATCHED
        assert case.citizen.phone == "+316****5678"

        assert send(models.CompletedEvent(data=models.Completed(case_id="MOR-2026-0042"))).status_code == 202
        missing = send(models.CompletedEvent(data=models.Completed(case_id="MOR-404")))
        assert missing.status_code == 404
        assert missing.parsed.error.code == models.ErrorDetailCode.CASE_NOT_FOUND

        fake_twilio.wait_for_messages(3, timeout=15)  # the question
        assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Nee, het gat zit er nog", proxy)).status_code == 200
        case_system.wait_for("case.reopened", timeout=15)

        case = get_case.sync(client=client, case_id="MOR-2026-0042")
        assert case.status == models.CaseViewStatus.REOPENED
        # Each timeline entry comes back as its own kind's class, its data typed.
        kinds = [(type(entry).__name__, entry.kind) for entry in case.timeline]
        assert all(name == model_name(kind, "Entry") for name, kind in kinds), kinds
        assert {"status", "reply.read", "text.received"} <= {kind for _, kind in kinds}

    callback = {"$ref": "#/components/schemas/Callback"}
    union = Draft202012Validator({**callback, "components": document.json()["components"]})
    assert case_system.deliveries, "no callback arrived"
    for delivery in case_system.deliveries:
        # The generated model of its type, as README's receiver picks it, and the one Callback union.
        parsed = getattr(models, model_name(delivery.type, "Callback")).from_dict(delivery.envelope)
        assert parsed.type_ == delivery.type and parsed.data.case_id == "MOR-2026-0042"
        assert list(union.iter_errors(delivery.envelope)) == [], delivery.type
    [reopened] = [d for d in case_system.deliveries if d.type == "case.reopened"]
    assert models.CaseReopenedCallback.from_dict(reopened.envelope).data.reply == "Nee, het gat zit er nog"
