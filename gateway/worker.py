"""The worker process: APScheduler ticks, each tick fires due timers and drains the outbox.

All scheduled work lives in database rows; APScheduler only provides the heartbeat,
so several workers can run side by side and a restart loses nothing.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from gateway.core import heartbeats, logs, retention
from gateway.core.callbacks import CallbackSender
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.hooks import FlowHooks
from gateway.core.outbox.sender import OutboxWorker
from gateway.core.timers import fire_due
from gateway.core.twilio_transport import make_transport

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, db: Database, config: Config, hooks: FlowHooks):
        self.db, self.config, self.hooks = db, config, hooks
        transport, callbacks = make_transport(config), CallbackSender(config)
        if config.simulator:
            # Only the edge differs: the page sees what would have been sent (gateway/simulator/).
            from gateway.simulator.sink import recording

            transport, callbacks = recording(db, config, transport)
        self.outbox = OutboxWorker(db, config, transport, callbacks, hooks.outcomes)
        self.heartbeat = heartbeats.Heartbeat()

    def tick(self) -> None:
        """Fire due timers, then send what is due: one step, as the tests drive it."""
        self.fire_timers()
        self.send_outbox()

    def fire_timers(self) -> None:
        # Each timer names its case in the log while it fires; none lingers after the tick.
        with logs.case_scope():
            if fire_due(self.db, self.config, self.hooks.timers):
                # Send what the timers queued now, rather than one poll later.
                self.outbox.drain()
        self.heartbeat.done("fire_timers")

    def send_outbox(self) -> None:
        with logs.case_scope():
            self.outbox.drain()
        self.heartbeat.done("send_outbox")

    def beat(self) -> None:
        """Tell /metrics this worker runs, and when its jobs last finished (gateway/core/heartbeats.py)."""
        with self.db.transaction() as session:
            self.heartbeat.beat(session)

    def purge(self) -> int:
        """Nightly: remove personal data RETENTION_DAYS after a case ended."""
        removed = retention.purge(self.db, self.config.retention_days, utcnow())
        log.info("retention: personal data of %d case(s) removed", removed)
        return removed

    def run(self) -> None:
        """Block and tick until stopped (the Procfile's worker)."""
        scheduler = BlockingScheduler()
        self._schedule(scheduler)
        # Finish the tick in hand on SIGTERM; a claimed row's lease covers a hard kill.
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=True))
        log.info("worker started, ticking every %.2fs", self.config.worker_poll_interval)
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            log.info("worker stopped")

    def start_in_background(self) -> BackgroundScheduler:
        """Tick in a thread of this process (the embedded default only, never in gunicorn)."""
        scheduler = BackgroundScheduler()
        self._schedule(scheduler)
        scheduler.start()
        return scheduler

    def _schedule(self, scheduler: BaseScheduler) -> None:
        # Two jobs, so a long outbox drain never makes a timer late; the heartbeat a third, so a
        # drain that hangs shows as a task not finishing, not as a worker gone. max_instances=1
        # and coalesce: a slow run is never doubled up or made up for.
        poll = self.config.worker_poll_interval
        for job, every in (
            (self.fire_timers, poll),
            (self.send_outbox, poll),
            (self.beat, heartbeats.HEARTBEAT_INTERVAL),
        ):
            scheduler.add_job(
                _logged(job),
                "interval",
                seconds=every,
                id=job.__name__,
                max_instances=1,
                coalesce=True,
                next_run_time=datetime.now(),
                misfire_grace_time=None,
            )
        # Every worker runs it; the purge locks its rows (SKIP LOCKED), so two never clash.
        scheduler.add_job(
            _logged(self.purge),
            "cron",
            hour=3,
            minute=30,
            timezone=self.config.timezone,
            id="purge",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
        )


def _logged(job: Callable[[], object]) -> Callable[[], None]:
    def run_job() -> None:
        try:
            job()
        except Exception:
            # Most often the database restarting; the next tick tries again.
            log.exception("%s failed; retrying at the next tick", job.__name__)

    return run_job
