"""A case's last day of texts both ways, read once per transaction.

A resident's reply asks several questions of her case's recent texts: is this our own text
sent back (echo), did she send these words already (repeat), how many automatic texts did
she get today (flows/limits.py), is a question to her still unsent (to withdraw it). One
statement reads what answers all of them: the case's outbox rows of the last day and those
still pending, and its inbound texts of the last day. What the transaction itself queues
or withdraws is added here as it goes, so later questions in the same flow see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, bindparam, literal, or_, select, union_all
from sqlalchemy.orm import Session

from gateway.core.models import InboundMessage, OutboxMessage
from gateway.core.names import OutboxStatus

WINDOW = timedelta(days=1)


@dataclass
class Sent:
    """An outbox row of the case: already in the table (`row_id`), or queued by this transaction (`row`)."""

    purpose: str
    recipient: str
    channel: str
    status: str
    body: str | None
    created_at: datetime
    due_at: datetime
    row_id: int | None = None
    row: OutboxMessage | None = None

    @property
    def written_id(self) -> int | None:
        """Its id in the outbox table, None while a row of this transaction is not written yet."""
        return self.row.id if self.row is not None else self.row_id


@dataclass(frozen=True)
class Received:
    role: str
    body: str | None
    outcome: str
    received_at: datetime


@dataclass
class Conversation:
    since: datetime  # what was sent or received before this is not here (pending rows are)
    sent: list[Sent] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def covers(self, since: datetime) -> bool:
        return since >= self.since

    def queued(self, row: OutboxMessage, now: datetime) -> None:
        self.sent.append(Sent(row.purpose, row.recipient, row.channel, row.status, row.body, now, row.due_at, row=row))


def load(session: Session, case_pk: int, now: datetime) -> Conversation:
    found = Conversation(now - WINDOW)
    rows = session.execute(_BOTH_WAYS, {"case_pk": case_pk, "since": found.since})
    for way, row_id, kind, party, channel, status, body, at, due_at in rows:
        if way == "out":
            found.sent.append(Sent(kind, party, channel, status, body, at, due_at, row_id=row_id))
        else:
            found.received.append(Received(party, body, kind, at))
    return found


# Built once (building costs more than sending it); the case and the window's start are bound.
_BOTH_WAYS = union_all(
    select(
        literal("out", String).label("way"),
        OutboxMessage.id,
        OutboxMessage.purpose.label("kind"),
        OutboxMessage.recipient.label("party"),
        OutboxMessage.channel,
        OutboxMessage.status,
        OutboxMessage.body,
        OutboxMessage.created_at.label("at"),
        OutboxMessage.due_at,
    ).where(
        OutboxMessage.case_pk == bindparam("case_pk"),
        or_(OutboxMessage.created_at >= bindparam("since"), OutboxMessage.status == OutboxStatus.PENDING),
    ),
    select(
        literal("in", String),
        InboundMessage.id,
        InboundMessage.outcome,
        InboundMessage.role,
        literal("sms", String),
        literal("", String),
        InboundMessage.body,
        InboundMessage.received_at,
        InboundMessage.received_at,
    ).where(InboundMessage.case_pk == bindparam("case_pk"), InboundMessage.received_at >= bindparam("since")),
)
