"""Sending a drain's rows side by side: one lane per proxy number, lanes in parallel threads.

Each proxy number may send only SENDER_MPS segments a second, and Twilio takes a while
to answer each request, so one thread sending row after row cannot keep a pool of
numbers busy. A lane holds the claimed rows of one number (or one case's callbacks) and
sends them in turn order (priority, then id): answers go ahead of bulk notices, even
ones claimed earlier, and a case's texts stay in order. Different lanes do not wait for
each other. The claim loop in gateway/core/outbox/sender.py keeps the lanes topped up and leaves
out numbers whose lane is full.
"""

from __future__ import annotations

import heapq
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from gateway.core.models import OutboxMessage
from gateway.core.names import Channel

log = logging.getLogger(__name__)


def lane_of(row: OutboxMessage) -> str:
    # Callbacks and write-backs have no number to share; per case keeps each case's in order.
    if row.channel in (Channel.CALLBACK, Channel.SIGNALEN):
        return f"{row.channel}:{row.case_pk}"
    return f"number:{row.from_number}"


class Lanes:
    def __init__(self, threads: int, send: Callable[[OutboxMessage], None]):
        self.send = send
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox")
        # Per lane, the rows not yet sent, as a heap in turn order (priority, id): an answer
        # claimed after a run of bulk notices still goes next. Two rows of one case and
        # recipient are never in hand together (the claim waits for the earlier one).
        self._queues: dict[str, list[tuple[int, int, OutboxMessage]]] = {}
        self._held: dict[str, int] = {}  # rows in hand per lane, queued or being sent
        self._changed = threading.Condition()
        self._in_flight = 0
        self.finished = 0  # rows done, sent or not: the drain's sign of progress

    def add(self, rows: list[OutboxMessage]) -> None:
        with self._changed:
            for row in rows:
                key = lane_of(row)
                queue = self._queues.get(key)
                if queue is None:
                    queue = self._queues[key] = []
                    self._pool.submit(self._run, key, queue)
                heapq.heappush(queue, (row.priority, row.id, row))
                self._held[key] = self._held.get(key, 0) + 1
                self._in_flight += 1

    def full_numbers(self, depth: int) -> list[str]:
        """Numbers whose lane already holds `depth` rows: claiming more for them only ties them up."""
        with self._changed:
            return [
                key.removeprefix("number:")
                for key, held in self._held.items()
                if key.startswith("number:") and held >= depth
            ]

    def wait_for_progress(self, finished: int, timeout: float) -> bool:
        """Wait until more than `finished` rows are done (or `timeout`); False when
        none were done since and nothing is in flight, so nothing new can come."""
        with self._changed:
            if self.finished == finished and self._in_flight:
                self._changed.wait(timeout)
            return self.finished != finished or self._in_flight > 0

    @property
    def busy(self) -> bool:
        """Some row is still queued or being sent."""
        with self._changed:
            return self._in_flight > 0

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _run(self, key: str, queue: list[tuple[int, int, OutboxMessage]]) -> None:
        while True:
            with self._changed:
                if not queue:
                    del self._queues[key]
                    del self._held[key]
                    return
                _, _, row = heapq.heappop(queue)
            try:
                self.send(row)
            except Exception:
                # Most often the database going away: the row's lease runs out and it is
                # claimed again, so nothing is lost by moving on.
                log.exception("outbox %s: sending failed; it is retried when its lease ends", row.id)
            with self._changed:
                self._held[key] -= 1
                self._in_flight -= 1
                self.finished += 1
                self._changed.notify_all()
