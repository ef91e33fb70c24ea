"""What GET /metrics reports, read from the database at scrape time.

Every web and worker process writes to the same database, so whichever web process
Prometheus scrapes tells the truth for all of them (a worker has no port to scrape).
Two kinds of numbers, each bounded at 1,000,000 cases:

- Counters and histograms: the `metric_counters` table, added to in the transactions
  they count (gateway/core/counters.py). One row per label set; a scrape reads a few hundred.
- Current state: outbox depth and overdue timers, counted over the *pending* rows only,
  from ix_outbox_pending_by_channel and ix_timers_due. Sent rows and fired timers (the
  millions) are never read. A backlog makes this slower only as long as it lasts.

Reopen rate is left to Prometheus, from counters that never reset:
  increase(korte_lijn_case_transitions_total{to="reopened"}[7d])
    / increase(korte_lijn_case_transitions_total{to="completed"}[7d])
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from sqlalchemy import case, func, select, text

from gateway.core.counters import KINDS, METRICS, format_bound, parse_labels
from gateway.core.db import Database, utcnow
from gateway.core.models import DisabledEndpoint, MetricCounter, OutboxMessage, Timer
from gateway.core.names import OutboxStatus, TimerStatus

# A scrape must never hold the database: PostgreSQL stops a query that takes longer.
SCRAPE_TIMEOUT_MS = 5000


class DatabaseCollector:
    def __init__(self, db: Database):
        self.db = db

    def describe(self) -> list[Metric]:
        return []  # nothing to read at registration: the database may not be up yet

    def collect(self) -> Iterator[Metric]:
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
        yield from _stored_metrics(stored)
        yield from _outbox_metrics(outbox, now)
        yield GaugeMetricFamily("korte_lijn_timers_overdue", "Pending timers whose due time has passed.", value=overdue)
        yield GaugeMetricFamily(
            "korte_lijn_timers_oldest_overdue_seconds",
            "How long the most overdue pending timer has waited; 0 when none.",
            value=_age(oldest_timer, now),
        )
        yield GaugeMetricFamily(
            "korte_lijn_callbacks_on_hold",
            "1 while the case system's endpoint is disabled after a 410 Gone.",
            value=1 if on_hold else 0,
        )


def _stored_metrics(rows: Iterable[tuple[str, str, float]]) -> Iterator[Metric]:
    values: dict[str, dict[str, float]] = defaultdict(dict)
    for name, labels, value in rows:
        values[name][labels] = value
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
