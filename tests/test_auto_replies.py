"""What no person wrote is not read: automatic replies, our own numbers, echoes, the same text again.
And what we send by ourselves to one person about one case stops at AUTO_REPLY_LIMIT."""

import pytest
from sqlalchemy import select

from gateway.core.models import InboundMessage, TimelineEntry
from tests.conftest import ANNA, JAN, PROXY_NUMBERS

TOKEN = "metrics-token-for-tests-0123456789"
DRIVING = "I'm driving with Driving Focus turned on. I'll see your message when I get where I'm going."


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": TOKEN}


@pytest.fixture
def asked(question_open, fake_twilio):
    """Anna has the question; the texts so far are cleared. Returns the proxy number."""
    fake_twilio.reset()
    return question_open


def timeline(app, kind: str) -> list[TimelineEntry]:
    with app.extensions["korte_lijn"].db.transaction() as session:
        return list(session.scalars(select(TimelineEntry).where(TimelineEntry.kind == kind)))


def metric(client, line_start: str) -> float:
    for line in client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text.splitlines():
        if line.startswith(line_start):
            return float(line.split()[-1])
    return 0.0


def test_it_takes_driving_focus_for_no_answer_and_passes_it_on_once(
    asked, twilio, run_worker, fake_twilio, case_system, app
):
    for _ in range(3):
        twilio.text(ANNA, DRIVING, to=asked)
        twilio.text(ANNA, DRIVING.replace("I'll", "I will"), to=asked)
        run_worker(3)
    assert fake_twilio.messages == []  # no re-ask, no "forwarded"
    assert [d.type for d in case_system.deliveries] == ["case.citizen_message"]
    assert len(timeline(app, "text.auto_reply")) == 6


def test_it_relays_no_automatic_reply_between_crew_and_resident(case_api, twilio, run_worker, fake_twilio):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    fake_twilio.reset()
    twilio.text(JAN, "Ik ben afwezig tot maandag.", to=proxy)
    twilio.text(ANNA, "Dit nummer wordt niet gelezen.", to=proxy)
    run_worker(3)
    assert fake_twilio.messages == []


def test_it_never_answers_a_text_from_one_of_our_own_numbers(asked, twilio, run_worker, fake_twilio, case_system, app):
    own = next(number for number in PROXY_NUMBERS if number != asked)
    assert twilio.text(own, "nee", to=asked).status_code == 200
    assert twilio.text(own, "STOP", to=asked).status_code == 200
    run_worker(3)
    assert fake_twilio.messages == [] and case_system.deliveries == []
    with app.extensions["korte_lijn"].db.transaction() as session:
        stored = list(session.scalars(select(InboundMessage)))
    assert [(m.outcome, m.body) for m in stored] == [("own_number", None), ("own_number", None)]


def test_it_passes_the_same_text_on_once_and_reads_no_echo_of_its_own(
    asked, twilio, run_worker, fake_twilio, case_system, client
):
    twilio.text(ANNA, "Wanneer komen jullie?", to=asked)  # unclear: asked again
    twilio.text(ANNA, "Kunnen jullie ook de lantaarnpaal maken?", to=asked)
    twilio.text(ANNA, "kunnen jullie ook de lantaarnpaal maken", to=asked)
    run_worker(3)
    reask, forwarded = fake_twilio.texts_to(ANNA.phone)
    twilio.text(ANNA, forwarded, to=asked)
    run_worker(3)
    assert len(fake_twilio.messages) == 2
    assert [d.type for d in case_system.deliveries] == ["case.citizen_message"]
    assert metric(client, 'korte_lijn_texts_ignored_total{reason="repeated"}') == 1
    assert metric(client, 'korte_lijn_texts_ignored_total{reason="echo"}') == 1


def test_it_stops_its_automatic_texts_at_the_limit_and_tells_the_case_system_once(
    asked, twilio, run_worker, fake_twilio, case_system, client
):
    for n in range(12):
        twilio.text(ANNA, f"Vraag nummer {n}: wanneer komt de ploeg?", to=asked)
    run_worker(15)
    # The first unclear reply is asked again, the rest are "forwarded"; five in all (AUTO_REPLY_LIMIT).
    assert len(fake_twilio.texts_to(ANNA.phone)) == 5
    assert len(case_system.of_type("case.citizen_message")) == 11  # all but the one asked again
    [limited] = case_system.of_type("conversation.limited")
    assert limited.data["recipient"] == "citizen" and limited.data["limit"] == 5
    assert metric(client, 'korte_lijn_automatic_texts_limited_total{purpose="forwarded"}') == 7


def test_it_still_reads_an_answer_she_sent_the_crew_before_in_the_same_words(
    case_api, twilio, run_worker, fast_forward, case_system
):
    proxy = case_api.dispatch().json["proxy_number"]
    twilio.text(ANNA, "Ja", to=proxy)  # to Jan's "are you home?"
    case_api.complete()
    fast_forward(1800)
    run_worker()
    twilio.text(ANNA, "Ja", to=proxy)
    run_worker()
    assert [d.type for d in case_system.deliveries] == ["case.citizen_message", "case.confirmed"]
