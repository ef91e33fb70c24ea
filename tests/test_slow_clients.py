"""Slow clients against the Procfile's real web line: they must not stall anyone else.

With sync workers, two connections that sent half a body and waited held both workers
until gunicorn's 30 s timeout killed them: /healthz answered after 31.8 s.
"""

import socket
import time
import uuid

import pytest
import requests
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN, CASE_KEY, PROXY_NUMBERS, STRANGER
from tests.processes import Processes, free_port

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 3


@pytest.fixture
def web(settings, request, tmp_path):
    """The release step, then the Procfile's web line at its defaults; yields its base URL."""
    port = free_port()
    settings.update(PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    request.getfixturevalue("app")  # empties the tables first
    processes = Processes(settings, tmp_path)
    try:
        processes.release()
        yield processes.start_web(port=port)
    finally:
        processes.stop_all()
        print(processes.output())


def half_a_body(port: int) -> socket.socket:
    """A client that promises 2,000 bytes of a Twilio form, sends 1,000, and then waits.
    (A signature makes the gateway read the form to check it; /v1/events refuses a missing key
    before it reads anything.)"""
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(
        (
            b"POST /twilio/sms HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"X-Twilio-Signature: forged\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 2000\r\n\r\n"
        )
        + b"Body="
        + b"x" * 995
    )
    return client


def timed(call) -> tuple[float, requests.Response]:
    started = time.monotonic()
    answer = call()
    return time.monotonic() - started, answer


def test_three_clients_sending_half_a_body_delay_neither_healthz_nor_a_signed_text_by_a_second(web):
    port = int(web.rsplit(":", 1)[1])
    for _ in range(4):  # each web process has its database connection before the clock starts
        requests.get(web + "/healthz", timeout=10)
    stalled = [half_a_body(port) for _ in range(SLOW_CLIENTS)]
    try:
        time.sleep(0.5)  # let the web line hand each of them to a worker
        health_took, health = timed(lambda: requests.get(web + "/healthz", timeout=60))
        form = {
            "MessageSid": "SM" + uuid.uuid4().hex,
            "From": STRANGER.phone,
            "To": PROXY_NUMBERS[0],
            "Body": "Hallo?",
            "NumMedia": "0",
        }
        signature = RequestValidator(AUTH_TOKEN).compute_signature(web + "/twilio/sms", form)
        text_took, text = timed(
            lambda: requests.post(web + "/twilio/sms", data=form, timeout=60, headers={"X-Twilio-Signature": signature})
        )
    finally:
        for client in stalled:
            client.close()
    print(f"with {SLOW_CLIENTS} slow clients: /healthz {health_took:.2f} s, signed /twilio/sms {text_took:.2f} s")
    assert health.status_code == 200 and text.status_code == 200
    assert health_took < 1 and text_took < 1


def test_a_chunked_event_over_64_kib_answers_413_through_the_web_line(web):
    # gunicorn hands werkzeug a chunked body without a Content-Length; werkzeug cut it off at
    # 64 KiB without a word, and the event answered 400 "not valid JSON".
    def chunks():
        yield b'{"type": "case.dispatched", "data": {"description": "'
        for _ in range(70):
            yield b"x" * 1024
        yield b'"}}'

    answer = requests.post(
        web + "/v1/events",
        data=chunks(),
        timeout=10,
        headers={
            "Authorization": f"Bearer {CASE_KEY}",
            "webhook-id": "evt-chunked",
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "body_too_large"
