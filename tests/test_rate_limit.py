"""SENDER_MPS: a proxy number sends at most that many segments a second; answers go first."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.db import utcnow
from gateway.core.gsm7 import segments
from gateway.core.models import OutboxMessage, SenderSlot
from gateway.core.rate import MARGIN, SenderRate
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, Persona

P = PROXY_NUMBERS[0]


def take(runtime, rate: SenderRate, number: str = P, segments: int = 1) -> float:
    """One turn, as the outbox takes it: in a transaction of its own."""
    rate.know(number)
    with runtime.db.transaction() as session:
        turn = rate.take_turn(session, number, segments)
    return 0 if turn is None else (turn - utcnow()).total_seconds()


def test_it_spaces_sends_from_one_number_by_their_segments(runtime):
    rate = SenderRate(runtime.db, per_second=10)
    assert take(runtime, rate) == 0
    # The next turn is 0.1 s away; asking early takes nothing and says how long to wait.
    wait = take(runtime, rate)
    assert 0.05 < wait <= 0.1 * MARGIN
    assert 0 < take(runtime, rate) <= wait
    time.sleep(wait + 0.005)
    assert take(runtime, rate, segments=3) == 0
    assert 0.25 < take(runtime, rate) <= 0.3 * MARGIN


def test_it_keeps_numbers_apart(runtime):
    rate = SenderRate(runtime.db, per_second=10)
    assert take(runtime, rate) == 0
    assert take(runtime, rate) > 0
    assert take(runtime, rate, PROXY_NUMBERS[1]) == 0


def test_a_number_idle_for_a_minute_earns_no_burst(runtime):
    rate = SenderRate(runtime.db, per_second=10)
    take(runtime, rate)
    with runtime.db.transaction() as session:
        session.get(SenderSlot, P).next_at = utcnow() - timedelta(minutes=1)
    assert take(runtime, rate) == 0
    assert 0.05 < take(runtime, rate) <= 0.1 * MARGIN


def test_two_workers_share_one_limit(runtime):
    # Two SenderRate objects stand for two worker processes: the limit is in the database.
    first, second = SenderRate(runtime.db, per_second=10), SenderRate(runtime.db, per_second=10)
    assert take(runtime, first) == 0
    assert 0.05 < take(runtime, second) <= 0.1 * MARGIN


def test_it_sends_from_several_numbers_at_once(case_api, runtime, fake_twilio):
    # Twilio takes a while to answer; one number's wait must not hold up the others.
    # Jan's three jobs each get a number of their own.
    for i in range(len(PROXY_NUMBERS)):
        citizen = Persona(f"Bewoner {i}", f"+3162000000{i}", f"06 2000000{i}")
        assert case_api.dispatch(case_id=f"MOR-{i}", citizen=citizen, crew=JAN).status_code == 202
    fake_twilio.hold()
    drain = threading.Thread(target=runtime.worker.outbox.drain)
    drain.start()
    try:
        fake_twilio.wait_until_held(len(PROXY_NUMBERS))
        with fake_twilio._lock:
            senders = {arrival.form["From"] for arrival in fake_twilio.arrivals}
        assert senders == set(PROXY_NUMBERS)
    finally:
        fake_twilio.release()
        drain.join(30)
    assert len(fake_twilio.messages) == 2 * len(PROXY_NUMBERS)


class TestTheWorkerKeepsToTheLimit:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "SENDER_MPS": "20", "PROXY_NUMBERS": P}

    def test_it_sends_no_faster_than_the_limit(self, case_api, runtime, run_worker, fake_twilio):
        for i in range(8):
            citizen = Persona(f"Bewoner {i}", f"+3162000000{i}", f"06 2000000{i}")
            crew = Persona(f"Ploeg {i}", f"+3163000000{i}", f"06 3000000{i}")
            assert case_api.dispatch(case_id=f"MOR-{i}", citizen=citizen, crew=crew).status_code == 202
        run_worker()
        with runtime.db.transaction() as session:
            sent = session.scalars(select(OutboxMessage).order_by(OutboxMessage.sent_at)).all()
        assert [row.status for row in sent] == ["sent"] * 16
        # 16 texts of 2-3 segments: all but the last text's segments had to fit in the time
        # between the first and the last send, at 20 a second. (How close to the limit the
        # drain gets is a benchmark's question, not a test's: bench/outbox_drain.py.)
        spent = sum(segments(row.body) for row in sent[:-1])
        seconds = (sent[-1].sent_at - sent[0].sent_at).total_seconds()
        assert seconds >= spent / 20 - 0.2  # the first send also waits for its connection


class TestAnswersGoFirst:
    # One number for everything, so the answer and the notices queue for the same turns.
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "PROXY_NUMBERS": P}

    def test_an_answer_goes_out_before_a_morning_of_bulk_notices(self, case_api, twilio, run_worker, fake_twilio):
        assert case_api.dispatch().json["proxy_number"] == P
        run_worker()
        for i in range(6):
            citizen = Persona(f"Bewoner {i}", f"+3162000000{i}", f"06 2000000{i}")
            case_api.dispatch(case_id=f"MOR-{i}", citizen=citizen, crew=JAN)
        twilio.text(ANNA, "Ik ben thuis vanaf 9 uur", to=P)  # queued after the six dispatches
        fake_twilio.reset()
        run_worker()
        assert len(fake_twilio.messages) == 13
        assert fake_twilio.messages[0]["Body"].endswith("Ik ben thuis vanaf 9 uur")
