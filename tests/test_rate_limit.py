"""SENDER_MPS: a proxy number sends at most that many segments a second; answers go first."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.db import utcnow
from gateway.gsm7 import segments
from gateway.models import OutboxMessage
from gateway.rate import SenderRate
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, Persona

P = PROXY_NUMBERS[0]


def test_it_spaces_sends_from_one_number_by_their_segments(runtime):
    rate = SenderRate(runtime.db, per_second=10)
    waits = [rate.reserve(P, segments=1) for _ in range(5)]
    # The first goes now; each next one 0.1 s after the one before (allow for the clock moving on).
    assert waits[0] == 0
    for earlier, later in zip(waits, waits[1:]):
        assert 0.05 < later - earlier <= 0.1
    three = rate.reserve(P, segments=3)
    assert rate.reserve(P, segments=1) - three == pytest.approx(0.3, abs=0.05)


def test_it_keeps_numbers_apart(runtime):
    rate = SenderRate(runtime.db, per_second=10)
    for _ in range(5):
        rate.reserve(P, segments=1)
    assert rate.reserve(PROXY_NUMBERS[1], segments=1) == 0


def test_it_reserves_no_further_ahead_than_the_horizon(runtime):
    rate = SenderRate(runtime.db, per_second=1)
    taken = [rate.reserve(P, segments=1) for _ in range(4)]
    assert taken[:3] == [0, pytest.approx(1, abs=0.05), pytest.approx(2, abs=0.05)]
    later = taken[3]
    assert not isinstance(later, float)  # a moment to come back, nothing reserved
    assert utcnow() < later < utcnow() + timedelta(seconds=3)


def test_two_workers_share_one_limit(runtime):
    # Two SenderRate objects stand for two worker processes: the limit is in the database.
    first, second = SenderRate(runtime.db, per_second=10), SenderRate(runtime.db, per_second=10)
    waits = sorted([first.reserve(P, 1), second.reserve(P, 1), first.reserve(P, 1), second.reserve(P, 1)])
    assert waits[-1] == pytest.approx(0.3, abs=0.05)


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


def test_an_answer_goes_out_before_a_morning_of_bulk_notices(case_api, twilio, run_worker, fake_twilio):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    for i in range(6):
        citizen = Persona(f"Bewoner {i}", f"+3162000000{i}", f"06 2000000{i}")
        case_api.dispatch(case_id=f"MOR-{i}", citizen=citizen, crew=JAN)
    twilio.text(ANNA, "Ik ben thuis vanaf 9 uur", to=proxy)  # queued after the six dispatches
    fake_twilio.reset()
    run_worker()
    assert fake_twilio.messages[0]["Body"].endswith("Ik ben thuis vanaf 9 uur")
