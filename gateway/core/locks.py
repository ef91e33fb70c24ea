"""The gateway's one lock order: a case first, then the rows that belong to it.

The flows lock a case (SELECT ... FOR UPDATE) and then change its outbox rows and timers.
Whoever starts from such a row instead (the worker recording a send, Twilio's status
callbacks, a timer firing) must not lock the row first and the case second: two
transactions would each hold what the other waits for, and PostgreSQL ends one of them
with a deadlock error. A resident's reply caught in that would get a 503, and Twilio does
not send an inbound text again. So: read which case the row belongs to, lock the case,
then lock the row, and look at the row's state only after that.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from gateway.core.models import Case


class _OfACase(Protocol):
    id: Any
    case_pk: Any


Row = TypeVar("Row", bound=_OfACase)


def case_then_row(session: Session, model: type[Row], *where: ColumnElement[bool]) -> tuple[Case | None, Row | None]:
    """The row that `where` finds, and its case (None for a row without one), both locked,
    the case first; (None, None) when there is no such row."""
    found = session.execute(select(model.id, model.case_pk).where(*where)).first()
    if found is None:
        return None, None
    case = session.get(Case, found.case_pk, with_for_update=True) if found.case_pk is not None else None
    return case, session.get(model, found.id, with_for_update=True)
