"""What GET /metrics reports, read from the database at scrape time.

Every web and worker process writes to the same database, so whichever web process
Prometheus scrapes tells the truth for all of them (a worker has no port to scrape).
Two kinds of numbers, each bounded at 1,000,000 cases:

- Counters and histograms: the `metric_counters` table, added to in the transactions
  they count (gateway/core/counters.py). One row per label set; a scrape reads a few hundred.
- Current state: outbox depth and overdue timers, counted over the *pending* rows only,
  from ix_outbox_pending_by_channel and ix_timers_due. Sent rows and fired timers (the
  millions) are never read. A backlog makes this slower only as long as it lasts.

Rates (reopen rate, the share of residents who answer, time to answer) are left to
Prometheus, from counters that never reset: deploy/prometheus/rules.yml records them.

A database that does not answer is itself a number: the scrape still succeeds, with
korte_lijn_database_up 0 and nothing else, so the alert says "database away" and not
"the gateway is down" (deploy/prometheus/alerts.yml).
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from sqlalchemy import case, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from gateway.core import heartbeats
from gateway.core.counters import KINDS, METRICS, format_bound, parse_labels, zero_series
from gateway.core.db import Database, utcnow
from gateway.core.models import DisabledEndpoint, MetricCounter, OutboxMessage, Timer
from gateway.core.names import OutboxStatus, TimerStatus

log = logging.getLogger(__name__)

# A scrape must never hold the database: PostgreSQL stops a query that takes longer.
SCRAPE_TIMEOUT_MS = 5000


@dataclass(frozen=True)
class _Read:
    now: datetime
    stored: list[tuple[str, str, float]]
    outbox: list[tuple[str, int, int, datetime | None]]
    overdue: int
    oldest_timer: datetime | None
    on_hold: bool
    workers: heartbeats.Workers


class DatabaseCollector:
    def __init__(self, db: Database, crews: tuple[str, ...] = ()):
        self.db = db
        self.zeros = zero_series(crews)

    def describe(self) -> list[Metric]:
        return []  # nothing to read at registration: the database may not be up yet

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        try:
            read = self._read()
        except SQLAlchemyError as exc:
            log.warning(
                "metrics: the database did not answer (%s); reporting korte_lijn_database_up 0", type(exc).__name__
            )
            read = None
        yield GaugeMetricFamily(
            "korte_lijn_database_up",
            "1 when this scrape could read the database; 0 when it could not (then nothing else is reported).",
            value=0 if read is None else 1,
        )
        yield GaugeMetricFamily(
            "korte_lijn_scrape_database_seconds",
            "How long this scrape took to read the database.",
            value=time.perf_counter() - started,
        )
        if read is not None:
            yield from _stored_metrics(read.stored, self.zeros)
            yield from _state_metrics(read)

    def _read(self) -> _Read:
        with self.db.transaction() as session:
            if self.db.is_postgres:
                session.execute(text(f"SET LOCAL statement_timeout = {SCRAPE_TIMEOUT_MS}"))
            now = utcnow()
            stored = session.execute(select(MetricCounter.name, MetricCounter.labels, MetricCounter.value)).all()
            outbox = session.execute(
                select(
                    OutboxMessage.channel,
                    func.count(),
                    func.count(case((OutboxMessage.due_at <= now, 1))),
                    func.min(case((OutboxMessage.due_at <= now, OutboxMessage.due_at))),
                )
                .where(OutboxMessage.status == OutboxStatus.PENDING)
                .group_by(OutboxMessage.channel)
            ).all()
            overdue, oldest_timer = session.execute(
                select(func.count(), func.min(Timer.due_at)).where(
                    Timer.status == TimerStatus.PENDING, Timer.due_at <= now
                )
            ).one()
            on_hold = session.scalar(select(func.count()).select_from(DisabledEndpoint))
            workers = heartbeats.read(session, now)
        return _Read(
            now,
            [(name, labels, value) for name, labels, value in stored],
            [(channel, total, due, first) for channel, total, due, first in outbox],
            overdue,
            oldest_timer,
            bool(on_hold),
            workers,
        )


def _state_metrics(read: _Read) -> Iterator[Metric]:
    yield from _outbox_metrics(read.outbox, read.now)
    yield GaugeMetricFamily(
        "korte_lijn_timers_overdue", "Pending timers whose due time has passed.", value=read.overdue
    )
    yield GaugeMetricFamily(
        "korte_lijn_timers_oldest_overdue_seconds",
        "How long the most overdue pending timer has waited; 0 when none.",
        value=_age(read.oldest_timer, read.now),
    )
    yield GaugeMetricFamily(
        "korte_lijn_callbacks_on_hold",
        "1 while the case system's endpoint is disabled after a 410 Gone.",
        value=1 if read.on_hold else 0,
    )
    yield GaugeMetricFamily(
        "korte_lijn_workers",
        f"Worker processes that reported in the last {heartbeats.SILENT_AFTER.seconds} s.",
        value=read.workers.running,
    )
    # Labelled `task`, not `job`: Prometheus gives every scraped series its own `job` label.
    ages = GaugeMetricFamily(
        "korte_lijn_worker_task_age_seconds",
        "Seconds since any worker last finished this task (fire_timers, send_outbox); absent until a worker has.",
        labels=("task",),
    )
    for task, age in sorted(read.workers.task_ages.items()):
        ages.add_metric([task], age)
    yield ages


def _stored_metrics(rows: Iterable[tuple[str, str, float]], zeros: dict[str, list[str]]) -> Iterator[Metric]:
    values: dict[str, dict[str, float]] = defaultdict(dict)
    for name, labels, value in rows:
        values[name][labels] = value
    for name, label_sets in zeros.items():
        # A histogram's series are found by its _sum; its buckets read 0 where no row is stored.
        stored = values[name + "_sum" if METRICS[name].kind == "histogram" else name]
        for labels in label_sets:
            stored.setdefault(labels, 0.0)
    for name, spec in METRICS.items():
        if spec.kind == "counter":
            counter = CounterMetricFamily(name, spec.help, labels=spec.labels)
            for labels, value in sorted(values[name].items()):
                found = parse_labels(labels)
                counter.add_metric([found.get(key, "") for key in spec.labels], value)
            yield counter
        else:
            histogram = HistogramMetricFamily(name, spec.help, labels=spec.labels)
            buckets = values[name + "_bucket"]
            for labels, total in sorted(values[name + "_sum"].items()):
                base = [parse_labels(labels).get(key, "") for key in spec.labels]
                prefix = labels + "," if labels else ""
                cumulative, points = 0.0, list[tuple[str, float]]()
                for bound in [format_bound(b) for b in spec.buckets] + ["+Inf"]:
                    cumulative += buckets.get(f"{prefix}le={bound}", 0.0)
                    points.append((bound, cumulative))
                histogram.add_metric(base, points, sum_value=total)
            yield histogram


def _outbox_metrics(rows: Iterable[tuple[str, int, int, datetime | None]], now: datetime) -> Iterator[Metric]:
    pending = GaugeMetricFamily(
        "korte_lijn_outbox_pending",
        "Unsent outbox rows: due (waiting for a worker) or held (quiet hours, retry later).",
        labels=("kind", "state"),
    )
    oldest = GaugeMetricFamily(
        "korte_lijn_outbox_oldest_due_seconds",
        "How long the oldest due, unsent row has waited; 0 when none.",
        labels=("kind",),
    )
    found = {channel: (total, due, first) for channel, total, due, first in rows}
    for channel, kind in KINDS.items():
        total, due, first = found.get(channel, (0, 0, None))
        pending.add_metric([kind, "due"], due)
        pending.add_metric([kind, "held"], total - due)
        oldest.add_metric([kind], _age(first, now))
    yield pending
    yield oldest


def _age(moment: datetime | None, now: datetime) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0
