"""Claiming due rows: a short transaction that leases them to this worker.

FOR UPDATE SKIP LOCKED on PostgreSQL, and a conditional UPDATE everywhere, so two workers
never take the same row. Rows for one case and recipient go out in order: a row waits while
an earlier one to the same recipient is still pending. Answers go before bulk (`priority`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased, with_expression

from gateway.core.db import Database, utcnow
from gateway.core.models import Case, OutboxMessage
from gateway.core.names import OutboxStatus

# A claimed row is ours this long; sending renews it (turns.py). A worker killed meanwhile
# leaves its rows to the next claim once the lease is over.
CLAIM_LEASE = timedelta(seconds=60)
BATCH = 20


def claim(db: Database, batch: int, skip_numbers: Sequence[str] = ()) -> list[OutboxMessage]:
    """Lease up to `batch` due rows, answers first; none from the numbers in `skip_numbers`."""
    now = utcnow()
    earlier = aliased(OutboxMessage)
    waits_for_earlier = exists().where(
        and_(
            earlier.case_pk == OutboxMessage.case_pk,
            earlier.recipient == OutboxMessage.recipient,
            earlier.status == OutboxStatus.PENDING,
            earlier.id < OutboxMessage.id,
        )
    )
    claimable = and_(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.due_at <= now,
        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
    )
    if skip_numbers:
        claimable = and_(
            claimable, or_(OutboxMessage.from_number.is_(None), OutboxMessage.from_number.not_in(skip_numbers))
        )
    with db.transaction() as session:
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
