"""Recording what became of a send: sent, to be tried again, or failed for good.

Each is one transaction that locks the case before its row (gateway/core/locks.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.exc import InterfaceError, OperationalError

from gateway.core import counters
from gateway.core.callbacks import EndpointGone
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.effects import Effects
from gateway.core.hooks import DeliveryOutcomes
from gateway.core.locks import case_then_row
from gateway.core.models import Case, OutboxMessage
from gateway.core.names import Channel, OutboxStatus
from gateway.core.outbox import endpoint
from gateway.core.outbox.channels import ChannelSender
from gateway.core.outbox.retry import retry_delay
from gateway.core.outbox.slots import Patience
from gateway.core.transport import TransportError

log = logging.getLogger(__name__)


class Results:
    def __init__(
        self,
        db: Database,
        config: Config,
        channels: Mapping[str, ChannelSender],
        outcomes: DeliveryOutcomes,
        callback_url: str | None,
    ):
        self.db, self.config, self.channels, self.outcomes = db, config, channels, outcomes
        self.callback_url = callback_url

    def sent(self, row: OutboxMessage, sid: str | None) -> None:
        """The provider has it: record that, even if the database is away for a while, because
        an unrecorded send goes out again when its lease ends. Keep trying well inside the lease."""
        patience = Patience()
        while True:
            try:
                self._sent(row, sid)
                return
            except (OperationalError, InterfaceError):
                if not patience.wait(f"outbox {row.id}: sent, but the database is away; recording it again"):
                    raise

    def _sent(self, row: OutboxMessage, sid: str | None) -> None:
        channel = self.channels[row.channel]
        what, outcome = channel.describe_sent(row), channel.outcome()
        with self.db.transaction() as session:
            case, current = case_then_row(session, OutboxMessage, OutboxMessage.id == row.id)
            if current is None:
                return  # purged meanwhile (RETENTION_DAYS): nothing left to record
            if current.status == OutboxStatus.PENDING:  # not when Twilio's status callback recorded it first
                counters.count_message(session, row.channel, row.recipient, outcome)
                # A printed callback reached no one: its lag would flatter the case system's.
                if row.channel == Channel.CALLBACK and outcome == "sent":
                    lag = (utcnow() - current.created_at).total_seconds()
                    counters.observe(session, "korte_lijn_callback_delivery_lag_seconds", lag)
            current.status, current.sent_at, current.locked_until = OutboxStatus.SENT, utcnow(), None
            current.provider_sid = sid
            if case is not None:
                Effects(session, self.config).record(
                    case, f"{row.channel}.sent", what, outbox_id=row.id, provider_sid=sid, attempt=row.attempts
                )
        log.info("outbox %s: %s (attempt %d)", row.id, what, row.attempts)

    def failed(self, row: OutboxMessage, exc: TransportError) -> None:
        if isinstance(exc, EndpointGone) and self.callback_url:
            endpoint.disable(self.db, self.config, self.callback_url, row, exc)
            return
        channel = self.channels[row.channel]
        delay = retry_delay(row, exc, channel.retry_delays)
        with self.db.transaction() as session:
            case, current = case_then_row(session, OutboxMessage, OutboxMessage.id == row.id)
            if current is None:
                return  # purged meanwhile (RETENTION_DAYS): nothing left to record
            current.locked_until, current.last_error, current.error_code = None, str(exc), exc.code
            if current.status == OutboxStatus.PENDING:
                current.sent_at = None  # not sent after all: the daily limit stops counting it
            fx = Effects(session, self.config)
            if delay is None:
                if current.status == OutboxStatus.PENDING:
                    counters.count_message(session, row.channel, row.recipient, "failed")
                current.status = OutboxStatus.FAILED
                self._given_up(fx, case, row, channel, exc)
                return
            current.due_at = utcnow() + timedelta(seconds=delay)
            counters.count(session, "korte_lijn_outbox_retries", kind=counters.KINDS[row.channel])
            log.warning(
                "outbox %s (%s/%s) attempt %d failed, retry in %ds: %s",
                *(row.id, row.channel, row.purpose, row.attempts, delay, exc),
            )
            if case is not None:
                fx.record(
                    case,
                    f"{row.channel}.retry",
                    f"{row.purpose} attempt {row.attempts} failed: {exc}",
                    outbox_id=row.id,
                    retry_in=delay,
                )

    def _given_up(
        self, fx: Effects, case: Case | None, row: OutboxMessage, channel: ChannelSender, exc: TransportError
    ) -> None:
        log.error(
            "outbox %s (%s/%s) failed for good after %d attempt(s): %s",
            *(row.id, row.channel, row.purpose, row.attempts, exc),
        )
        if case is None:
            return
        fx.record(case, f"{row.channel}.failed", f"{row.purpose} failed: {exc}", outbox_id=row.id)
        if channel.to_person:
            self.outcomes.undeliverable(fx, case, row, exc.code, str(exc))
