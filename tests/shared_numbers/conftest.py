"""A shared proxy number: when the pool has no number free for both parties, it shares one.

Here the pool holds one number, P. Jan (crew) gets two jobs on the same day: Anna's hole
in the Kerkstraat and Bregje's in the Dorpsweg. Or Anna reports twice, and Jan and Piet
each take one. Whoever holds P for several cases is asked which case she means: by a
numbered question when she texts, by the case's short code when she calls.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, Persona

BREGJE = Persona("Bregje Smit", "+31623456789", "06 23456789")  # a second resident
PIET = Persona("Piet Jansen", "+31634567890", "06-34567890")  # a second crew
CLARA = Persona("Clara Visser", "+31645678901", "06 45678901")  # a third resident, Piet's
P = PROXY_NUMBERS[0]
ORG = "Gemeente Utrecht"
SESSION_GRACE = 7200
CONFIRMATION_DELAY = 1800

FIRST = {"case_id": "MOR-2026-0042", "reference": "MOR-42", "address": "Kerkstraat 12"}
SECOND = {"case_id": "MOR-2026-0043", "reference": "MOR-43", "address": "Dorpsweg 3"}
THIRD = {"case_id": "MOR-2026-0044", "reference": "MOR-44", "address": "Molenlaan 7"}

QUESTION_NL = (
    f"{ORG}: over welke melding gaat uw bericht? 1 = Kerkstraat 12 (MOR-42), 2 = Dorpsweg 3 (MOR-43). Stuur het cijfer."
)
QUESTION_EN = (
    f"{ORG}: which report is your message about? 1 = Kerkstraat 12 (MOR-42), 2 = Dorpsweg 3 (MOR-43). "
    "Reply with the number."
)


@pytest.fixture
def settings(settings):
    return {**settings, "PROXY_NUMBERS": P}


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


@pytest.fixture
def dispatch(case_api):
    def send(job: dict, citizen: Persona, crew: Persona, **fields):
        answer = case_api.dispatch(citizen=citizen, crew=crew, **job, **fields)
        assert answer.status_code == 202, answer.json
        return answer

    return send


@pytest.fixture
def jans_two_jobs(dispatch, run_worker, fake_twilio):
    """Jan has Anna's case (code 100) and Bregje's (code 101), both on P; dispatch texts are out."""

    def make(**fields):
        dispatch(FIRST, ANNA, JAN, **fields)
        dispatch(SECOND, BREGJE, JAN, **fields)
        run_worker()
        fake_twilio.reset()

    return make


@pytest.fixture
def annas_two_reports(dispatch, run_worker, fake_twilio):
    """Anna reported twice: Jan has the first (code 100), Piet the second (code 101), both on P."""
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, ANNA, PIET)
    run_worker()
    fake_twilio.reset()


@pytest.fixture
def kinds(case_document):
    def timeline(case_id: str) -> list[str]:
        return [entry["kind"] for entry in case_document(case_id)["timeline"]]

    return timeline


@pytest.fixture
def says(twilio, run_worker):
    """A person texts P, and the worker sends whatever follows."""

    def text(person: Persona, body: str, **extra) -> None:
        assert twilio.text(person, body, to=P, **extra).status_code == 200
        run_worker()

    return text


@pytest.fixture
def keys(twilio):
    """A caller on P keys digits into the short-code Gather."""

    def post(caller: Persona, digits: str | None, attempt: int = 1, form: dict | None = None):
        fields = {"CallSid": "CA" + "1" * 32, "From": caller.phone, "To": P}
        if digits is not None:
            fields["Digits"] = digits
        return twilio.post(f"/twilio/ivr/code?attempt={attempt}", {**fields, **(form or {})})

    return post


def texts_to(fake_twilio, person: Persona) -> list[str]:
    return fake_twilio.texts_to(person.phone)


def questions_to(fake_twilio, person: Persona) -> list[str]:
    return [body for body in texts_to(fake_twilio, person) if "over welke melding" in body or "which report" in body]


def voice(response) -> ET.Element:
    """The TwiML of a call; every Dial in it shows P, never a real number."""
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    for dial in root.iter("Dial"):
        assert dial.get("callerId") == P
    return root


def dialled(root: ET.Element) -> list[str]:
    return [number.text for number in root.iter("Number")]
