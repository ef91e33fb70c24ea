"""Worker heartbeats: each worker's row says when its timer and outbox tasks last finished.

A worker has no port to scrape, and a worker that is gone sends nothing and fires no timer,
which no other number shows until residents wait. So each worker writes one row every
HEARTBEAT_INTERVAL, and /metrics (gateway/core/metrics.py) reads them all: how many workers
wrote lately, and how long ago any of them last finished each task. A hung task shows too:
the heartbeat runs in its own thread and goes on reporting the task's last finished run.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.core.db import utcnow
from gateway.core.models import WorkerHeartbeat

HEARTBEAT_INTERVAL = 15.0
# A worker that has not written for four heartbeats is not counted as running.
SILENT_AFTER = timedelta(seconds=4 * HEARTBEAT_INTERVAL)
# Rows of processes gone for a day are removed: a deploy leaves one row per old process.
FORGET_AFTER = timedelta(days=1)


@dataclass
class Heartbeat:
    """One worker process's own record of its tasks (fire_timers, send_outbox), written by `beat`."""

    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}"[-100:])
    started_at: datetime = field(default_factory=utcnow)
    finished: dict[str, datetime] = field(default_factory=dict)

    def done(self, task: str) -> None:
        self.finished[task] = utcnow()

    def beat(self, session: Session) -> None:
        now = utcnow()
        row = session.get(WorkerHeartbeat, self.name) or WorkerHeartbeat(worker=self.name, started_at=self.started_at)
        row.seen_at = now
        row.timers_at = self.finished.get("fire_timers")
        row.outbox_at = self.finished.get("send_outbox")
        session.add(row)
        session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < now - FORGET_AFTER))


@dataclass(frozen=True)
class Workers:
    running: int
    # Seconds since any worker last finished each task; a task no worker has finished is absent.
    task_ages: dict[str, float]


def read(session: Session, now: datetime) -> Workers:
    running, timers_at, outbox_at = session.execute(
        select(
            func.count().filter(WorkerHeartbeat.seen_at >= now - SILENT_AFTER),
            func.max(WorkerHeartbeat.timers_at),
            func.max(WorkerHeartbeat.outbox_at),
        )
    ).one()
    last = {"fire_timers": timers_at, "send_outbox": outbox_at}
    return Workers(running, {task: max(0.0, (now - at).total_seconds()) for task, at in last.items() if at is not None})
