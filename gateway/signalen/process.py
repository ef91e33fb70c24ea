"""The Procfile's `signalen` process: poll every SIGNALEN_POLL_INTERVAL until stopped.

Without SIGNALEN_API_URL it has nothing to do: it says so and waits, because a Procfile runner
(honcho, foreman) stops every process when one exits. Scale it to 0 where Signalen is not used.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from datetime import timedelta

from sqlalchemy.exc import InterfaceError, OperationalError

from gateway.core import counters
from gateway.core.config import Config
from gateway.core.db import Database
from gateway.core.signalen.client import SignalenClient, SignalenError
from gateway.core.signalen.cursor import Cursor, LeaseLost, cursor_name
from gateway.core.signalen.signals import MalformedSignal
from gateway.signalen.poller import Outcome, Poller

log = logging.getLogger(__name__)

# A killed process's lease runs out after this many poll intervals (at least MIN_LEASE).
LEASE_INTERVALS = 3
MIN_LEASE = timedelta(seconds=15)


def run(db: Database, config: Config, stop: threading.Event) -> None:
    settings = config.signalen
    if settings is None:
        log.info("signalen: SIGNALEN_API_URL is not set, so this process has nothing to do (scale it to 0)")
        stop.wait()
        return
    holder = f"{socket.gethostname()}:{os.getpid()}"[:100]
    lease = max(MIN_LEASE, timedelta(seconds=LEASE_INTERVALS * settings.poll_interval))
    cursor = Cursor(db, cursor_name(settings.api_url), holder, lease)
    poller = Poller(db, config, SignalenClient(settings), cursor)
    log.info("signalen: polling %s every %d s as %s", settings.api_url, settings.poll_interval, holder)
    failing: str | None = None
    while not stop.is_set():
        outcome: Outcome | None
        try:
            outcome = poller.poll()
        except (SignalenError, MalformedSignal) as exc:
            outcome = Outcome.FAILED
            if failing is None:
                log.warning("signalen: poll failed, trying again every %d s: %s", settings.poll_interval, exc)
            failing = str(exc)
        except LeaseLost as lost:
            outcome = Outcome.STANDBY
            log.info("signalen: %s", lost)
        except (OperationalError, InterfaceError) as exc:
            outcome = None
            log.warning("signalen: the database is away (%s); trying again", type(exc).__name__)
        if outcome is not None and outcome != Outcome.FAILED and failing is not None:
            log.info("signalen: polling works again (it failed with: %s)", failing)
            failing = None
        if outcome is not None:
            _count(db, outcome)
        stop.wait(settings.poll_interval)
    with contextlib.suppress(OperationalError, InterfaceError):  # the lease runs out by itself
        cursor.release()
    log.info("signalen: stopped")


def _count(db: Database, outcome: Outcome) -> None:
    try:
        with db.transaction() as session:
            counters.count(session, "korte_lijn_signalen_polls", outcome=outcome)
    except (OperationalError, InterfaceError):
        pass
