"""One lock order (gateway/core/locks.py): a case first, then its outbox rows and timers.

A flow, here played by a second connection, locks the case and then changes the case's
outbox rows or timers. Whoever comes in from a row instead (the worker recording a send,
Twilio's status callback, a timer firing) must wait for the case, or pass it over, before
it locks the row; otherwise the two deadlock and PostgreSQL ends one of them. The flow's
connection has a lock_timeout of half a second, shorter than PostgreSQL's deadlock check
(1 s): under the old order its UPDATE would wait for the row and fail, so each test fails
on a regression rather than passing on a lucky deadlock victim.

Row locks are PostgreSQL's; SQLite has one writer at a time and nothing to order.
"""

from __future__ import annotations

from sqlalchemy import select

from flows.confirmation import TIMERS
from gateway.core.models import MetricCounter, OutboxMessage, TimelineEntry, Timer
from gateway.core.timers import fire_due
from tests.conftest import ANNA, JAN, Persona
from tests.row_locks import ON_POSTGRES_ONLY, in_background, someone_waits_for_a_lock, wait_until

pytestmark = ON_POSTGRES_ONLY
CASE = "MOR-2026-0042"


def lock_case(flow) -> int:
    return flow.execute("SELECT id FROM cases WHERE case_id = %s FOR UPDATE", (CASE,)).fetchone()[0]


def test_the_worker_waits_for_the_case_before_it_records_a_send(case_api, runtime, fake_twilio, flow):
    case_api.dispatch()
    case_pk = lock_case(flow)
    worker, result = in_background(runtime.worker.outbox.drain)
    fake_twilio.wait_for_messages(1, timeout=10)  # the first text is at Twilio; recording it waits
    wait_until(lambda: someone_waits_for_a_lock(flow))

    # The flow changes the case's outbox rows: it must not wait for the worker.
    flow.execute("UPDATE outbox SET due_at = due_at WHERE case_pk = %s", (case_pk,))
    flow.commit()
    worker.join(15)
    assert "error" not in result and result["value"] == 2
    with runtime.db.transaction() as session:
        assert [row.status for row in session.scalars(select(OutboxMessage))] == ["sent", "sent"]
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1


def test_a_status_callback_waits_for_the_case_before_it_records_the_status(case_api, runtime, run_worker, twilio, flow):
    case_api.dispatch()
    run_worker()
    with runtime.db.transaction() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "citizen")).one()
    case_pk = lock_case(flow)
    callback, result = in_background(lambda: twilio.status(row.provider_sid, "delivered", outbox_id=row.id))
    wait_until(lambda: someone_waits_for_a_lock(flow))

    flow.execute("UPDATE outbox SET due_at = due_at WHERE case_pk = %s", (case_pk,))
    flow.commit()
    callback.join(15)
    assert "error" not in result and result["value"].status_code == 204
    with runtime.db.transaction() as session:
        assert session.get(OutboxMessage, row.id).delivery_status == "delivered"


def test_a_due_timer_whose_case_is_held_waits_its_turn_without_holding_the_timer(
    case_api, runtime, run_worker, fast_forward, flow
):
    case_api.dispatch()
    case_api.complete()
    run_worker()
    fast_forward(3600)  # the question's timer is due
    case_pk = lock_case(flow)

    # The worker passes the held case over at once, rather than lock its timer and wait.
    timers, result = in_background(lambda: fire_due(runtime.db, runtime.config, TIMERS))
    timers.join(5)
    assert not timers.is_alive(), "the worker waits for the held case"
    assert "error" not in result and result["value"] == 0
    flow.execute("UPDATE timers SET due_at = due_at WHERE case_pk = %s", (case_pk,))
    flow.commit()

    assert fire_due(runtime.db, runtime.config, TIMERS) == 1
    with runtime.db.transaction() as session:
        assert "fired" in [timer.status for timer in session.scalars(select(Timer))]


def test_a_status_callback_caught_in_a_deadlock_is_tried_again_not_answered_503(
    case_api, runtime, run_worker, twilio, flow, fake_twilio, case_system
):
    """Someone who breaks the lock order (here: the flow's connection, on purpose) deadlocks
    with a status callback; PostgreSQL ends the callback's transaction, and the webhook tries
    it again instead of answering 503 (Twilio would not send it again)."""
    case_api.dispatch()
    run_worker()
    with runtime.db.transaction() as session:
        row = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "citizen")).one()
    flow.execute("SET lock_timeout = 0")
    flow.execute("SET deadlock_timeout = '10s'")  # the webhook's transaction is the one ended
    flow.execute("SELECT id FROM outbox WHERE id = %s FOR UPDATE", (row.id,))  # the row first: wrong order
    callback, result = in_background(lambda: twilio.status(row.provider_sid, "delivered", outbox_id=row.id))
    wait_until(lambda: someone_waits_for_a_lock(flow))  # the webhook holds the case and waits for the row
    lock_case(flow)  # the cycle; PostgreSQL breaks it by ending the webhook's transaction
    flow.commit()
    callback.join(15)
    assert "error" not in result and result["value"].status_code == 204
    with runtime.db.transaction() as session:
        assert session.get(OutboxMessage, row.id).delivery_status == "delivered"


KEES = Persona("Kees Smit", "+31622223333", "06 22223333")


def withdrawn_texts(runtime) -> float:
    with runtime.db.transaction() as session:
        counters = session.scalars(select(MetricCounter).where(MetricCounter.name == "korte_lijn_messages")).all()
    return sum(c.value for c in counters if c.labels == "kind=text,outcome=withdrawn,recipient=citizen")


def test_stop_and_the_worker_sending_to_her_in_another_case_do_not_deadlock(
    case_api, runtime, twilio, run_worker, fake_twilio, flow
):
    """Anna has two open cases. The worker is recording a text to her in the second (it holds
    that case, as it does, and is about to lock the row) when her STOP comes in. STOP locks her
    cases, in id order, before it touches their rows; before it went the other way round, the
    worker's row lock met STOP's, and PostgreSQL would end one of them as a deadlock."""
    first = case_api.dispatch("MOR-1", citizen=ANNA, crew=JAN).json
    case_api.dispatch("MOR-2", citizen=ANNA, crew=KEES)
    flow.execute("SELECT id FROM cases WHERE case_id = 'MOR-2' FOR UPDATE")  # the worker, recording

    stop, result = in_background(lambda: twilio.text(ANNA, "STOP", to=first["proxy_number"]))
    wait_until(lambda: someone_waits_for_a_lock(flow))  # STOP waits for the second case
    # The worker goes on to its row and records the send: STOP must not hold that row.
    flow.execute(
        "UPDATE outbox SET status = 'sent', sent_at = now() WHERE status = 'pending' AND recipient = 'citizen' "
        "AND case_pk = (SELECT id FROM cases WHERE case_id = 'MOR-2')"
    )
    flow.commit()
    stop.join(15)
    assert "error" not in result and result["value"].status_code == 200

    with runtime.db.transaction() as session:
        to_anna = session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == ANNA.phone)).all()
        assert sorted(row.status for row in to_anna) == ["cancelled", "sent"]
        notes = session.scalars(select(TimelineEntry.summary).where(TimelineEntry.kind == "opted_out")).all()
    assert sorted(notes) == [
        "citizen +316****5678 opted out (STOP); 0 unsent text(s) withdrawn",
        "citizen +316****5678 opted out (STOP); 1 unsent text(s) withdrawn",
    ]
    assert withdrawn_texts(runtime) == 1  # counted once, for the one row withdrawn
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []  # nothing goes to her after her STOP
