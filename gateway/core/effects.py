"""What a flow may cause, recorded in the flow's own transaction.

Flows never call Twilio or the case system. They write outbox rows, timers and
timeline entries through this object; the worker does the network calls later.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.core import counters, logs
from gateway.core.callback_schemas import callback_payload
from gateway.core.config import Config
from gateway.core.db import utcnow
from gateway.core.lookups import Lookups
from gateway.core.models import Case, OptOut, OutboxMessage, TimelineEntry, Timer
from gateway.core.names import CallbackType, Channel, OutboxStatus, Recipient, TimerStatus
from gateway.core.phones import mask
from gateway.core.purposes import Purpose
from gateway.core.quiet_hours import next_allowed

log = logging.getLogger(__name__)


class Effects(Lookups):
    """What a flow may cause (here) and read, lock and change (gateway/core/lookups.py)."""

    def __init__(self, session: Session, config: Config, now: datetime | None = None):
        self.session = session
        self.config = config
        self.now = now or utcnow()

    def record(self, case: Case, kind: str, summary: str, **data: object) -> None:
        logs.note_case(case.case_id)
        self.session.add(TimelineEntry(case_pk=case.id, at=self.now, kind=kind, summary=summary, data=data))

    def text(
        self,
        case: Case,
        recipient: str,
        purpose: Purpose,
        body: str,
        *,
        replaces: OutboxMessage | None = None,
        due: datetime | None = None,
    ) -> OutboxMessage | None:
        """Queue a text from the case's proxy number to the citizen or the crew.

        A purpose with `quiet_hours` waits until QUIET_HOURS end when it goes to the resident;
        answers to her own message and crew texts go at once. A number that opted out
        (STOP) gets nothing: the text is noted on the timeline and not queued.
        """
        to = case.citizen_phone if recipient == Recipient.CITIZEN else case.crew_phone
        if self.opted_out(to):
            self.record(
                case,
                "text.suppressed",
                f"{purpose.name} text to {recipient} {mask(to)} not sent: opted out",
                purpose=purpose.name,
                recipient=recipient,
            )
            counters.count_message(self.session, Channel.SMS, recipient, "suppressed")
            return None
        due = due or self.now
        if purpose.quiet_hours and recipient == Recipient.CITIZEN:
            due = next_allowed(due, self.config.quiet_hours, self.config.timezone)
        return self._queue(case, Channel.SMS, purpose, recipient, to, body, due, replaces)

    def call(
        self,
        case: Case,
        purpose: Purpose,
        spoken: str,
        *,
        replaces: OutboxMessage | None = None,
        due: datetime | None = None,
    ) -> OutboxMessage:
        """Queue a voice call to the citizen that says `spoken`; calls always wait out quiet hours."""
        due = next_allowed(due or self.now, self.config.quiet_hours, self.config.timezone)
        return self._queue(case, Channel.CALL, purpose, Recipient.CITIZEN, case.citizen_phone, spoken, due, replaces)

    def _queue(
        self,
        case: Case,
        channel: Channel,
        purpose: Purpose,
        recipient: str,
        to: str | None,
        body: str,
        due: datetime,
        replaces: OutboxMessage | None,
    ) -> OutboxMessage:
        row = OutboxMessage(
            case_pk=case.id,
            channel=channel,
            purpose=purpose.name,
            recipient=recipient,
            to_number=to,
            from_number=case.proxy_number,
            body=body,
            due_at=due,
            replaces_id=replaces.id if replaces else None,
            priority=1 if purpose.bulk else 0,
        )
        self.session.add(row)
        self.session.flush()
        what = "text" if channel == Channel.SMS else "call"
        held = f", held until {due:%Y-%m-%d %H:%M} UTC" if due > self.now else ""
        self.record(
            case,
            f"{what}.queued",
            f"{purpose.name} {what} to {recipient} {mask(to)}{held}",
            outbox_id=row.id,
            purpose=purpose.name,
            recipient=recipient,
            body=body,
        )
        return row

    def opted_out(self, phone: str | None) -> bool:
        return phone is not None and self.session.get(OptOut, phone) is not None

    def callback(self, case: Case, event_type: CallbackType, **data: object) -> OutboxMessage:
        webhook_id = "msg_" + uuid.uuid4().hex
        payload = callback_payload(
            event_type, self.now, case_id=case.case_id, reference=case.reference, round=case.round, **data
        )
        row = OutboxMessage(
            case_pk=case.id,
            channel=Channel.CALLBACK,
            purpose=event_type,
            recipient=Recipient.CASE_SYSTEM,
            payload=payload,
            webhook_id=webhook_id,
            due_at=self.now,
            priority=0,
        )
        self.session.add(row)
        self.session.flush()
        self.record(case, "callback.queued", f"{event_type} callback queued", outbox_id=row.id, webhook_id=webhook_id)
        return row

    def schedule(self, case: Case, kind: str, after_seconds: int, *, start: datetime | None = None) -> Timer:
        due = (start or self.now) + timedelta(seconds=after_seconds)
        timer = Timer(case_pk=case.id, kind=kind, round=case.round, due_at=due, status=TimerStatus.PENDING)
        self.session.add(timer)
        self.record(case, "timer.set", f"{kind} due at {due:%Y-%m-%d %H:%M:%S} UTC", timer=kind, due_at=due.isoformat())
        return timer

    def cancel_timers(self, case: Case, kinds: tuple[str, ...] | None = None) -> None:
        query = update(Timer).where(Timer.case_pk == case.id, Timer.status == TimerStatus.PENDING)
        if kinds:
            query = query.where(Timer.kind.in_(kinds))
        self.session.execute(query.values(status=OutboxStatus.CANCELLED))

    def cancel_pending_texts(
        self, case: Case, reason: str, purposes: tuple[str, ...] | None = None, held_only: bool = False
    ) -> int:
        """Withdraw texts and calls not yet sent; callbacks to the case system still go out.

        held_only: only those waiting for a later moment (quiet hours), not those due now.
        """
        query = select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient).where(
            OutboxMessage.case_pk == case.id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.channel != Channel.CALLBACK,
        )
        if purposes:
            query = query.where(OutboxMessage.purpose.in_(purposes))
        if held_only:
            query = query.where(OutboxMessage.due_at > self.now)
        rows = self.session.execute(query).all()
        ids = [row.id for row in rows]
        for row in rows:
            counters.count_message(self.session, row.channel, row.recipient, "withdrawn")
        if ids:
            self.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(status=OutboxStatus.CANCELLED, last_error=reason)
            )
            self.record(case, "text.cancelled", f"{len(ids)} unsent text(s) withdrawn: {reason}", outbox_ids=ids)
        return len(ids)
