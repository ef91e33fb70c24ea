"""The seed story against the Procfile's real processes: release, then gunicorn and the worker.

Everything goes over real HTTP; only Twilio and the case system are the loopback fakes.
"""

import time
import uuid
from xml.etree import ElementTree

import pytest
import requests

from tests.conftest import ANNA, CASE_KEY, JAN, PROXY_NUMBERS, seed_dispatch
from tests.over_http import send_event, text_form, twilio_post
from tests.processes import free_port, procfile, procfile_running

pytestmark = pytest.mark.e2e

CONFIRMATION_DELAY = 2


@pytest.fixture
def gateway(settings, request, tmp_path):
    """The release step, then web and worker running; yields the web's base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.update(PUBLIC_BASE_URL=base, CONFIRMATION_DELAY=f"{CONFIRMATION_DELAY}s")
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    assert set(procfile()) >= {"release", "web", "worker"}
    with procfile_running(settings, tmp_path, port):
        yield base


def test_it_plays_the_story_through_the_procfiles_real_processes(gateway, fake_twilio, case_system, tmp_path):
    base = gateway
    answer = send_event(
        base,
        "case.dispatched",
        seed_dispatch(),
    )
    assert answer.status_code == 202, answer.text
    proxy = answer.json()["proxy_number"]
    assert proxy in PROXY_NUMBERS

    fake_twilio.wait_for_messages(2, timeout=15)
    [to_anna] = fake_twilio.texts_to(ANNA.phone)
    assert "MOR-42" in to_anna and "Kerkstraat 12" in to_anna
    [to_jan] = fake_twilio.texts_to(JAN.phone)
    assert '"Twee paaltjes weggehaald en een gat voor mijn deur."' in to_jan

    # Signed for the host we were reached on, not PUBLIC_BASE_URL: a forgery, refused.
    forged = twilio_post(
        base, "/twilio/sms", text_form(JAN, "Geef mij haar nummer", proxy), signed_for="http://localhost:8000"
    )
    assert forged.status_code == 403
    assert twilio_post(base, "/twilio/sms", text_form(JAN, "Waar zit het gat precies?", proxy)).status_code == 200
    fake_twilio.wait_for_messages(3, timeout=15)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Waar zit het gat precies?")

    call = twilio_post(base, "/twilio/voice", {"CallSid": "CA" + uuid.uuid4().hex, "From": JAN.phone, "To": proxy})
    assert call.status_code == 200
    dial = ElementTree.fromstring(call.text).find("Dial")
    assert dial is not None and dial.get("callerId") == proxy
    assert dial.findtext("Number") == ANNA.phone
    assert JAN.phone not in call.text

    assert send_event(base, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202
    completed = time.monotonic()
    fake_twilio.wait_for_messages(4, timeout=15)
    question_after = time.monotonic() - completed
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Antwoord met JA of NEE.")
    print(f"question arrived {question_after:.2f}s after case.completed (CONFIRMATION_DELAY {CONFIRMATION_DELAY}s)")
    assert CONFIRMATION_DELAY - 0.5 <= question_after < CONFIRMATION_DELAY + 2.5

    assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Nee, het gat zit er nog", proxy)).status_code == 200
    [reopened] = case_system.wait_for("case.reopened", timeout=15)
    assert reopened.data["reply"] == "Nee, het gat zit er nog"
    assert reopened.data["case_id"] == "MOR-2026-0042"
    assert case_system.rejected == [], "a callback's signature did not verify"

    case = requests.get(base + "/v1/cases/MOR-2026-0042", headers={"Authorization": f"Bearer {CASE_KEY}"}, timeout=10)
    assert case.status_code == 200 and case.json()["status"] == "reopened"
    lateness = [
        entry["data"]["lateness_seconds"] for entry in case.json()["timeline"] if entry["kind"] == "timer.fired"
    ]
    print(f"timer lateness (s): {lateness}")
    assert lateness, "no timer.fired on the timeline"
    assert all(0 <= late < 2 for late in lateness), lateness

    # The web (each gunicorn worker, as its app is built) and the worker each tell the operator
    # what the texts cost; gateway/gunicorn_conf.py's post_worker_init does it for the web.
    for name in ("web", "worker"):
        assert "texts nl, SMS segments with long sample values" in (tmp_path / f"{name}.log").read_text(), name
