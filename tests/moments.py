"""Moments for events that must lie ahead: a dispatch's eta may not be in the past (gateway/core/schemas.py)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def next_year_at(month: int, day: int, hour: int, minute: int = 0) -> str:
    """This day and time next year in Amsterdam, as ISO 8601: ahead whatever today is, and read
    the same in every run (28-11 om 10:00), so a test can name it in the text it expects."""
    year = datetime.now(AMSTERDAM).year + 1
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).isoformat()
