"""Callbacks the worker gave up on, put back in the outbox (`flask --app app callbacks redeliver`).

The failed row itself goes back, so the case system gets the ORIGINAL webhook-id and can
drop a callback it did receive after all (Standard Webhooks' idempotency). Its attempts
start again from zero: it gets the whole retry schedule once more. Callbacks held after a
410 are not failed but pending; `callbacks-enable` releases those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from gateway.core.config import Config
from gateway.core.db import Database
from gateway.core.effects import Effects
from gateway.core.models import Case, OutboxMessage
from gateway.core.names import Channel, OutboxStatus


@dataclass(frozen=True)
class FailedCallback:
    id: int
    case_id: str | None
    type: str
    webhook_id: str
    attempts: int
    last_error: str | None
    created_at: datetime


def failed_callbacks(db: Database, case_id: str | None = None, since: datetime | None = None) -> list[FailedCallback]:
    """Callbacks given up on, oldest first; only those of `case_id`, or queued at or after `since`."""
    query = (
        select(OutboxMessage, Case.case_id)
        .outerjoin(Case, Case.id == OutboxMessage.case_pk)
        .where(
            # Write-backs to Signalen too: one refused for good (400) can be tried again once staff
            # have moved the signal back.
            OutboxMessage.channel.in_((Channel.CALLBACK, Channel.SIGNALEN)),
            OutboxMessage.status == OutboxStatus.FAILED,
        )
    )
    if case_id is not None:
        query = query.where(Case.case_id == case_id)
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    with db.transaction() as session:
        return [
            FailedCallback(
                row.id, case_id_, row.purpose, row.webhook_id or "", row.attempts, row.last_error, row.created_at
            )
            for row, case_id_ in session.execute(query.order_by(OutboxMessage.id))
        ]


def requeue(db: Database, config: Config, ids: list[int]) -> int:
    """Make these failed callbacks due now, as new; returns how many were still failed."""
    with db.transaction() as session:
        fx = Effects(session, config)
        # The condition on status keeps a second operator's run from requeueing one twice.
        requeued = session.scalars(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.FAILED)
            .values(status=OutboxStatus.PENDING, attempts=0, due_at=fx.now, locked_until=None)
            .returning(OutboxMessage.id)
        ).all()
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(requeued))):
            case = session.get(Case, row.case_pk) if row.case_pk else None
            if case is not None:
                fx.record(
                    case,
                    "callback.requeued",
                    f"{row.purpose} callback put back in the outbox by an operator",
                    outbox_id=row.id,
                    webhook_id=row.webhook_id,
                )
        return len(requeued)
