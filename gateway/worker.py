"""The worker process: APScheduler ticks, each tick fires due timers and drains the outbox.

All scheduled work lives in database rows; APScheduler only provides the heartbeat,
so several workers can run side by side and a restart loses nothing.
"""

from __future__ import annotations

import logging
import signal
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from flows.confirmation import TIMERS
from gateway.callbacks import CallbackSender
from gateway.config import Config
from gateway.db import Database
from gateway.outbox import OutboxWorker
from gateway.timers import fire_due
from gateway.transport import make_transport

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, db: Database, config: Config):
        self.db, self.config = db, config
        self.outbox = OutboxWorker(db, config, make_transport(config), CallbackSender(config))

    def tick(self) -> None:
        try:
            fire_due(self.db, self.config, TIMERS)
            self.outbox.drain()
        except Exception:
            # Most often the database restarting; the next tick tries again.
            log.exception("worker tick failed; retrying at the next tick")

    def run(self) -> None:
        """Block and tick until stopped (the Procfile's worker)."""
        scheduler = BlockingScheduler()
        self._schedule(scheduler)
        # Finish the tick in hand on SIGTERM; a claimed row's lease covers a hard kill.
        signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
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

    def _schedule(self, scheduler) -> None:
        # max_instances=1 and coalesce: a slow tick is never run twice at once or made up for.
        scheduler.add_job(
            self.tick, "interval", seconds=self.config.worker_poll_interval,
            max_instances=1, coalesce=True, next_run_time=datetime.now(),
            id="tick", misfire_grace_time=None,
        )
