"""From text to voice: when Anna's texts cannot arrive, she hears what matters in a call.

A text that Twilio reports 30006 (landline or unreachable carrier) or 21614 (not a
mobile number) switches her case to voice: the message is placed as a call if it still
matters (the dispatch notice and the crew's messages while the job is open, the question
and the reminder while the question is open), and every later message is a call.
30003 (handset unreachable) earns one more text ten minutes later first. A thank-you is
not worth a call, and the crew is never called instead of texted.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL, Persona, entries

CONFIRMATION_DELAY = 1800
REMINDER_AFTER = 86400
TEXT_RETRY_AFTER = 600
CALL_RETRY_AFTER = 1800
CALLED_PURPOSES = ["dispatch_citizen", "relay", "question", "reminder"]


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


def outbox_id(record: dict) -> int:
    """The outbox row a text or call names in its StatusCallback URL (…?o=N)."""
    [value] = parse_qs(urlparse(record["StatusCallback"]).query)["o"]
    return int(value)


def texts_to(fake_twilio, persona: Persona = ANNA) -> list[dict]:
    return [message for message in fake_twilio.messages if message["To"] == persona.phone]


def called_purposes(client) -> list[str]:
    return [entry["data"]["purpose"] for entry in entries(client, "call.queued")]


@pytest.fixture
def texted(case_api, twilio, run_worker, fast_forward, fake_twilio):
    """Bring the case to the moment Anna has been texted for `purpose`; returns that text."""

    def reach(purpose: str) -> dict:
        proxy = case_api.dispatch().json["proxy_number"]
        run_worker()
        if purpose == "relay":
            assert twilio.text(JAN, "We staan om 10 uur bij u.", to=proxy).status_code == 200
            run_worker()
        if purpose in ("question", "reminder", "thanks_yes"):
            assert case_api.complete(note="gat gevuld").status_code == 202
            fast_forward(CONFIRMATION_DELAY)
            run_worker()
        if purpose == "reminder":
            fast_forward(REMINDER_AFTER + 1)
            run_worker()
        if purpose == "thanks_yes":
            assert twilio.text(ANNA, "Ja, dank u wel", to=proxy).status_code == 200
            run_worker()
        text = texts_to(fake_twilio)[-1]
        assert fake_twilio.calls == []
        return text

    return reach


@pytest.fixture
def fails(twilio, run_worker):
    """Twilio reports one of our texts as not delivered, then the worker runs."""

    def report(message: dict, code: str | None, status: str = "undelivered") -> None:
        assert twilio.status(message["sid"], status, outbox_id(message), error_code=code).status_code == 204
        run_worker()

    return report


@pytest.fixture
def call_status(twilio, run_worker):
    def post(call: dict, status: str, sid: str | None = None):
        form = {"CallSid": sid or call["sid"], "CallStatus": status, "From": call["From"], "To": call["To"]}
        response = twilio.post(f"/twilio/call-status?o={outbox_id(call)}", form)
        run_worker()
        return response

    return post


def placed_call_twiml(twilio, call: dict) -> ET.Element:
    """What Twilio hears when it fetches the call's Url, as a parsed TwiML document."""
    path = call["Url"].removeprefix(PUBLIC_BASE_URL)
    answer = twilio.post(
        path,
        {
            "CallSid": call["sid"],
            "From": call["From"],
            "To": call["To"],
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
        },
    )
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    root = ET.fromstring(answer.data)
    assert root.tag == "Response"
    return root
