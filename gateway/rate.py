"""Per-sender rate limit: each proxy number sends at most SENDER_MPS message segments a second.

Twilio queues what a number sends beyond its limit (10 segments/s for most non-US
numbers) and drops it after a while; sending at the limit ourselves keeps replies quick
and nothing lost. The limit is kept in the database, one row per number, so any number
of workers share it: a send reserves the number's next free moment (a virtual schedule,
as in GCRA), and a reservation more than HORIZON ahead is not taken now but later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gateway.db import Database, utcnow
from gateway.models import SenderSlot

# Reserve at most this far ahead; a worker waits for its slot rather than hold a row longer.
HORIZON = timedelta(seconds=2)


class SenderRate:
    def __init__(self, db: Database, per_second: float):
        self.db, self.per_second = db, per_second
        self._known: set[str] = set()

    def reserve(self, number: str, segments: int) -> float | datetime:
        """Seconds to wait before sending `segments` from `number` (a slot is now reserved),
        or, when its turn is beyond HORIZON, the moment to try again (nothing reserved)."""
        cost = timedelta(seconds=max(1, segments) / self.per_second)
        self._ensure_row(number)
        with self.db.transaction() as session:
            slot = session.scalar(select(SenderSlot).where(SenderSlot.number == number).with_for_update())
            now = utcnow()
            start = max(slot.next_at, now)
            if start - now > HORIZON:
                return start - HORIZON / 2
            slot.next_at = start + cost
            return (start - now).total_seconds()

    def _ensure_row(self, number: str) -> None:
        if number in self._known:
            return
        try:
            with self.db.transaction() as session:
                if session.get(SenderSlot, number) is None:
                    session.add(SenderSlot(number=number, next_at=utcnow()))
        except IntegrityError:
            pass  # another worker added it first
        self._known.add(number)
