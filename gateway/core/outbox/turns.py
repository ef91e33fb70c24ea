"""A claimed row's turn: its number's rate, the send-time checks, and the lease renewal.

All in one transaction just before the send. A row can outlast its lease (a slow provider,
a long queue at its number); by then another worker may have claimed it, which bumped
`attempts`. Checking here keeps the double-send window to the one request in flight, well
inside a fresh lease.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text, update

from gateway.core import counters, recipients
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.models import OptOut, OutboxMessage
from gateway.core.names import OutboxStatus
from gateway.core.outbox.channels import ChannelSender
from gateway.core.outbox.claim import CLAIM_LEASE
from gateway.core.rate import SenderRate


def take_turn(
    db: Database, config: Config, rate: SenderRate, row: OutboxMessage, channel: ChannelSender
) -> bool | datetime | None:
    """True to send now; the moment of the number's next turn; or None if the row was
    withdrawn or taken over (then the turn goes unused: rare, and only a tenth of a second).

    A text to a number that opted out since it was queued is withdrawn here. A text or call
    past its number's daily limit raises recipients.Refused, which also gives the turn back
    (the transaction rolls back)."""
    with db.transaction() as session:
        if db.is_postgres:
            # This commit comes before every send: skip waiting for its WAL flush. If the
            # database crashes right after, only a turn, a lease renewal and the send's stamp
            # for the daily limit are lost (recording the send stamps it again); the claim's
            # own lease still stands, and a withdrawal is checked again next time.
            session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        if channel.to_person:
            # The turn first: a lane woken for its turn takes it within a round trip or
            # two, so the number's texts stay close to 1/SENDER_MPS apart.
            turn = rate.take_turn(session, row.from_number or "", channel.cost(row))
            if turn is not None:
                return turn
        if channel.stops_on_opt_out and session.get(OptOut, row.to_number) is not None:
            withdrawn = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.PENDING)
                .values(status=OutboxStatus.CANCELLED, last_error="opted out", locked_until=None)
            )
            if withdrawn.rowcount:  # type: ignore[attr-defined]  # an UPDATE's CursorResult
                counters.count_message(session, row.channel, row.recipient, "withdrawn")
            return None
        renewal: dict[str, object] = {"locked_until": utcnow() + CLAIM_LEASE}
        if channel.to_person:
            # Counted and stamped under one lock, so two workers cannot both send the last one.
            recipients.check_daily_limit(session, row, config, db.is_postgres)
            renewal["sent_at"] = utcnow()
        renewed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.attempts == row.attempts,
            )
            .values(**renewal)
        )
        return True if renewed.rowcount == 1 else None  # type: ignore[attr-defined]


def postpone(db: Database, row: OutboxMessage, until: datetime) -> None:
    """Give the claim back unsent, due at `until`; not counted as an attempt."""
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.attempts == row.attempts)
            .values(due_at=until, locked_until=None, attempts=OutboxMessage.attempts - 1)
        )
