"""Sending slots: at most SEND_CONCURRENCY rows of one process at the provider at once.

A slot is taken in a `with` block and is always free again when the block ends; a row may
give it back earlier (a text once Twilio has answered), never twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

# How long a worker keeps trying to record a send while the database is away (the lease is 60 s).
RECORD_PATIENCE = 45.0


class Slot:
    def __init__(self, semaphore: threading.BoundedSemaphore):
        self._semaphore, self._held = semaphore, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._semaphore.release()


class SendingSlots:
    def __init__(self, size: int):
        self._semaphore = threading.BoundedSemaphore(size)

    @contextmanager
    def one(self) -> Iterator[Slot]:
        self._semaphore.acquire()
        slot = Slot(self._semaphore)
        try:
            yield slot
        finally:
            slot.release()


class Patience:
    """Waiting out a database outage, well inside a claim's lease: pauses of 0.5 s, doubling
    up to 5 s, for RECORD_PATIENCE in all."""

    def __init__(self) -> None:
        self.deadline, self.pause = time.monotonic() + RECORD_PATIENCE, 0.5

    def wait(self, what: str) -> bool:
        """Log `what` and sleep the next pause; False, without sleeping, once patience is out."""
        if time.monotonic() + self.pause > self.deadline:
            return False
        log.warning("%s in %.1fs", what, self.pause)
        time.sleep(self.pause)
        self.pause = min(self.pause * 2, 5.0)
        return True
