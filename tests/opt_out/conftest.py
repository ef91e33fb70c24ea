"""STOP and START: a resident (or a crew) may refuse our texts at any time, and take that back.

Anna has reported a hole; Jan is the crew. A whole message that is a carrier keyword
(STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) opts the sender out of
texts: it is never an answer, every unsent text to the number is withdrawn and nothing is
texted to it again until START or UNSTOP. Twilio refusing a text with 21610 counts as a
STOP too. The case system hears of it for each open case of that person.
"""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, Persona

BEA = Persona("Bea Jansen", "+31622223333", "06 22223333")
PIET = Persona("Piet Smit", "+31655556666", "06 55556666")
# A resident on a fixed line (some take texts as speech, and may send STOP from it).
LIES = Persona("Lies Mulder", "+31201234567", "020 123 4567")

REMINDER_AFTER = 86400


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


def callback_types(case_system) -> list[str]:
    return [delivery.type for delivery in case_system.deliveries]


@pytest.fixture
def proxy(case_api, run_worker, fake_twilio):
    """An open job: the dispatch notices to Anna and Jan are out. Returns the proxy number."""
    answer = case_api.dispatch()
    assert answer.status_code == 202
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1
    return answer.json["proxy_number"]


@pytest.fixture
def asked(proxy, case_api, run_worker, fast_forward, fake_twilio):
    """The job is done and CONFIRMATION_DELAY has passed: Anna has the question."""
    assert case_api.complete(note="gat gevuld").status_code == 202
    fast_forward(1800)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    return proxy


@pytest.fixture
def says(twilio, run_worker):
    """Someone texts a proxy number; the worker then sends whatever that caused."""

    def say(persona: Persona | str, body: str, to: str, sid: str | None = None):
        response = twilio.text(persona, body, to=to, sid=sid)
        assert response.status_code == 200
        run_worker()
        return response

    return say
