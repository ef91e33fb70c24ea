"""When a failed row is tried again, and when it is given up."""

from __future__ import annotations

from gateway.core.callbacks import RetryLater
from gateway.core.models import OutboxMessage
from gateway.core.transport import TransportError

# Standard Webhooks' schedule after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
CALLBACK_RETRY_DELAYS = (5, 300, 1800, 7200, 18000, 36000, 36000)
TEXT_RETRY_DELAYS = (5, 30, 120, 600, 1800)


def retry_delay(row: OutboxMessage, exc: TransportError, delays: tuple[int, ...]) -> int | None:
    """Seconds until the next attempt, or None to give up (a permanent error, or out of tries).

    `delays` is the row's channel's schedule (outbox/channels.py)."""
    if exc.permanent or row.attempts > len(delays):
        return None
    delay = delays[row.attempts - 1]
    if isinstance(exc, RetryLater) and exc.retry_after:
        delay = max(delay, exc.retry_after)
    return delay
