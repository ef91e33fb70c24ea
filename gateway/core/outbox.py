"""The outbox worker: claims due rows, does the network call, records the result.

A claim is a short transaction that leases rows (FOR UPDATE SKIP LOCKED on PostgreSQL,
a conditional UPDATE everywhere); the send happens outside any transaction; the result
is a second short transaction. Rows for one case and recipient go out in order: a row
waits while an earlier one to the same recipient is still pending. Answers go before
bulk notices (`priority`), each proxy number keeps to SENDER_MPS (gateway/core/rate.py), and
the numbers send side by side (gateway/core/lanes.py).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, text, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import aliased, with_expression

from gateway.core import counters, logs, recipients
from gateway.core.callbacks import CallbackSender, EndpointGone, RetryLater
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.effects import Effects
from gateway.core.gsm7 import segments
from gateway.core.hooks import DeliveryOutcomes
from gateway.core.lanes import Lanes
from gateway.core.locks import case_then_row
from gateway.core.models import Case, DisabledEndpoint, OptOut, OutboxMessage
from gateway.core.phones import mask
from gateway.core.rate import SenderRate, sleep_until
from gateway.core.transport import TransportError

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)
BATCH = 20
# Rows one drain takes on before it returns to the worker's tick.
DRAIN_LIMIT = 1000
RECLAIM_PAUSE = 0.05
# Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
CALLBACK_RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
TEXT_RETRY_DELAYS = (5, 30, 120, 600, 1800)
# How long a worker keeps trying to record a send while the database is away (the lease is 60 s).
RECORD_PATIENCE = 45.0
# While the case system's endpoint is disabled (410), its callbacks look again this often.
DISABLED_RECHECK = timedelta(minutes=10)


class OutboxWorker:
    def __init__(self, db: Database, config: Config, transport, callbacks: CallbackSender, outcomes: DeliveryOutcomes):
        self.db, self.config, self.transport, self.callbacks = db, config, transport, callbacks
        self.outcomes = outcomes
        self.rate = SenderRate(db, config.sender_mps)
        # Rows being sent at once by this process, whichever drain or lane sends them
        # (a callback until its outcome is recorded: see deliver).
        self._sending = threading.BoundedSemaphore(config.send_concurrency)

    def drain(self, limit: int = DRAIN_LIMIT) -> int:
        """Send what is due, up to `limit` rows; returns how many were attempted.

        Claimed rows go into lanes (gateway/core/lanes.py) that send side by side; claiming
        goes on while they send, so the pool's numbers stay busy. Returns when nothing
        claimable is left and every lane is done.
        """

        def send(row: OutboxMessage) -> None:
            with logs.case_scope(row.case_ref):
                self.deliver(row)

        # A lane waiting for its number's turn holds a thread, so every number gets one;
        # SEND_CONCURRENCY limits the requests in flight (self._sending), not the lanes.
        lanes = Lanes(len(self.config.proxy_numbers) + self.config.send_concurrency, send)
        depth = max(2, round(2 * self.config.sender_mps))  # two seconds of one number's texts
        done = 0
        try:
            while done < limit:
                finished = lanes.finished
                claimed = self.claim(min(BATCH, limit - done), skip_numbers=lanes.full_numbers(depth))
                if claimed:
                    lanes.add(claimed)
                    done += len(claimed)
                    continue
                # A row sent may free the next one of its case: look again once one is done,
                # but while others are being sent not more often than RECLAIM_PAUSE, or the
                # claims crowd out the sends.
                if not lanes.wait_for_progress(finished, timeout=0.1):
                    break
                if lanes.busy:
                    time.sleep(RECLAIM_PAUSE)
        finally:
            lanes.close()
        return done

    def claim(self, batch: int, skip_numbers: list[str] = ()) -> list[OutboxMessage]:
        now = utcnow()
        earlier = aliased(OutboxMessage)
        waits_for_earlier = exists().where(
            and_(
                earlier.case_pk == OutboxMessage.case_pk,
                earlier.recipient == OutboxMessage.recipient,
                earlier.status == "pending",
                earlier.id < OutboxMessage.id,
            )
        )
        claimable = and_(
            OutboxMessage.status == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        if skip_numbers:
            claimable = and_(
                claimable, or_(OutboxMessage.from_number.is_(None), OutboxMessage.from_number.not_in(skip_numbers))
            )
        with self.db.transaction() as session:
            rows = session.scalars(
                select(OutboxMessage)
                .where(claimable, ~waits_for_earlier)
                .order_by(OutboxMessage.priority, OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True, of=OutboxMessage)
            ).all()
            if not rows:
                return []
            # The condition repeats the claimability test: it is what makes this safe on SQLite.
            claimed = session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_([row.id for row in rows]), claimable)
                .values(locked_until=now + CLAIM_LEASE, attempts=OutboxMessage.attempts + 1)
                .returning(OutboxMessage.id)
            ).all()
            case_ref = select(Case.case_id).where(Case.id == OutboxMessage.case_pk).scalar_subquery()
            return list(
                session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(claimed))
                    .options(with_expression(OutboxMessage.case_ref, case_ref))
                    .order_by(OutboxMessage.priority, OutboxMessage.id)
                    .execution_options(populate_existing=True)
                )
            )

    def deliver(self, row: OutboxMessage) -> None:
        """Send one claimed row at its proxy number's turn, and record the outcome.

        A text's or call's sending slot is free again once Twilio has answered. A
        callback's is held until its outcome is recorded: a 410 from the case system has
        disabled the endpoint before the slot goes to the next callback, so no more than
        SEND_CONCURRENCY callbacks meet the 410. (Holding texts' slots as well cost a
        quarter of the throughput when Twilio is slow: bench/outbox_drain.py.)

        A text or call to a number the current settings refuse, or past the number's daily
        limit, is not sent (gateway/core/recipients.py)."""
        try:
            if row.channel != "callback":
                recipients.check_destination(row, self.config)
            if not self._wait_for_turn(row):
                return
        except recipients.Refused as refused:
            recipients.refuse(self.db, self.config, row, refused, self.outcomes)
            return
        held_until_recorded = row.channel == "callback"
        try:
            try:
                sid = self._send(row)
            finally:
                if not held_until_recorded:
                    self._sending.release()
        except TransportError as exc:
            self._failed(row, exc)
        except Exception as exc:
            # A bug must not turn one row into a poison pill that stalls every tick.
            log.exception("outbox %s: unexpected error while sending", row.id)
            self._failed(row, TransportError(f"unexpected {type(exc).__name__}", permanent=False))
        else:
            self._record_sent(row, sid)
        finally:
            if held_until_recorded:
                self._sending.release()

    def _send(self, row: OutboxMessage) -> str | None:
        """The one network call."""
        base = self.config.public_base_url
        if row.channel == "callback":
            self.callbacks.deliver(row.webhook_id, row.payload)
            return None
        if row.channel == "call":
            return self.transport.place_call(
                to=row.to_number,
                from_=row.from_number,
                url=f"{base}/twilio/ivr/call?o={row.id}",
                status_callback=f"{base}/twilio/call-status?o={row.id}",
            )
        return self.transport.send_text(
            to=row.to_number,
            from_=row.from_number,
            body=row.body,
            status_callback=f"{base}/twilio/status?o={row.id}",
        )

    def _record_sent(self, row: OutboxMessage, sid: str | None) -> None:
        """Twilio has it: record that, even if the database is away for a while, because an
        unrecorded send goes out again when its lease ends. Keep trying well inside the lease."""
        patience = _Patience()
        while True:
            try:
                self._sent(row, sid)
                return
            except (OperationalError, InterfaceError):
                if not patience.wait(f"outbox {row.id}: sent, but the database is away; recording it again"):
                    raise

    def _wait_for_turn(self, row: OutboxMessage) -> bool:
        """Wait for the row's turn at its number (SENDER_MPS) and for a sending slot
        (SEND_CONCURRENCY); False if the row is no longer ours, or is a callback held
        because the case system's endpoint is disabled (410). On True the caller holds
        the slot. The slot is taken before the turn, so a turn is never taken and then
        spent waiting: that would let texts from one number bunch up."""
        if row.channel != "callback":
            self.rate.know(row.from_number or "")
        patience = _Patience()
        while True:
            self._sending.acquire()
            try:
                # Looked at with the slot in hand: a 410 is recorded before its slot is free.
                held = row.channel == "callback" and self._endpoint_disabled()
                turn = None if held else self._take_turn(row)
            except (OperationalError, InterfaceError):
                # The database is away: wait for it here rather than leave the row to its
                # lease (a minute), as a lane would that simply gave up.
                self._sending.release()
                if not patience.wait(f"outbox {row.id}: the database is away; trying again"):
                    raise
                continue
            except BaseException:
                self._sending.release()
                raise
            if turn is True:
                return True
            self._sending.release()
            if held:
                self._postpone(row, utcnow() + DISABLED_RECHECK)
            if turn is None:
                return False
            sleep_until(turn)

    def _take_turn(self, row: OutboxMessage) -> bool | datetime | None:
        """Take the number's turn and renew the lease, in one transaction: True to send now,
        the moment of the number's next turn, or None if the row was withdrawn or taken over
        (then the turn goes unused: rare, and only a tenth of a second).

        A row can outlast its lease (a slow provider, a long queue at its number); by then
        another worker may have claimed it, which bumped `attempts`. Checking here keeps
        the double-send window to the one request in flight, well inside a fresh lease.
        A text to a number that opted out since it was queued is withdrawn here. A text or
        call past its number's daily limit raises recipients.Refused, which also gives the
        turn back (the transaction rolls back).
        """
        with self.db.transaction() as session:
            if self.db.is_postgres:
                # This commit comes before every send: skip waiting for its WAL flush. If the
                # database crashes right after, only a turn, a lease renewal and the send's stamp
                # for the daily limit are lost (recording the send stamps it again); the claim's
                # own lease still stands, and a withdrawal is checked again next time.
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            if row.channel != "callback":
                # The turn first: a lane woken for its turn takes it within a round trip or
                # two, so the number's texts stay close to 1/SENDER_MPS apart.
                cost = segments(row.body or "") if row.channel == "sms" else 1
                turn = self.rate.take_turn(session, row.from_number or "", cost)
                if turn is not None:
                    return turn
            if row.channel == "sms" and session.get(OptOut, row.to_number) is not None:
                withdrawn = session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row.id, OutboxMessage.status == "pending")
                    .values(status="cancelled", last_error="opted out", locked_until=None)
                )
                if withdrawn.rowcount:
                    counters.count_message(session, row.channel, row.recipient, "withdrawn")
                return None
            renewal = {"locked_until": utcnow() + CLAIM_LEASE}
            if row.channel != "callback":
                # Counted and stamped under one lock, so two workers cannot both send the last one.
                recipients.check_daily_limit(session, row, self.config, self.db.is_postgres)
                renewal["sent_at"] = utcnow()
            renewed = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status == "pending",
                    OutboxMessage.attempts == row.attempts,
                )
                .values(**renewal)
            )
            return True if renewed.rowcount == 1 else None

    def _postpone(self, row: OutboxMessage, until: datetime) -> None:
        """Give the claim back unsent, due at `until`; not counted as an attempt."""
        with self.db.transaction() as session:
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.attempts == row.attempts,
                )
                .values(due_at=until, locked_until=None, attempts=OutboxMessage.attempts - 1)
            )

    def _endpoint_disabled(self) -> bool:
        if not self.callbacks.url:
            return False
        with self.db.transaction() as session:
            return session.get(DisabledEndpoint, self.callbacks.url) is not None

    def _sent(self, row: OutboxMessage, sid: str | None) -> None:
        with self.db.transaction() as session:
            case, current = case_then_row(session, OutboxMessage, OutboxMessage.id == row.id)
            if current.status == "pending":  # not when Twilio's status callback recorded it first
                counters.count_message(session, row.channel, row.recipient, "sent")
                if row.channel == "callback":
                    counters.observe(
                        session,
                        "korte_lijn_callback_delivery_lag_seconds",
                        (utcnow() - current.created_at).total_seconds(),
                    )
            current.status, current.sent_at, current.locked_until = "sent", utcnow(), None
            current.provider_sid = sid
            what = self._describe_sent(row)
            if case is not None:
                Effects(session, self.config).record(
                    case, f"{row.channel}.sent", what, outbox_id=row.id, provider_sid=sid, attempt=row.attempts
                )
        log.info("outbox %s: %s (attempt %d)", row.id, what, row.attempts)

    def _disable_endpoint(self, row: OutboxMessage, exc: TransportError) -> None:
        """410 Gone: stop all callbacks to this URL until an operator enables it again
        (`flask --app app callbacks-enable`). Nothing is dropped: the rows wait."""
        url = self.callbacks.url
        try:
            with self.db.transaction() as session:
                session.add(DisabledEndpoint(url=url, reason=str(exc)))
            first = True
        except IntegrityError:
            first = False  # another lane or worker met the 410 at the same moment
        with self.db.transaction() as session:
            case = session.get(Case, row.case_pk) if row.case_pk else None
            if case is not None:
                Effects(session, self.config).record(
                    case, "callback.endpoint_disabled", "the case system answered 410 Gone: callbacks are on hold"
                )
        self._postpone(row, utcnow() + DISABLED_RECHECK)
        if first:
            log.critical(
                "CASE_CALLBACK_URL answered 410 Gone: ALL callbacks to it are on hold. Nothing is lost; "
                "fix the endpoint, then run `flask --app app callbacks-enable`."
            )
        else:
            log.warning("outbox %s: the case system answered 410 Gone too; held with the rest", row.id)

    def _describe_sent(self, row: OutboxMessage) -> str:
        if row.channel == "callback":
            return f"{row.purpose} callback " + (
                "delivered" if self.callbacks.url else "printed (no CASE_CALLBACK_URL)"
            )
        if row.channel == "call":
            what, how = "call", "placed"
        else:
            what, how = "text", "sent"
        if not self.config.sends_for_real:
            how = "printed (no Twilio account)"
        return f"{row.purpose} {what} {how} to {row.recipient} {mask(row.to_number)}"

    def _failed(self, row: OutboxMessage, exc: TransportError) -> None:
        if isinstance(exc, EndpointGone):
            self._disable_endpoint(row, exc)
            return
        delays = CALLBACK_RETRY_DELAYS if row.channel == "callback" else TEXT_RETRY_DELAYS
        give_up = exc.permanent or row.attempts > len(delays)
        with self.db.transaction() as session:
            case, current = case_then_row(session, OutboxMessage, OutboxMessage.id == row.id)
            current.locked_until, current.last_error, current.error_code = None, str(exc), exc.code
            if current.status == "pending":
                current.sent_at = None  # not sent after all: the daily limit stops counting it
            fx = Effects(session, self.config)
            if give_up:
                if current.status == "pending":
                    counters.count_message(session, row.channel, row.recipient, "failed")
                current.status = "failed"
                log.error(
                    "outbox %s (%s/%s) failed for good after %d attempt(s): %s",
                    row.id,
                    row.channel,
                    row.purpose,
                    row.attempts,
                    exc,
                )
                if case is not None:
                    fx.record(case, f"{row.channel}.failed", f"{row.purpose} failed: {exc}", outbox_id=row.id)
                    if row.channel != "callback":
                        self.outcomes.undeliverable(fx, case, row, exc.code, str(exc))
                return
            delay = delays[row.attempts - 1]
            if isinstance(exc, RetryLater) and exc.retry_after:
                delay = max(delay, exc.retry_after)
            current.due_at = utcnow() + timedelta(seconds=delay)
            counters.count(session, "korte_lijn_outbox_retries", kind=counters.KINDS[row.channel])
            log.warning(
                "outbox %s (%s/%s) attempt %d failed, retry in %ds: %s",
                row.id,
                row.channel,
                row.purpose,
                row.attempts,
                delay,
                exc,
            )
            if case is not None:
                fx.record(
                    case,
                    f"{row.channel}.retry",
                    f"{row.purpose} attempt {row.attempts} failed: {exc}",
                    outbox_id=row.id,
                    retry_in=delay,
                )


class _Patience:
    """Waiting out a database outage, well inside a claim's lease: pauses of 0.5 s, doubling
    up to 5 s, for RECORD_PATIENCE in all."""

    def __init__(self):
        self.deadline, self.pause = time.monotonic() + RECORD_PATIENCE, 0.5

    def wait(self, what: str) -> bool:
        """Log `what` and sleep the next pause; False, without sleeping, once patience is out."""
        if time.monotonic() + self.pause > self.deadline:
            return False
        log.warning("%s in %.1fs", what, self.pause)
        time.sleep(self.pause)
        self.pause = min(self.pause * 2, 5.0)
        return True
