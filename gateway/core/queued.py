"""The outbox rows a transaction queues, written together: one INSERT, however many.

A flow queues a text, a call or a callback (gateway/core/effects.py) as an OutboxMessage that
is not added to the session: the ORM's flush would cost more than the insert. The rows are
written at commit, in one statement that hands back their ids (for the timeline entries that
name them), or earlier, the moment this transaction reads the outbox itself (`write_now`,
called by gateway/core/lookups.py before each of its outbox reads), so that it reads them too.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from gateway.core.db import at_commit, gathered
from gateway.core.models import OutboxMessage

_QUEUED = "korte_lijn_queued"
# Every column a new row may set; the rest keep their defaults (none: a new row has no send yet).
_COLUMNS = (
    "case_pk",
    "channel",
    "purpose",
    "recipient",
    "to_number",
    "from_number",
    "body",
    "payload",
    "webhook_id",
    "status",
    "priority",
    "due_at",
    "attempts",
    "locked_until",
    "last_error",
    "created_at",
    "replaces_id",
)
# RETURNING in parameter order: SQLAlchemy sends the rows as one INSERT ... VALUES (...), (...)
# and says which id went to which row.
_INSERT = insert(OutboxMessage).returning(OutboxMessage.id, sort_by_parameter_order=True)


def queue(session: Session, row: OutboxMessage) -> None:
    at_commit(session, _QUEUED, list, _write).append(row)


def write_now(session: Session) -> None:
    """Write what this transaction queued so far: it is about to read the outbox."""
    rows = gathered(session, _QUEUED)
    if isinstance(rows, list):
        _write(session, rows)


def _write(session: Session, rows: list[OutboxMessage]) -> None:
    new = [row for row in rows if row.id is None]
    if not new:
        return
    ids = session.connection().execute(_INSERT, [{column: getattr(row, column) for column in _COLUMNS} for row in new])
    for row, (row_id,) in zip(new, ids, strict=True):
        row.id = row_id
