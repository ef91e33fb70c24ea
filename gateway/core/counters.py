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

Increments are gathered on the session and written just before commit, in a fixed
order: two transactions never wait for each other's counters in opposite order (no
deadlock), and a counter row is locked only for the instant before commit.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.core.models import MetricCounter

_PENDING = "korte_lijn_counters"
_HOOKED = "korte_lijn_counters_hooked"
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
    if not session.info.get(_HOOKED):
        # On this session only, not on SQLAlchemy's Session class, which every app in the
        # process (and every library) shares.
        event.listen(session, "before_commit", _write_counts)
        event.listen(session, "after_rollback", _forget_counts)
        session.info[_HOOKED] = True
    session.info.setdefault(_PENDING, defaultdict(float))[(name, labels)] += amount


def _write_counts(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for (name, labels), amount in sorted(pending.items()):
        statement = insert(MetricCounter).values(name=name, labels=labels, value=amount)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["name", "labels"], set_={"value": MetricCounter.value + statement.excluded.value}
            )
        )


def _forget_counts(session: Session) -> None:
    session.info.pop(_PENDING, None)


KINDS = {"sms": "text", "call": "call", "callback": "callback"}


def count_message(session: Session, channel: str, recipient: str, outcome: str) -> None:
    count(session, "korte_lijn_messages", kind=KINDS[channel], recipient=recipient, outcome=outcome)
