"""Prometheus counters kept in the database, added to in the transaction they count.

Why in the database and not in process memory: production runs several gunicorn web
processes and several workers, on different machines, and a worker has no port to be
scraped. A counter in memory would tell one process's story and reset at every deploy.
A row in `metric_counters`, written in the same transaction as the text it counts,
is true for all of them together, survives restarts, and rolls back with the change.

Why not count the outbox or timeline at scrape time: at 1,000,000 cases those tables
hold millions of rows, and a count over them every 15 s is a full scan. The counter
table has one row per metric and label set (a few hundred at most), so a scrape reads
it whole. What is naturally a current state (outbox depth, overdue timers) is counted
at scrape time over the pending rows only, from an index (gateway/core/metrics.py).

Increments are gathered on the session and written just before commit (gateway/core/db.py
at_commit), in one statement and in a fixed order: two transactions never wait for each
other's counters in opposite order (no deadlock), and a counter row is locked only for the
instant before commit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from gateway.core.db import at_commit
from gateway.core.models import MetricCounter

_PENDING = "korte_lijn_counters"
# Label values come from closed sets in code (channel, verdict, status); this refuses
# anything else, so a phone number or case id can never become a label by mistake.
_LABEL_VALUE = re.compile(r"[a-z][a-z0-9_.]{0,39}")


@dataclass(frozen=True)
class Spec:
    kind: str  # counter or histogram
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


LAG_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 7200, 36000, 86400)
LATENESS_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800)

METRICS = {
    "korte_lijn_messages": Spec(
        "counter",
        "Texts, calls and callbacks by outcome: sent (handed to Twilio or the case system), "
        "printed (shown in the log instead: no Twilio account, or no CASE_CALLBACK_URL), "
        "failed (given up, or Twilio reported failed), withdrawn (cancelled unsent), suppressed (opted out, "
        "never queued), refused (a number the gateway does not text or call), over_limit (the number had "
        "RECIPIENT_DAILY_LIMIT texts and calls in 24 hours), and Twilio's final report "
        "(delivered, undelivered; completed, busy, no_answer, canceled).",
        ("kind", "recipient", "outcome"),
    ),
    "korte_lijn_recipient_limit_hits": Spec(
        "counter",
        "Texts and calls dropped because their number had RECIPIENT_DAILY_LIMIT in 24 hours: a loop or abuse.",
        ("recipient",),
    ),
    "korte_lijn_outbox_retries": Spec("counter", "Failed send attempts that will be tried again.", ("kind",)),
    "korte_lijn_replies": Spec(
        "counter",
        "Residents' answers to 'is it fixed?' and keywords, by how they were read.",
        ("interpretation", "channel"),
    ),
    "korte_lijn_automatic_texts_limited": Spec(
        "counter",
        "Automatic texts (re-ask, thanks, forwarded, which case?) not sent because AUTO_REPLY_LIMIT "
        "was reached for that person and case.",
        ("purpose",),
    ),
    "korte_lijn_texts_ignored": Spec(
        "counter",
        "Inbound texts not read at all: from one of our own numbers (own_number), the same text "
        "again within a day (repeated), or our own text echoed back (echo).",
        ("reason",),
    ),
    "korte_lijn_case_transitions": Spec(
        "counter", "Cases entering a state. Reopen rate: to=reopened over to=completed.", ("to",)
    ),
    "korte_lijn_callback_delivery_lag_seconds": Spec(
        "histogram", "From a callback's creation to its successful delivery, retries included.", buckets=LAG_BUCKETS
    ),
    "korte_lijn_timer_lateness_seconds": Spec(
        "histogram", "How long after its due time a timer fired.", buckets=LATENESS_BUCKETS
    ),
}


def count(session: Session, name: str, amount: float = 1, **labels: str) -> None:
    """Add `amount` to a counter when this session's transaction commits."""
    spec = METRICS[name]
    if spec.kind != "counter" or set(labels) != set(spec.labels):
        raise ValueError(f"{name} is a {spec.kind} with labels {spec.labels}, not {sorted(labels)}")
    _add(session, name, _label_text(labels), amount)


def observe(session: Session, name: str, value: float, **labels: str) -> None:
    """Record one observation in a histogram when this session's transaction commits.

    Buckets are stored as plain (non-cumulative) counts; the collector adds them up.
    """
    spec = METRICS[name]
    if spec.kind != "histogram" or set(labels) != set(spec.labels):
        raise ValueError(f"{name} is a {spec.kind} with labels {spec.labels}, not {sorted(labels)}")
    value = max(0.0, value)
    bound = next((b for b in spec.buckets if value <= b), None)
    le = "+Inf" if bound is None else format_bound(bound)
    base = _label_text(labels)
    _add(session, name + "_bucket", ",".join(filter(None, (base, f"le={le}"))), 1)
    _add(session, name + "_sum", base, value)


def format_bound(bound: float) -> str:
    return str(float(bound))


def parse_labels(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(",") if part)


def _label_text(labels: dict[str, str]) -> str:
    for key, value in labels.items():
        if not _LABEL_VALUE.fullmatch(value):
            raise ValueError(f"label {key}={value!r} is not from a closed set")
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def _add(session: Session, name: str, labels: str, amount: float) -> None:
    at_commit(session, _PENDING, _no_counts, _write_counts)[(name, labels)] += amount


def _no_counts() -> defaultdict[tuple[str, str], float]:
    return defaultdict(float)


def _write_counts(session: Session, pending: dict[tuple[str, str], float]) -> None:
    upsert = _UPSERT[session.get_bind().dialect.name]
    # One row per counter (a multi-row upsert may not touch a row twice), in a fixed order, as
    # one INSERT ... VALUES (...), (...) (RETURNING makes SQLAlchemy send the rows together).
    session.connection().execute(
        upsert,
        [{"name": name, "labels": labels, "value": amount} for (name, labels), amount in sorted(pending.items())],
    )


def _upsert(statement: postgresql.Insert | sqlite.Insert) -> ReturningInsert[tuple[str]]:
    return statement.on_conflict_do_update(
        index_elements=["name", "labels"], set_={"value": MetricCounter.value + statement.excluded.value}
    ).returning(MetricCounter.name)


_UPSERT = {
    "postgresql": _upsert(postgresql.insert(MetricCounter)),
    "sqlite": _upsert(sqlite.insert(MetricCounter)),
}


KINDS = {"sms": "text", "call": "call", "callback": "callback"}


def count_message(session: Session, channel: str, recipient: str, outcome: str) -> None:
    count(session, "korte_lijn_messages", kind=KINDS[channel], recipient=recipient, outcome=outcome)
