"""The `signalen` process's place in Signalen's changes, and its lease on polling.

One process polls at a time: it holds the lease while it polls and renews it with each change
it takes in. Another process takes over when the lease has run out (its holder was killed), so
two `signalen` processes are safe and one of them is a standby.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.core.db import Database, utcnow
from gateway.core.models import SignalenCursor
from gateway.core.signalen.signals import Change


def cursor_name(api_url: str) -> str:
    return urlparse(api_url).netloc[:40]


class LeaseLost(Exception):
    """Another process holds the lease now: this one stops taking changes in."""


@dataclass
class Position:
    """Where reading resumes: changes at `updated_at` whose signal is in `seen` were taken in."""

    updated_at: datetime | None
    seen: list[int] = field(default_factory=list)

    def taken_in(self, change: Change) -> bool:
        if self.updated_at is None:
            return False
        return change.updated_at < self.updated_at or (
            change.updated_at == self.updated_at and change.signal_id in self.seen
        )

    def after(self, change: Change) -> Position:
        if self.updated_at is not None and change.updated_at == self.updated_at:
            return Position(self.updated_at, [*self.seen, change.signal_id])
        return Position(change.updated_at, [change.signal_id])


class Cursor:
    def __init__(self, db: Database, name: str, holder: str, lease: timedelta):
        self.db, self.name, self.holder, self.lease = db, name, holder, lease

    def take_lease(self) -> Position | None:
        """The position to read from, with the lease ours; None while another process holds it.
        A new cursor has no row yet: None for its position, and `start` sets one."""
        now = utcnow()
        try:
            with self.db.transaction() as session:
                row = session.get(SignalenCursor, self.name, with_for_update=True)
                if row is None:
                    row = SignalenCursor(name=self.name, updated_at=None, seen_ids=[])
                    session.add(row)
                elif row.holder not in (None, self.holder) and row.lease_until and row.lease_until > now:
                    return None
                row.holder, row.lease_until = self.holder, now + self.lease
                return Position(row.updated_at, list(row.seen_ids))
        except IntegrityError:
            return None  # another process made the row this instant: it polls first

    def locked(self, session: Session) -> Position:
        """In a transaction that takes a change in: the position, locked, with the lease checked."""
        row = session.get(SignalenCursor, self.name, with_for_update=True)
        if row is None or row.holder != self.holder:
            raise LeaseLost(f"the lease on {self.name} went to {row.holder if row else 'nobody'}")
        return Position(row.updated_at, list(row.seen_ids))

    def move(self, session: Session, position: Position) -> None:
        row = session.get(SignalenCursor, self.name)
        assert row is not None  # locked() read it in this transaction
        row.updated_at, row.seen_ids = position.updated_at, position.seen
        row.lease_until = utcnow() + self.lease

    def release(self) -> None:
        with self.db.transaction() as session:
            row = session.get(SignalenCursor, self.name, with_for_update=True)
            if row is not None and row.holder == self.holder:
                row.holder, row.lease_until = None, None
