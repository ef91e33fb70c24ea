"""Several workers on one database: every text and timer is handled exactly once.

The extra workers are built from the same settings, as a second `worker:` process would be.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from flows.confirmation import TIMERS
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.models import OutboxMessage, TimelineEntry, Timer
from gateway.core.outbox.claim import CLAIM_LEASE
from gateway.core.timers import fire_due
from gateway.factory import flow_hooks
from gateway.worker import Worker
from tests.conftest import ANNA, JAN, Persona

CASES = 36
# Anna's neighbours all reported something; each job has its own crew member.
NEIGHBOURS = [Persona(f"Buur {n}", f"+316100000{n:02d}", f"06 100000{n:02d}") for n in range(CASES)]
CREWS = [Persona(f"Ploeg {n}", f"+316200000{n:02d}", f"06-200000{n:02d}") for n in range(CASES)]


@pytest.fixture
def workers(runtime, settings):
    """The app's own worker and two more, each with its own connections, like separate processes."""
    extra = [Worker(Database(settings["DATABASE_URL"]), Config.from_env(settings), flow_hooks()) for _ in range(2)]
    yield [runtime.worker, *extra]
    for worker in extra:
        worker.db.dispose()


@pytest.fixture
def many_cases(case_api):
    for n in range(CASES):
        answer = case_api.dispatch(
            case_id=f"MOR-2026-1{n:03d}", reference=f"MOR-1{n:03d}", citizen=NEIGHBOURS[n], crew=CREWS[n]
        )
        assert answer.status_code == 202, answer.json
    return CASES


def all_at_once(jobs) -> list:
    """Run the jobs in threads released together, so they really contend."""
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def count(runtime, query) -> int:
    with runtime.db.transaction() as session:
        return session.scalar(query)


def test_it_sends_every_text_exactly_once_with_three_workers_draining_together(
    many_cases, workers, runtime, fake_twilio
):
    done = all_at_once([worker.outbox.drain for worker in workers])

    sent = Counter((m["To"], m["Body"]) for m in fake_twilio.messages)
    assert len(sent) == 2 * many_cases
    assert max(sent.values()) == 1, [key for key, times in sent.items() if times > 1]
    assert {m["To"] for m in fake_twilio.messages} == {p.phone for p in NEIGHBOURS + CREWS}
    assert sum(done) == 2 * many_cases, f"rows attempted per worker: {done}"
    assert count(runtime, select(func.count()).where(OutboxMessage.status != "sent")) == 0
    assert count(runtime, select(func.max(OutboxMessage.attempts))) == 1
    if runtime.db.is_postgres:
        # SKIP LOCKED lets workers share the queue instead of queueing behind one another.
        assert sum(1 for n in done if n) > 1, f"one worker did everything: {done}"


def test_it_fires_every_due_timer_exactly_once_with_three_workers_firing_together(
    many_cases, workers, runtime, case_api, fake_twilio, fast_forward
):
    runtime.worker.outbox.drain()
    for n in range(many_cases):
        assert case_api.complete(case_id=f"MOR-2026-1{n:03d}").status_code == 202
    fast_forward(1800)
    fake_twilio.reset()

    fired = all_at_once([lambda w=w: fire_due(w.db, w.config, TIMERS) for w in workers])

    assert sum(fired) == many_cases, f"timers fired per worker: {fired}"
    assert count(runtime, select(func.count()).where(TimelineEntry.kind == "timer.fired")) == many_cases
    assert count(runtime, select(func.count()).where(Timer.kind == "ask", Timer.status == "fired")) == many_cases
    assert count(runtime, select(func.count()).where(OutboxMessage.purpose == "question")) == many_cases
    if runtime.db.is_postgres:
        assert sum(1 for n in fired if n) > 1, f"one worker fired everything: {fired}"

    all_at_once([worker.outbox.drain for worker in workers])
    questions = Counter(m["To"] for m in fake_twilio.messages if m["Body"].endswith("Antwoord met JA of NEE."))
    assert questions == Counter({p.phone: 1 for p in NEIGHBOURS})


def test_it_hands_a_dead_workers_rows_to_another_worker_once_the_lease_is_over(case_api, workers, runtime, fake_twilio):
    case_api.dispatch()
    dead, alive = workers[1].outbox, workers[2].outbox
    before = utcnow()
    claimed = dead.claim(20)
    assert len(claimed) == 2
    for row in claimed:
        assert before + CLAIM_LEASE <= row.locked_until <= utcnow() + CLAIM_LEASE

    # The dead worker never delivers; while its lease runs, the rows are nobody else's.
    assert alive.drain() == 0
    assert fake_twilio.messages == []

    with runtime.db.transaction() as session:
        session.execute(update(OutboxMessage).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert alive.drain() == 2
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1
    with runtime.db.transaction() as session:
        assert [(r.status, r.attempts) for r in session.scalars(select(OutboxMessage))] == [("sent", 2)] * 2
    assert alive.drain() == 0


def test_it_does_not_send_twice_when_a_slow_worker_finishes_a_batch_after_its_lease(
    case_api, workers, runtime, fake_twilio
):
    # Rows of a batch are sent one by one: twenty sends at Twilio's 10 s timeout outlast the
    # 60 s lease, so a slow worker can still hold rows another worker has taken over.
    case_api.dispatch()
    slow, fast = workers[1].outbox, workers[2].outbox
    stale = slow.claim(20)
    with runtime.db.transaction() as session:
        session.execute(update(OutboxMessage).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert fast.drain() == 2

    for row in stale:
        slow.deliver(row)

    assert len(fake_twilio.texts_to(ANNA.phone)) == 1, "Anna got the dispatch text twice"
    assert len(fake_twilio.texts_to(JAN.phone)) == 1, "Jan got the dispatch text twice"


def test_it_leaves_a_row_with_a_live_lease_alone_even_when_it_is_long_overdue(
    case_api, workers, runtime, fast_forward, fake_twilio
):
    case_api.dispatch()
    workers[1].outbox.claim(20)
    # Being overdue is no reason to steal: only the lease's end is.
    fast_forward(3600)
    assert workers[2].outbox.drain() == 0 and runtime.worker.outbox.drain() == 0
    assert fake_twilio.messages == []
