"""The README's run command: `flask --app app embedded`, driven the way the README drives it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.test_e2e_procfile import free_port

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


@pytest.fixture
def embedded(tmp_path):
    """A real embedded gateway on its own SQLite file, with nothing configured."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TWILIO_", "CASE_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}", PUBLIC_BASE_URL=f"http://localhost:{port}",
               CONFIRMATION_DELAY="1s", PYTHONUNBUFFERED="1")
    log = (tmp_path / "embedded.log").open("w+")
    process = subprocess.Popen([FLASK, "--app", "app", "embedded", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://localhost:{port}"
    try:
        _wait_until_up(base, process)
        yield base, env, log
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the embedded gateway exited at start-up")
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError("the embedded gateway did not come up within 20 s")


def _log_until(log, needle: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        text = log.read()
        if needle in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} never appeared in the log")


def _signature(env: dict, path: str, *params: str) -> str:
    result = subprocess.run([FLASK, "--app", "app", "twilio-signature", path, *params], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def test_it_plays_the_readme_story_with_texts_printed_and_numbers_masked(embedded):
    base, env, log = embedded
    event = {"type": "case.dispatched", "data": {
        "case_id": "C-1", "reference": "MOR-1", "address": "Kerkstraat 12",
        "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
        "citizen": {"phone": "06 12345678"}, "crew": {"id": "noord", "phone": "06 87654321"}}}
    answer = requests.post(base + "/v1/events", json=event, timeout=5,
                           headers={"Authorization": "Bearer dev-key", "webhook-id": "evt-1"})
    assert answer.status_code == 202
    proxy = answer.json()["proxy_number"]
    text = _log_until(log, "Twee paaltjes weggehaald")
    assert "TEXT NOT SENT" in text and "+316****5678" in text

    form = {"From": "+31687654321", "To": proxy}
    call = requests.post(base + "/twilio/voice", data=form, timeout=5,
                         headers={"X-Twilio-Signature": _signature(env, "/twilio/voice", *(f"{k}={v}" for k, v in form.items()))})
    assert call.status_code == 200
    assert f'callerId="{proxy}"' in call.text and "<Number>+31612345678</Number>" in call.text

    completed = {"type": "case.completed", "data": {"case_id": "C-1"}}
    requests.post(base + "/v1/events", json=completed, timeout=5,
                  headers={"Authorization": "Bearer dev-key", "webhook-id": "evt-2"})
    _log_until(log, "Antwoord JA of NEE")
    form = {"From": "+31612345678", "To": proxy, "MessageSid": "SM1", "Body": "Nee, het gat zit er nog"}
    reply = requests.post(base + "/twilio/sms", data=form, timeout=5,
                          headers={"X-Twilio-Signature": _signature(env, "/twilio/sms", *(f"{k}={v}" for k, v in form.items()))})
    assert reply.status_code == 200
    text = _log_until(log, "case.reopened")
    assert '"reply":"Nee, het gat zit er nog"' in text
    # Phone numbers of residents and crews never appear in full in the log.
    assert "+31612345678" not in text
    assert "+31687654321" not in text


def test_it_refuses_an_unsigned_twilio_webhook_even_when_embedded(embedded):
    base, _, _ = embedded
    answer = requests.post(base + "/twilio/sms", data={"From": "+31612345678", "To": "+3197010000001",
                                                       "MessageSid": "SM1", "Body": "ja"}, timeout=5)
    assert answer.status_code == 403
