"""Landlines and the IVR: Loes has no mobile, so she is called, and answers with a key or in words.

What every voice test shares: Loes, reading the TwiML Twilio would get, and the calls up to the question.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import Persona
from tests.twiml import local, query

# A resident with only a fixed line at home.
LOES = Persona("Loes Smit", "+31201234567", "020 123 4567")
CASE_ID = "MOR-2026-0042"
FALLBACK = "14 030"


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


# -- reading what Twilio would get -------------------------------------------------------------


def twiml(response) -> ET.Element:
    """The TwiML of a call, with the rule for every call we answer: nobody is ever dialled from here."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    assert list(root.iter("Dial")) == [] and list(root.iter("Number")) == []
    return root


def outbox_id(call: dict) -> int:
    return int(query(call["Url"])["o"])


def the_question(root: ET.Element) -> ET.Element:
    """The yes/no Gather of a question call."""
    [gather] = root.findall("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert gather.get("method") == "POST"
    assert local(gather.get("action")).startswith("/twilio/ivr/answer?")
    [say] = gather.findall("Say")
    # In every language the question names the keys to press (tests/voice/test_language.py
    # checks each language's words).
    assert "1" in say.text and "2" in say.text
    return gather


def hangs_up(root: ET.Element) -> bool:
    return len(root) > 0 and root[-1].tag == "Hangup"


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def calls_to(fake_twilio):
    def calls(persona: Persona = LOES) -> list[dict]:
        return [call for call in fake_twilio.calls if call["To"] == persona.phone]

    return calls


@pytest.fixture
def landline_job(case_api, run_worker, calls_to):
    """Loes's job is dispatched and her dispatch call placed; returns the proxy number."""

    def dispatch(**fields) -> str:
        answer = case_api.dispatch(citizen=LOES, **fields)
        assert answer.status_code == 202
        run_worker()
        assert len(calls_to()) == 1
        return answer.json["proxy_number"]

    return dispatch


@pytest.fixture
def asked(landline_job, case_api, run_worker, fast_forward, calls_to):
    """The job is done and CONFIRMATION_DELAY has passed: the question call to Loes is placed."""

    def ask(**fields) -> dict:
        landline_job(**fields)
        assert case_api.complete(note="gat gevuld").status_code == 202
        fast_forward(1800)
        run_worker()
        calls = calls_to()
        assert len(calls) == 2
        return calls[-1]

    return ask


@pytest.fixture
def pick_up(twilio):
    """Loes picks up: Twilio fetches the call's Url, as a signed POST."""

    def answer(call: dict):
        return twilio.post(
            local(call["Url"]),
            {
                "CallSid": call["sid"],
                "AccountSid": "AC" + "0" * 32,
                "From": call["From"],
                "To": call["To"],
                "CallStatus": "in-progress",
                "Direction": "outbound-api",
            },
        )

    return answer


@pytest.fixture
def press(twilio):
    """What she keys in (Digits) or says (SpeechResult), posted to the Gather's action."""

    def post(action: str, digits: str | None = None, speech: str | None = None, caller: Persona = LOES):
        form = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller.phone, "To": "+3197010000001"}
        if digits is not None:
            form["Digits"] = digits
        if speech is not None:
            form["SpeechResult"], form["Confidence"] = speech, "0.91"
        return twilio.post(local(action), form)

    return post


@pytest.fixture
def question_action(asked, pick_up):
    """The question call is picked up; returns the answer URL of its Gather."""

    def action(**fields) -> str:
        return the_question(twiml(pick_up(asked(**fields)))).get("action")

    return action


@pytest.fixture
def call_status(twilio):
    """Twilio's final word on a call we placed."""

    def post(call: dict, status: str, sid: str | None = None):
        form = {"CallSid": sid or call["sid"], "CallStatus": status, "To": call["To"], "From": call["From"]}
        return twilio.post(local(call["StatusCallback"]), form)

    return post


def crew_text_row(case_document) -> int:
    [row] = [
        e["data"]["outbox_id"]
        for e in case_document()["timeline"]
        if e["kind"] == "text.queued" and e["data"]["recipient"] == "crew"
    ]
    return row
