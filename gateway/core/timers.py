"""Durable timers: rows fired by whichever worker gets them first."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from gateway.core import counters, logs
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.effects import Effects
from gateway.core.models import Case, Timer
from gateway.core.names import TimerStatus

log = logging.getLogger(__name__)

Handler = Callable[[Effects, Case], None]


def fire_due(db: Database, config: Config, handlers: Mapping[str, Handler], limit: int = 200) -> int:
    """Fire due timers, each in its own transaction with its case locked."""
    fired = 0
    while fired < limit:
        timer_id = None
        try:
            with db.transaction() as session:
                now = utcnow()
                # The case is locked first (gateway/core/locks.py); a case that a request or another
                # worker holds is passed over for now, and the next due timer fires meanwhile.
                due = session.execute(
                    select(Timer.id, Case)
                    .join(Case, Case.id == Timer.case_pk)
                    .where(Timer.status == TimerStatus.PENDING, Timer.due_at <= now)
                    .order_by(Timer.due_at, Timer.id)
                    .limit(1)
                    .with_for_update(skip_locked=True, of=Case)
                ).first()
                if due is None:
                    return fired
                timer_id = due.id
                timer = session.get(Timer, timer_id, with_for_update=True)
                if timer is None or timer.status != TimerStatus.PENDING:
                    continue  # fired by another worker between that read and the case's lock
                _fire(session, config, handlers, timer, due.Case, now)
        except (OperationalError, InterfaceError):
            raise  # the database is away: not the timer's fault, the next tick retries
        except Exception:
            if timer_id is None:
                raise
            # A timer that cannot fire must not block the ones behind it: park it, loudly.
            log.exception("timer %s failed and is parked as failed", timer_id)
            with db.transaction() as session:
                failed = session.get(Timer, timer_id)
                if failed is not None:
                    failed.status = TimerStatus.FAILED
        fired += 1
    return fired


def _fire(
    session: Session, config: Config, handlers: Mapping[str, Handler], timer: Timer, case: Case, now: datetime
) -> None:
    """Fire `timer`; its case is locked already."""
    logs.note_case(case.case_id)
    timer.status, timer.fired_at = TimerStatus.FIRED, now
    late = (now - timer.due_at).total_seconds()
    counters.observe(session, "korte_lijn_timer_lateness_seconds", late)
    if timer.round != case.round:
        timer.status = TimerStatus.STALE  # set in an earlier round; a new dispatch replaced it
        return
    fx = Effects(session, config, now)
    log.info("timer %s (%s) fired %.2fs after due", timer.id, timer.kind, late)
    fx.record(
        case,
        "timer.fired",
        f"{timer.kind} fired {late:.2f}s after due",
        timer=timer.kind,
        lateness_seconds=round(late, 3),
    )
    handlers[timer.kind](fx, case)
