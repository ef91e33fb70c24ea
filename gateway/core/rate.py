"""Per-sender rate limit: each proxy number sends at most SENDER_MPS message segments a second.

Twilio queues what a number sends beyond its limit (10 segments/s for most non-US
numbers) and drops it after a while; sending at the limit ourselves keeps replies quick
and nothing lost. The limit is kept in the database, one row per number, so any number
of workers share it. A send takes the number's turn only when it is due, at the moment
it goes out (`next_at` moves to now + its segments' share of a second); a sender whose
turn has not come is told how long to wait, and takes nothing. There is no burst
credit: a number idle for a minute still spaces its next texts 1/SENDER_MPS apart, so no
one-second window at Twilio ever holds more than SENDER_MPS segments. Turns are MARGIN
wider than that: a request a few milliseconds slower on its way than the next one would
otherwise land in the same second at Twilio as the ten after it.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.core.db import Database, utcnow
from gateway.core.models import SenderSlot

MARGIN = 1.03


class SenderRate:
    def __init__(self, db: Database, per_second: float):
        self.db, self.per_second = db, per_second
        self._known: set[str] = set()

    def take_turn(self, session: Session, number: str, segments: int) -> datetime | None:
        """None if `number` may send `segments` now (the turn is taken, in `session`'s
        transaction), else the moment its turn comes; then nothing is taken.
        Call `know(number)` first, outside that transaction."""
        slot = session.scalar(select(SenderSlot).where(SenderSlot.number == number).with_for_update())
        if slot is None:
            raise LookupError(f"no sending slot for {number}: call know() first")
        now = utcnow()
        if slot.next_at > now:
            return slot.next_at
        slot.next_at = now + timedelta(seconds=max(1, segments) / self.per_second * MARGIN)
        return None

    def wait_for_turn(self, number: str, segments: int, patience: float) -> bool:
        """Wait (at most `patience` seconds) for the number's turn and take it; False if it did not come."""
        self.know(number)
        deadline = utcnow() + timedelta(seconds=patience)
        while True:
            with self.db.transaction() as session:
                turn = self.take_turn(session, number, segments)
            if turn is None:
                return True
            if turn > deadline:
                return False
            sleep_until(turn)

    def know(self, number: str) -> None:
        """Make sure the number has its row (in a transaction of its own: SQLite has one writer)."""
        if number in self._known:
            return
        try:
            with self.db.transaction() as session:
                if session.get(SenderSlot, number) is None:
                    session.add(SenderSlot(number=number, next_at=utcnow()))
        except IntegrityError:
            pass  # another worker added it first
        self._known.add(number)


def sleep_until(moment: datetime) -> None:
    """Sleep until `moment` by the wall clock (the clock turns are kept in)."""
    time.sleep(max(0.0, (moment - utcnow()).total_seconds()))
