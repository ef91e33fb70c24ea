"""The README's run command: `flask --app app embedded`, driven the way the README drives it."""

from __future__ import annotations

import subprocess
import time

import requests

from flows import messages
from tests.processes import FLASK, ROOT, Processes, embedded_env, free_port


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
    result = subprocess.run(
        [FLASK, "--app", "app", "twilio-signature", path, *params],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_it_plays_the_readme_story_with_texts_printed_and_numbers_masked(embedded):
    base, env, log = embedded
    event = {
        "type": "case.dispatched",
        "data": {
            "case_id": "C-1",
            "reference": "MOR-1",
            "address": "Kerkstraat 12",
            "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
            "citizen": {"phone": "06 12345678"},
            "crew": {"id": "noord", "phone": "06 87654321"},
        },
    }
    answer = requests.post(
        base + "/v1/events", json=event, timeout=5, headers={"Authorization": "Bearer dev-key", "webhook-id": "evt-1"}
    )
    assert answer.status_code == 202
    proxy = answer.json()["proxy_number"]
    text = _log_until(log, "Twee paaltjes weggehaald")
    assert "TEXT NOT SENT" in text and "+316****5678" in text

    form = {"From": "+31687654321", "To": proxy}
    call = requests.post(
        base + "/twilio/voice",
        data=form,
        timeout=5,
        headers={"X-Twilio-Signature": _signature(env, "/twilio/voice", *(f"{k}={v}" for k, v in form.items()))},
    )
    assert call.status_code == 200
    assert f'callerId="{proxy}"' in call.text and "<Number>+31612345678</Number>" in call.text

    completed = {"type": "case.completed", "data": {"case_id": "C-1"}}
    requests.post(
        base + "/v1/events",
        json=completed,
        timeout=5,
        headers={"Authorization": "Bearer dev-key", "webhook-id": "evt-2"},
    )
    _log_until(log, "Antwoord met JA of NEE")
    form = {"From": "+31612345678", "To": proxy, "MessageSid": "SM1", "Body": "Nee, het gat zit er nog"}
    reply = requests.post(
        base + "/twilio/sms",
        data=form,
        timeout=5,
        headers={"X-Twilio-Signature": _signature(env, "/twilio/sms", *(f"{k}={v}" for k, v in form.items()))},
    )
    assert reply.status_code == 200
    text = _log_until(log, "case.reopened")
    assert '"reply":"Nee, het gat zit er nog"' in text
    # Phone numbers of residents and crews never appear in full in the log.
    assert "+31612345678" not in text
    assert "+31687654321" not in text


def test_its_start_up_lines_describe_the_server_it_runs_and_nothing_else(embedded):
    """`flask --app app embedded` builds app.py's app before the command runs; only the
    embedded app, with its own defaults, may speak of the configuration."""
    base, _, log = embedded
    started = _log_until(log, "Running on")
    # One text-cost line per language, once each.
    assert started.count("SMS segments with long sample values") == len(messages.LANGUAGES)
    assert f"phone simulator on at {base}/simulator" in started
    assert started.count("phone simulator on at") == 1
    assert "no TWILIO_AUTH_TOKEN" not in started  # it has dev-token


def test_it_refuses_an_unsigned_twilio_webhook_even_when_embedded(embedded):
    base, _, _ = embedded
    answer = requests.post(
        base + "/twilio/sms",
        data={"From": "+31612345678", "To": "+3197010000001", "MessageSid": "SM1", "Body": "ja"},
        timeout=5,
    )
    assert answer.status_code == 403


def test_it_prints_no_number_in_any_format_in_callbacks_texts_or_request_lines(embedded):
    # Before: CALLBACK NOT SENT printed "06-87654321" from a text in full, and werkzeug's own
    # access line printed "?From=%2B31612345678".
    base, env, log = embedded
    event = {
        "type": "case.dispatched",
        "data": {
            "case_id": "C-9",
            "reference": "MOR-9",
            "address": "Kerkstraat 12",
            "description": "Gat in de stoep; buurman (06 11 11 22 22) weet meer.",
            "citizen": {"phone": "06 12345678"},
            "crew": {"id": "noord", "phone": "06 87654321"},
        },
    }
    answer = requests.post(
        base + "/v1/events?From=%2B31612345678",
        json=event,
        timeout=5,
        headers={"Authorization": "Bearer dev-key", "webhook-id": "evt-9"},
    )
    assert answer.status_code == 202
    proxy = answer.json()["proxy_number"]
    form = {"From": "+31612345678", "To": proxy, "MessageSid": "SM9", "Body": "Bel mijn man: 06-87654321"}
    reply = requests.post(
        base + "/twilio/sms",
        data=form,
        timeout=5,
        headers={"X-Twilio-Signature": _signature(env, "/twilio/sms", *(f"{k}={v}" for k, v in form.items()))},
    )
    assert reply.status_code == 200
    text = _log_until(log, "Bel mijn man: +316****4321")
    deadline = time.monotonic() + 10
    while not any("CALLBACK NOT SENT" in line and "Bel mijn man" in line for line in text.splitlines()):
        assert time.monotonic() < deadline, "the resident's text never reached a printed callback"
        time.sleep(0.2)
        log.seek(0)
        text = log.read()
    assert "buurman (+316****2222)" in text
    for number in ("%2B31612345678", "06-87654321", "06 11 11 22 22", "+31612345678", "06 12345678"):
        assert number not in text, number


def test_it_builds_only_its_own_app_and_never_app_py_s(tmp_path):
    """The embedded command is a Flask CLI plugin: Flask does not import `--app` for it, so the
    process holds one app, built with the embedded defaults. An `--app` that does not exist proves it."""
    port = free_port()
    processes = Processes(embedded_env(tmp_path, port), tmp_path)
    try:
        processes.start("embedded", [FLASK, "--app", "no_such_module", "embedded", "--port", str(port)])
        base = f"http://localhost:{port}"
        processes.wait_until_answering("embedded", base)
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        assert "no_such_module" not in processes.log("embedded")
    finally:
        processes.stop_all()


def test_it_prints_each_request_once_in_plain_lines_and_says_when_residents_are_asked(embedded):
    """werkzeug's run_simple printed its own coloured banner, and its request handler a second,
    coloured line for every request; the embedded server prints neither."""
    base, _, log = embedded
    paths = ["/openapi.json", "/v1/cases/ONCE-1", "/no-such-page-7", "/twilio/call-status"]
    for path in paths:
        assert requests.get(base + path, timeout=5).status_code < 500
    text = _log_until(log, f"GET {paths[-1]} 405")
    for path in paths:
        assert text.count(path) == 1, path
    assert "\x1b[" not in text
    assert "  question to residents: 1s after case.completed (CONFIRMATION_DELAY)\n" in text
