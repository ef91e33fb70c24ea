"""Phones that answer by themselves, against the Procfile's real web and worker.

The fake Twilio plays the phone: every text the gateway sends to it comes straight back as
a signed inbound text (Driving Focus, an echo, or one of our own proxy numbers, which Twilio
delivers to our own webhook). The conversation must end by itself, well before REOPEN_WINDOW.
"""

import os
import time
from collections import Counter

import pytest
from sqlalchemy import update

from gateway.core.models import Case, ProxyLease
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, STRANGER
from tests.over_http import send_event
from tests.processes import free_port, procfile_running

pytestmark = pytest.mark.e2e

# How long each test watches the loop; LOOP_SECONDS=45 gives the measurement.
WATCH = float(os.environ.get("LOOP_SECONDS", "12"))
DRIVING_FOCUS = "I'm driving with Driving Focus turned on. I'll see your message when I get where I'm going."
LIMIT = 3


@pytest.fixture
def gateway(settings, app, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.update(
        PUBLIC_BASE_URL=base, CONFIRMATION_DELAY="1s", AUTO_REPLY_LIMIT=str(LIMIT), WORKER_POLL_INTERVAL="0.2"
    )
    with procfile_running(settings, tmp_path, port):
        yield base


def dispatch(base: str, case_id: str, citizen_phone: str) -> str:
    answer = send_event(
        base,
        "case.dispatched",
        {
            "case_id": case_id,
            "reference": case_id[-6:],
            "address": "Kerkstraat 12",
            "description": "Een gat.",
            "citizen": {"phone": citizen_phone, "name": "Anna"},
            "crew": {"id": "crew-noord", "phone": JAN.national, "name": JAN.name},
        },
    )
    assert answer.status_code == 202, answer.text
    return answer.json()["proxy_number"]


def watch(fake_twilio, case_system) -> tuple[int, list]:
    time.sleep(WATCH)
    texts, callbacks = len(fake_twilio.messages), list(case_system.deliveries)
    print(
        f"in {WATCH:g} s: {texts} texts, {len(callbacks)} callbacks "
        f"({dict(Counter(c.type for c in callbacks))}), {len(fake_twilio.auto_responses)} automatic answers"
    )
    return texts, callbacks


def of_type(callbacks: list, event_type: str) -> list:
    return [c for c in callbacks if c.type == event_type]


def test_it_ends_a_conversation_with_a_phone_on_driving_focus(gateway, fake_twilio, case_system):
    fake_twilio.auto_respond(ANNA.phone, gateway + "/twilio/sms", DRIVING_FOCUS)
    dispatch(gateway, "MOR-2026-0042", ANNA.national)
    assert send_event(gateway, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202

    texts, callbacks = watch(fake_twilio, case_system)
    # Dispatch notices to Anna and Jan, the question: nothing answers an automatic reply.
    assert texts == 3
    assert fake_twilio.texts_to(JAN.phone)[1:] == [], "an automatic reply was relayed to the crew"
    assert of_type(callbacks, "case.reopened") == [] and of_type(callbacks, "case.confirmed") == []
    assert len(of_type(callbacks, "case.citizen_message")) <= 1


def test_it_ends_a_conversation_with_a_phone_that_echoes_every_text(gateway, fake_twilio, case_system):
    fake_twilio.auto_respond(ANNA.phone, gateway + "/twilio/sms")
    dispatch(gateway, "MOR-2026-0042", ANNA.national)
    assert send_event(gateway, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202

    texts, callbacks = watch(fake_twilio, case_system)
    to_anna = fake_twilio.texts_to(ANNA.phone)
    # The notice and the question, then at most LIMIT automatic texts; and the crew's one.
    assert len(to_anna) <= 2 + LIMIT and texts == len(to_anna) + len(fake_twilio.texts_to(JAN.phone))
    messages = [c.data["text"] for c in of_type(callbacks, "case.citizen_message")]
    assert len(messages) == len(set(messages)), "the same text reached the case system twice"
    assert of_type(callbacks, "case.reopened") == []
    assert len(of_type(callbacks, "conversation.limited")) <= 1


def test_it_ends_a_conversation_with_a_phone_that_answers_every_text_differently(gateway, fake_twilio, case_system):
    fake_twilio.auto_respond(ANNA.phone, gateway + "/twilio/sms", "Bericht {n} ontvangen, ik bel u terug")
    dispatch(gateway, "MOR-2026-0042", ANNA.national)
    assert send_event(gateway, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202

    texts, callbacks = watch(fake_twilio, case_system)
    # The notice, the question, then AUTO_REPLY_LIMIT automatic texts (re-ask, "forwarded"); Jan's notice,
    # and the answer to Anna's notice relayed to him if it came while the job was still open.
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2 + LIMIT
    assert texts <= 2 + LIMIT + 2
    messages = [c.data["text"] for c in of_type(callbacks, "case.citizen_message")]
    assert len(messages) == len(set(messages)) <= 1 + LIMIT
    [limited] = of_type(callbacks, "conversation.limited")
    assert limited.data["recipient"] == "citizen"
    assert of_type(callbacks, "case.reopened") == []


def test_it_never_answers_a_case_whose_citizen_phone_is_one_of_our_proxy_numbers(
    gateway, app, fake_twilio, case_system
):
    """The issue's own loop: two cases whose residents' numbers are our proxy numbers. The API
    refuses such numbers now, so the cases are dispatched for strangers and then given them."""
    cases = {"MOR-2026-0001": STRANGER, "MOR-2026-0002": ANNA}
    for case_id, person in cases.items():
        dispatch(gateway, case_id, person.national)
    fake_twilio.wait_for_messages(4, timeout=15)  # the dispatch notices
    own = {"MOR-2026-0001": PROXY_NUMBERS[1], "MOR-2026-0002": PROXY_NUMBERS[0]}
    db = app.extensions["korte_lijn"].db
    with db.transaction() as session:
        for case_id, person in cases.items():
            session.execute(update(Case).where(Case.case_id == case_id).values(citizen_phone=own[case_id]))
            session.execute(update(ProxyLease).where(ProxyLease.phone == person.phone).values(phone=own[case_id]))
    for number in own.values():
        fake_twilio.auto_respond(number, gateway + "/twilio/sms")
    before = 4
    for case_id in cases:
        assert send_event(gateway, "case.completed", {"case_id": case_id}).status_code == 202

    texts, callbacks = watch(fake_twilio, case_system)
    # The send-time destination rule refuses both questions: our own numbers are never texted,
    # so no loop can start (a text from one of them is never answered either: test_auto_replies.py).
    assert texts - before == 0
    refused = of_type(callbacks, "message.undeliverable")
    assert sorted(c.data["case_id"] for c in refused) == sorted(cases)
    assert all("own numbers" in c.data["reason"] for c in refused)
    assert of_type(callbacks, "case.reopened") == [] and of_type(callbacks, "case.citizen_message") == []
