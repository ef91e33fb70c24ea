"""The tables. Models hold data only: no network calls, no business rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from gateway.core.db import Base, UTCDateTime, utcnow
from gateway.core.phones import mask

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Case(Base):
    """One report from a resident, as the case system dispatched it; `round` counts dispatches."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[str] = mapped_column(String(100), unique=True)
    reference: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    citizen_phone: Mapped[str | None] = mapped_column(String(20))
    citizen_name: Mapped[str | None] = mapped_column(String(200))
    citizen_language: Mapped[str] = mapped_column(String(5))
    crew_id: Mapped[str] = mapped_column(String(100))
    crew_phone: Mapped[str | None] = mapped_column(String(20))
    crew_name: Mapped[str | None] = mapped_column(String(200))
    crew_language: Mapped[str] = mapped_column(String(5))
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(30))
    round: Mapped[int] = mapped_column(Integer, default=1)
    proxy_number: Mapped[str | None] = mapped_column(String(20))
    # "sms" for mobiles; "voice" for landlines, or after texts to her number came back undeliverable,
    # or when the case system asks for it; "whatsapp" when the case system says she opted in to it.
    citizen_channel: Mapped[str] = mapped_column(String(8), default="sms")
    # Where the case came from: None for the case API, "signalen" for the Signalen connector,
    # whose cases' callbacks are also written back to their signal (gateway/core/signalen/).
    origin: Mapped[str | None] = mapped_column(String(12))
    # Named in the texts; when a proxy number is shared, a caller keys it in to say which case she means.
    short_code: Mapped[int | None] = mapped_column(Integer)
    # How many unclear answers the open question has had; the first gets a re-ask.
    unclear_replies: Mapped[int] = mapped_column(Integer, default=0)
    # After a NO we ask what is still wrong; the next text is her answer to that.
    awaiting_detail: Mapped[bool] = mapped_column(default=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the last session of the case ended (cancelled, or the reopen window closed);
    # RETENTION_DAYS later its phone numbers and words are removed (gateway/core/retention.py).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    personal_data_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    timeline: Mapped[list[TimelineEntry]] = relationship(
        back_populates="case", order_by="TimelineEntry.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Case {self.case_id} {self.status} round={self.round} citizen={mask(self.citizen_phone)}>"


class TimelineEntry(Base):
    """Everything that happened to a case, in order. Summaries hold masked numbers only."""

    __tablename__ = "timeline"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    case: Mapped[Case] = relationship(back_populates="timeline")

    def __repr__(self) -> str:
        return f"<TimelineEntry {self.kind} {self.summary[:40]!r}>"


class ProxyLease(Base):
    """A proxy number held for one party of an active case.

    Normally a (proxy_number, phone) pair names one case, so a text or call from that
    person to that number needs no questions. When the pool has no such number free the
    pair is shared, and the person is asked which case she means (flows/choice.py).
    """

    __tablename__ = "proxy_leases"
    __table_args__ = (
        Index("ix_proxy_leases_number_phone", "proxy_number", "phone"),
        Index("ix_proxy_leases_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proxy_number: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(10))
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)

    def __repr__(self) -> str:
        return f"<ProxyLease {self.proxy_number} {self.role} {mask(self.phone)} case={self.case_pk}>"


class PoolParty(Base):
    """A person who holds proxy numbers now: the row her dispatches take turns on, and how many she holds.

    Two dispatches for the same resident or crew must not both take the number that is free
    for her: she would hold it twice, and be asked "which case?" for no reason. Each dispatch
    locks its two parties' rows here (gateway/core/pool.py), so the second waits and then sees
    the first's lease; dispatches for other people go on side by side, as no lock is common to
    all of them. `leases` counts her open leases, so the busy people (pool.BUSY or more) are
    found on an index. A row goes when her last lease does: no number is kept longer than needed.
    """

    __tablename__ = "pool_parties"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    leases: Mapped[int] = mapped_column(Integer, index=True)

    def __repr__(self) -> str:
        return f"<PoolParty {mask(self.phone)} leases={self.leases}>"


class Timer(Base):
    """A durable timer: a row, so it survives restarts and any worker can fire it."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    round: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Timer {self.kind} case={self.case_pk} due={self.due_at:%Y-%m-%d %H:%M:%S} {self.status}>"


PENDING = text("status = 'pending'")


class OutboxMessage(Base):
    """A text, call or callback, written in the transaction that decided to send it.

    A worker claims the row later and does the network call outside any transaction.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        # The claim (gateway/core/outbox/claim.py) reads pending rows in turn order and asks, for each,
        # whether an earlier one to the same recipient is still pending. Pending rows are a
        # few among millions of sent ones, so both indexes hold only those.
        Index("ix_outbox_pending_turn", "priority", "id", postgresql_where=PENDING, sqlite_where=PENDING),
        Index(
            "ix_outbox_pending_recipient", "case_pk", "recipient", "id", postgresql_where=PENDING, sqlite_where=PENDING
        ),
        # /metrics counts the pending rows per channel from the index alone (gateway/core/metrics.py).
        Index("ix_outbox_pending_by_channel", "status", "channel", "due_at"),
        # The daily limit counts a number's texts and calls of the last 24 hours (gateway/core/recipients.py).
        Index("ix_outbox_recipient_sent", "to_number", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_pk: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms, call, callback
    purpose: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(12))  # citizen, crew, case_system
    to_number: Mapped[str | None] = mapped_column(String(20))
    from_number: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    webhook_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # 0 goes first: answers to someone who just wrote to us; 1: notices we start ourselves.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A claim is a lease: a worker that dies mid-send leaves it to expire, then another retries.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(20))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set as the send starts, so the daily limit counts a text in flight; removed if it fails.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A retry or voice fallback points at the row it stands in for; its own failure then counts double.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    # Not a column: the case system's id of the row's case, loaded by the worker's claim so
    # that each send's log lines name their case (None where a query does not load it).
    case_ref: Mapped[str | None] = query_expression()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.channel}/{self.purpose} to={mask(self.to_number)} {self.status}>"


class InboundMessage(Base):
    """A text received from Twilio; the unique MessageSid makes redelivery harmless."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    case_pk: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10))  # citizen, crew, stranger
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<InboundMessage {self.message_sid} {self.role} {self.outcome}>"


class ProcessedEvent(Base):
    """A case-system event already handled, keyed by its webhook-id, with the answer given."""

    __tablename__ = "processed_events"

    webhook_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ProcessedEvent {self.webhook_id} {self.event_type} {self.status_code}>"


class OptOut(Base):
    """A number that sent STOP (or that Twilio refused with 21610): no texts to it until START."""

    __tablename__ = "opt_outs"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    source: Mapped[str] = mapped_column(String(30))  # the keyword, or "twilio 21610"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OptOut {mask(self.phone)} {self.source}>"


class WhatsAppWindow(Base):
    """When a number last wrote to our WhatsApp sender: for 24 hours after, free text may go to it.

    Only the moment, never the words; a row older than a day says nothing and is purged."""

    __tablename__ = "whatsapp_windows"

    phone: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_inbound_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PendingChoice(Base):
    """A text held while its sender says which of her cases on a shared number it is about.

    `options` lists the case primary keys in the order the numbered question showed them.
    """

    __tablename__ = "pending_choices"
    __table_args__ = (UniqueConstraint("proxy_number", "phone", name="uq_pending_choices_number_phone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proxy_number: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20))
    options: Mapped[list[int]] = mapped_column(JSONType)
    body: Mapped[str] = mapped_column(Text)
    media: Mapped[int] = mapped_column(Integer, default=0)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PendingChoice {self.proxy_number} {mask(self.phone)} options={self.options}>"


class SenderSlot(Base):
    """The next moment a proxy number may send, shared by every worker (gateway/core/rate.py)."""

    __tablename__ = "sender_slots"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SenderSlot {self.number} next={self.next_at:%H:%M:%S.%f}>"


class DisabledEndpoint(Base):
    """A callback URL that answered 410 Gone: nothing is sent to it until it is enabled again."""

    __tablename__ = "disabled_endpoints"

    url: Mapped[str] = mapped_column(String(500), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DisabledEndpoint {self.url} since {self.at:%Y-%m-%d %H:%M}>"


class MetricCounter(Base):
    """One Prometheus counter (or histogram bucket), added to in the transaction it counts.

    Shared by every web and worker process, so /metrics on any of them tells the whole truth
    (gateway/core/counters.py). `labels` is canonical "key=value,..." text from closed sets only.
    """

    __tablename__ = "metric_counters"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    labels: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"<MetricCounter {self.name}{{{self.labels}}} {self.value}>"


class SimulatedDelivery(Base):
    """What the phone simulator's edge was handed instead of Twilio or the case system.

    Rows, not memory, so the page sees them when the worker runs in another process
    (gateway/simulator/sink.py). Kept RETENTION_DAYS, like every other word and number.
    """

    __tablename__ = "simulator_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms, call, callback
    to_number: Mapped[str | None] = mapped_column(String(20))
    from_number: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))  # where Twilio would fetch a call's TwiML
    status_url: Mapped[str | None] = mapped_column(String(500))  # where Twilio would report its status
    sid: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # a callback's envelope
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<SimulatedDelivery {self.id} {self.channel} to={mask(self.to_number)}>"


class WorkerHeartbeat(Base):
    """What one worker process last did: /metrics tells from these whether any worker ticks.

    Each worker writes its own row every HEARTBEAT_INTERVAL (gateway/worker.py); a row not
    written for a day belongs to a process that is gone and is removed by the next heartbeat.
    """

    __tablename__ = "worker_heartbeats"

    worker: Mapped[str] = mapped_column(String(100), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When its timer and outbox jobs last finished a run; None until they first do.
    timers_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outbox_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<WorkerHeartbeat {self.worker} seen {self.seen_at:%H:%M:%S}>"


class SignalenCursor(Base):
    """How far the `signalen` process has read Signalen's changes, and which process reads.

    `updated_at` and `seen_ids`: the newest change taken in, and the signals taken in at that
    very moment (Signalen's `updated_after` includes it). Moved in the transaction that takes
    a signal's change in, so a process killed mid-poll loses and repeats nothing. `holder` and
    `lease_until`: one process polls at a time; another takes over when the lease runs out.
    """

    __tablename__ = "signalen_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # the Signalen's URL host
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    holder: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<SignalenCursor {self.name} at={self.updated_at} seen={len(self.seen_ids)} holder={self.holder}>"
