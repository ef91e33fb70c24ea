"""What may reach a number at send time: the destination rule and the daily limit.

The outbox worker asks just before each text or call, against the settings it runs
with now: a row queued before a rule tightened (ALLOWED_REGIONS narrowed, a number
added to PROXY_NUMBERS) is not sent. Nor is a text or call to a number that already got
RECIPIENT_DAILY_LIMIT of them in the last 24 hours, whatever the cause: a loop with an
answering machine, a flood of reports naming one number, a bug of ours.

Past the limit a row is dropped, not held until the window allows: a number that got
twenty texts and calls in a day is being looped or abused, and holding would only send
the backlog tomorrow (the loop goes on) with notices stale by then. The case system
hears each drop (`message.undeliverable`), so a person can phone instead.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from gateway.core import counters
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.destinations import refusal
from gateway.core.effects import Effects
from gateway.core.hooks import DeliveryOutcomes
from gateway.core.locks import case_then_row
from gateway.core.models import OutboxMessage
from gateway.core.names import OutboxStatus
from gateway.core.phones import mask

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
# The first of PostgreSQL's two advisory-lock keys: a namespace of its own, so a number's
# lock never meets the pool's (gateway/core/pool.py uses the one-key form).
_RECIPIENT_LOCKS = 1_101


class Refused(Exception):
    """A text or call the gateway will not send; `outcome` labels korte_lijn_messages_total."""

    def __init__(self, outcome: str, reason: str):
        super().__init__(reason)
        self.outcome, self.reason = outcome, reason


def check_destination(row: OutboxMessage, config: Config) -> None:
    """Raise Refused if the row's number is not one the gateway texts or calls (gateway/core/destinations.py)."""
    refused = destination_refused(row.to_number or "", config)
    if refused:
        raise refused


def destination_refused(number: str, config: Config) -> Refused | None:
    reason = refusal(number, config.allowed_regions, config.proxy_numbers)
    return Refused("refused", f"destination refused: {mask(number)} {reason}") if reason else None


def check_daily_limit(session: Session, row: OutboxMessage, config: Config, is_postgres: bool) -> None:
    """Raise Refused if the row's number got RECIPIENT_DAILY_LIMIT texts and calls in the last 24 hours.

    Counts rows with `sent_at` in the window: sent ones, and ones in flight, which the
    caller stamps in this same transaction when it lets the row go. The count and the
    stamp are exact across workers: PostgreSQL holds a lock per number until commit (the
    count's own statement then sees every earlier stamp), and SQLite has one writer at a
    time (BEGIN IMMEDIATE, gateway/core/db.py). A send that then fails has its stamp removed
    (gateway/core/outbox/results.py `failed`); a row refused meanwhile because of it is the one way the
    bound errs, and it errs low. Masked calls count too (gateway/core/dials.py).
    """
    number = row.to_number or ""
    sent = count_today(session, number, is_postgres, excluding=row.id)
    if sent >= config.recipient_daily_limit:
        raise over_limit(number, sent)


def count_today(session: Session, number: str, is_postgres: bool, excluding: int | None = None) -> int:
    """Texts and calls to `number` in the last 24 hours, with the number's lock held until commit."""
    if is_postgres:
        session.execute(
            text(f"SELECT pg_advisory_xact_lock({_RECIPIENT_LOCKS}, hashtext(:number))"), {"number": number}
        )
    # Callbacks have no to_number, so this counts texts and calls (index ix_outbox_recipient_sent).
    sent = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.to_number == number,
            OutboxMessage.sent_at >= utcnow() - WINDOW,
            OutboxMessage.id != (excluding or 0),
        )
    )
    return sent or 0


def over_limit(number: str, sent: int) -> Refused:
    return Refused(
        "over_limit",
        f"daily limit: {mask(number)} already got {sent} texts and calls in 24 hours (RECIPIENT_DAILY_LIMIT)",
    )


def refuse(db: Database, config: Config, row: OutboxMessage, refused: Refused, outcomes: DeliveryOutcomes) -> None:
    """Mark the claimed row failed unsent, count it, note it on the timeline, and tell the case system."""
    with db.transaction() as session:
        case, current = case_then_row(session, OutboxMessage, OutboxMessage.id == row.id)
        if current is None or current.status != OutboxStatus.PENDING or current.attempts != row.attempts:
            return  # withdrawn, or taken over by another worker, meanwhile
        current.status, current.last_error, current.locked_until, current.sent_at = (
            OutboxStatus.FAILED,
            refused.reason,
            None,
            None,
        )
        counters.count_message(session, row.channel, row.recipient, refused.outcome)
        if refused.outcome == "over_limit":
            counters.count(session, "korte_lijn_recipient_limit_hits", recipient=row.recipient)
        if case is not None:
            fx = Effects(session, config)
            fx.record(
                case,
                f"{row.channel}.refused",
                f"{row.purpose} not sent to {row.recipient}: {refused.reason}",
                outbox_id=row.id,
                outcome=refused.outcome,
            )
            outcomes.refused(fx, case, row, refused.reason)
    if refused.outcome == "over_limit":
        log.critical(
            "RECIPIENT_DAILY_LIMIT reached: outbox %s (%s/%s to %s) dropped, %s. A loop or abuse? "
            "See the case's timeline.",
            row.id,
            row.channel,
            row.purpose,
            row.recipient,
            refused.reason,
        )
    else:
        log.error(
            "outbox %s (%s/%s to %s) not sent: %s", row.id, row.channel, row.purpose, row.recipient, refused.reason
        )
