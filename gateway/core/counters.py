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
from gateway.core.names import CaseState

_PENDING = "korte_lijn_counters"
# Label values come from closed sets in code (channel, verdict, status); this refuses
# anything else, so a phone number or case id can never become a label by mistake.
LABEL_VALUE = re.compile(r"[a-z][a-z0-9_.-]{0,39}")
# Crew teams named in METRICS_CREWS get a label of their own; all others count as this one.
OTHER_CREWS = "other"
# METRICS_CREWS names at most this many, so a crew label has at most MAX_CREW_LABELS + 1 values.
MAX_CREW_LABELS = 50


@dataclass(frozen=True)
class Spec:
    kind: str  # counter or histogram
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


LAG_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 7200, 36000, 86400)
LATENESS_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800)
# From the crew's "done" to her first answer: the question goes out CONFIRMATION_DELAY (30 min)
# later, the reminder after a day, the time-out after three.
ANSWER_BUCKETS = (900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 259200, 604800)

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
        "counter",
        "Cases entering a state, per crew team (METRICS_CREWS; others: crew=other). "
        "Reopen rate: to=reopened over to=completed.",
        ("to", "crew"),
    ),
    "korte_lijn_answers": Spec(
        "counter",
        "Residents' first answer after the crew reported the job done: yes or no. "
        "Share who answer: this over case_transitions{to=completed}.",
        ("answer", "crew"),
    ),
    "korte_lijn_answer_seconds": Spec(
        "histogram",
        "From the crew reporting the job done to the resident's first answer.",
        ("crew",),
        ANSWER_BUCKETS,
    ),
    "korte_lijn_callback_delivery_lag_seconds": Spec(
        "histogram", "From a callback's creation to its successful delivery, retries included.", buckets=LAG_BUCKETS
    ),
    "korte_lijn_signalen_polls": Spec(
        "counter",
        "The signalen process's polls of Signalen: ok, failed (Signalen or its token endpoint away), "
        "paused (Signalen hides reporters' phones: nothing is dispatched), standby (another process polls).",
        ("outcome",),
    ),
    "korte_lijn_signalen_signals_seen": Spec("counter", "Changed signals read from Signalen and taken in."),
    "korte_lijn_signalen_events": Spec(
        "counter", "Signalen's status changes taken in as the gateway's events.", ("type",)
    ),
    "korte_lijn_signalen_skipped": Spec(
        "counter",
        "Signals in the dispatch state not dispatched: no_phone, contact_not_allowed (the reporter said no), "
        "no_crew (the crews file names none), invalid (such as a number the gateway does not text); and "
        "completed or cancelled signals that were never dispatched (not_dispatched, impossible).",
        ("reason",),
    ),
    "korte_lijn_timer_lateness_seconds": Spec(
        "histogram", "How long after its due time a timer fired.", buckets=LATENESS_BUCKETS
    ),
}


def crew_label(crews: tuple[str, ...], crew_id: str) -> str:
    """The crew team's own label if METRICS_CREWS names it, else "other": a label value per
    crew id the case system invents would grow the counter table without bound."""
    crew = crew_id.strip().lower()
    return crew if crew in crews else OTHER_CREWS


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
        if not LABEL_VALUE.fullmatch(value):
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


KINDS = {"sms": "text", "call": "call", "callback": "callback", "whatsapp": "whatsapp", "signalen": "signalen"}


def zero_series(crews: tuple[str, ...]) -> dict[str, list[str]]:
    """The label sets that rates and alerts (deploy/prometheus) read, shown at 0 until first counted.

    Prometheus's increase() starts from a series' first sample: a counter that first appears
    at 1 has increased by nothing, so a first reopen or a first callback given up would never
    show. Only closed sets, and the crews METRICS_CREWS names, so this stays a few hundred rows.
    """
    teams = (*crews, OTHER_CREWS)
    states = [state for state in CaseState if state != CaseState.NEW]
    label_sets: dict[str, list[dict[str, str]]] = {
        "korte_lijn_case_transitions": [{"to": to, "crew": crew} for to in states for crew in teams],
        "korte_lijn_answers": [{"answer": answer, "crew": crew} for answer in ("yes", "no") for crew in teams],
        "korte_lijn_answer_seconds": [{"crew": crew} for crew in teams],
        "korte_lijn_outbox_retries": [{"kind": kind} for kind in KINDS.values()],
        "korte_lijn_recipient_limit_hits": [{"recipient": recipient} for recipient in ("citizen", "crew")],
        "korte_lijn_messages": [
            *({"kind": "callback", "recipient": "case_system", "outcome": outcome} for outcome in ("sent", "failed")),
            *(
                {"kind": kind, "recipient": recipient, "outcome": "refused"}
                for kind in ("text", "call")
                for recipient in ("citizen", "crew")
            ),
        ],
    }
    return {name: [_label_text(labels) for labels in sets] for name, sets in label_sets.items()}


def count_message(session: Session, channel: str, recipient: str, outcome: str) -> None:
    count(session, "korte_lijn_messages", kind=KINDS[channel], recipient=recipient, outcome=outcome)
