"""When a text to a resident may go out: not during QUIET_HOURS in TIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_quiet(local: time, quiet: tuple[time, time]) -> bool:
    start, end = quiet
    if start < end:
        return start <= local < end
    return local >= start or local < end  # the window spans midnight


def next_allowed(at: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime:
    """`at` itself when outside quiet hours, else the moment they end (in UTC)."""
    if quiet is None:
        return at
    local = at.astimezone(tz)
    if not is_quiet(local.time(), quiet):
        return at
    end = quiet[1]
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    until = datetime.combine(day, end, tzinfo=tz)
    if until.astimezone(UTC) <= at:
        # The end fell in the hour that repeats when the clocks go back: take its second pass.
        until = until.replace(fold=1)
    return until.astimezone(UTC)
