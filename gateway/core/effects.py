"""What a flow may cause, recorded in the flow's own transaction.

Flows never call Twilio or the case system. They write outbox rows, timers and
timeline entries through this object; the worker does the network calls later.

Nothing here writes as it goes. New outbox rows (gateway/core/queued.py), inbound texts, the
timeline and the counters are gathered and written at commit, each in one multi-row INSERT
(the timeline after the outbox rows, whose ids it names); the case's own changes go in the
ORM's flush. A resident's reply is then eight statements, not twenty (bench/reply_cost.py
counts them, tests/test_reply_statements.py holds them to it).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from gateway.core import counters, logs, queued, timeline_kinds
from gateway.core.callback_schemas import callback_payload
from gateway.core.config import Config
from gateway.core.db import at_commit, utcnow
from gateway.core.lookups import Lookups
from gateway.core.models import Case, OutboxMessage, TimelineEntry, Timer
from gateway.core.names import ORIGIN_SIGNALEN, CallbackType, Channel, OutboxStatus, Recipient, TimerStatus
from gateway.core.phones import mask
from gateway.core.purposes import Purpose
from gateway.core.quiet_hours import next_allowed

log = logging.getLogger(__name__)


# A queued row's timeline kind: text.queued, call.queued, whatsapp.queued.
_WHAT = {Channel.SMS: "text", Channel.CALL: "call", Channel.WHATSAPP: "whatsapp"}


class Effects(Lookups):
    """What a flow may cause (here) and read, lock and change (gateway/core/lookups.py)."""

    def __init__(self, session: Session, config: Config, now: datetime | None = None, origin: str | None = None):
        super().__init__(session, config, now or utcnow())
        # Where a case this transaction creates comes from (Case.origin): the Signalen connector says so.
        self.origin = origin

    def add_case(self, case: Case) -> None:
        case.origin = self.origin
        super().add_case(case)

    def record(
        self, case: Case, kind: str, summary: str, *, about: OutboxMessage | None = None, **data: object
    ) -> None:
        """A timeline entry; `about` an outbox row, whose id the entry names as `outbox_id`.

        Raises ValueError for a kind or data that gateway/core/timeline_kinds.py does not list:
        the API promises the case system that shape. Pure Python, no statement."""
        # The row's id is known at commit only; 0 stands in for it in the check.
        timeline_kinds.check(kind, data if about is None else {"outbox_id": about.id or 0, **data})
        logs.note_case(case.case_id)
        timeline = at_commit(self.session, _TIMELINE, list, _write_timeline)
        timeline.append(_Entry(case.id, self.now, kind, summary, data, about))

    def text(
        self,
        case: Case,
        recipient: str,
        purpose: Purpose,
        body: str,
        *,
        replaces: OutboxMessage | None = None,
        due: datetime | None = None,
        channel: Channel = Channel.SMS,
        template: dict[str, object] | None = None,
    ) -> OutboxMessage | None:
        """Queue a text from the case's proxy number to the citizen or the crew; or, with
        `channel` WHATSAPP, a WhatsApp message from WHATSAPP_SENDER to the citizen, as the
        approved `template` (flows/whatsapp.py) or, without one, as free text.

        A purpose with `quiet_hours` waits until QUIET_HOURS end when it goes to the resident;
        answers to her own message and crew texts go at once. A number that opted out
        (STOP) gets nothing: the text is noted on the timeline and not queued.
        """
        to = case.citizen_phone if recipient == Recipient.CITIZEN else case.crew_phone
        if self.opted_out(to, with_=(case.citizen_phone, case.crew_phone)):
            self.record(
                case,
                "text.suppressed",
                f"{purpose.name} text to {recipient} {mask(to)} not sent: opted out",
                purpose=purpose.name,
                recipient=recipient,
            )
            counters.count_message(self.session, channel, recipient, "suppressed")
            return None
        due = due or self.now
        if purpose.quiet_hours and recipient == Recipient.CITIZEN:
            due = next_allowed(due, self.config.quiet_hours, self.config.timezone)
        return self._queue(case, channel, purpose, recipient, to, body, due, replaces, template)

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
        payload: dict[str, object] | None = None,
    ) -> OutboxMessage:
        row = self._outbox_row(
            case,
            channel=channel,
            purpose=purpose.name,
            recipient=recipient,
            to_number=to,
            from_number=self.config.whatsapp_sender if channel == Channel.WHATSAPP else case.proxy_number,
            body=body,
            payload=payload,
            due_at=due,
            replaces_id=replaces.id if replaces else None,
            priority=1 if purpose.bulk else 0,
        )
        what = _WHAT[channel]
        held = f", held until {due:%Y-%m-%d %H:%M} UTC" if due > self.now else ""
        self.record(
            case,
            f"{what}.queued",
            f"{purpose.name} {what} to {recipient} {mask(to)}{held}",
            about=row,
            purpose=purpose.name,
            recipient=recipient,
            body=body,
        )
        return row

    def callback(self, case: Case, event_type: CallbackType, **data: object) -> OutboxMessage:
        """Tell the case system: a signed callback to CASE_CALLBACK_URL and, for a case that came
        from Signalen, a write-back to its signal; both where both are set. Returns the first."""
        payload = callback_payload(
            event_type, self.now, case_id=case.case_id, reference=case.reference, round=case.round, **data
        )
        to_signalen = case.origin == ORIGIN_SIGNALEN and self.config.signalen is not None
        rows = []
        # Without a URL, and with no Signalen to tell, the callback is printed (the embedded mode).
        if self.config.case_callback_url or not to_signalen:
            rows.append(self._callback_row(case, Channel.CALLBACK, Recipient.CASE_SYSTEM, event_type, payload))
        if to_signalen:
            rows.append(self._callback_row(case, Channel.SIGNALEN, Recipient.SIGNALEN, event_type, payload))
        return rows[0]

    def _callback_row(
        self, case: Case, channel: Channel, recipient: Recipient, event_type: CallbackType, payload: dict
    ) -> OutboxMessage:
        webhook_id = "msg_" + uuid.uuid4().hex
        row = self._outbox_row(
            case,
            channel=channel,
            purpose=event_type,
            recipient=recipient,
            payload=payload,
            webhook_id=webhook_id,
            due_at=self.now,
            priority=0,
        )
        where = "callback" if channel == Channel.CALLBACK else "write-back to Signalen"
        self.record(case, f"{channel}.queued", f"{event_type} {where} queued", about=row, webhook_id=webhook_id)
        return row

    def _outbox_row(self, case: Case, **values: object) -> OutboxMessage:
        row = OutboxMessage(**{**_NEW_OUTBOX_ROW, "case_pk": case.id, "created_at": self.now, **values})
        queued.queue(self.session, row)  # written with the others at commit (gateway/core/queued.py)
        if case.id in self._conversations:  # read already: keep it true (else the read will find the row)
            self._conversations[case.id].queued(row, self.now)
        return row

    def schedule(self, case: Case, kind: str, after_seconds: int, *, start: datetime | None = None) -> Timer:
        due = (start or self.now) + timedelta(seconds=after_seconds)
        timer = Timer(case_pk=case.id, kind=kind, round=case.round, due_at=due, status=TimerStatus.PENDING)
        self.session.add(timer)
        self.record(case, "timer.set", f"{kind} due at {due:%Y-%m-%d %H:%M:%S} UTC", timer=kind, due_at=due.isoformat())
        return timer

    def cancel_timers(self, case: Case, kinds: tuple[str, ...] | None = None) -> None:
        if any(isinstance(new, Timer) for new in self.session.new):
            self.session.flush()  # a timer this transaction set is cancelled too
        # A Core statement on the session's connection: no flush of what else is pending (that
        # waits for the one flush at commit), and none of the ORM's bulk-update bookkeeping,
        # which cost more than the statement. Timers of the case already loaded are told here.
        if kinds:
            self.session.connection().execute(_CANCEL_TIMERS_OF_KINDS, {"of_case": case.id, "kinds": list(kinds)})
        else:
            self.session.connection().execute(_CANCEL_TIMERS, {"of_case": case.id})
        for loaded in list(self.session.identity_map.values()):
            if (
                isinstance(loaded, Timer)
                and loaded.case_pk == case.id
                and loaded.status == TimerStatus.PENDING
                and (not kinds or loaded.kind in kinds)
            ):
                set_committed_value(loaded, "status", TimerStatus.CANCELLED)

    def cancel_pending_texts(
        self, case: Case, reason: str, purposes: tuple[str, ...] | None = None, held_only: bool = False
    ) -> int:
        """Withdraw texts and calls not yet sent; callbacks to the case system still go out.

        held_only: only those waiting for a later moment (quiet hours), not those due now.
        """
        unsent = [
            sent
            for sent in self.conversation(case).sent
            if sent.status == OutboxStatus.PENDING
            and sent.channel not in (Channel.CALLBACK, Channel.SIGNALEN)
            and (not purposes or sent.purpose in purposes)
            and (not held_only or sent.due_at > self.now)
        ]
        for sent in unsent:
            sent.status = OutboxStatus.CANCELLED
            counters.count_message(self.session, sent.channel, sent.recipient, "withdrawn")
            if sent.row is not None:  # queued by this transaction: if not written yet, never as pending
                sent.row.status, sent.row.last_error = OutboxStatus.CANCELLED, reason
        ids = [sent.written_id for sent in unsent if sent.written_id is not None]
        if ids:
            with self.session.no_autoflush:
                self.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(status=OutboxStatus.CANCELLED, last_error=reason)
                )
        if unsent:
            self.record(
                case,
                "text.cancelled",
                f"{len(unsent)} unsent text(s) withdrawn: {reason}",
                outbox_ids=ids,
            )
        return len(unsent)


_TIMELINE = "korte_lijn_timeline"
# Built once: building a statement costs more Python than sending it (bench/reply_cost.py).
_CANCEL_TIMERS = (
    update(Timer)
    .where(Timer.case_pk == bindparam("of_case"), Timer.status == TimerStatus.PENDING)
    .values(status=TimerStatus.CANCELLED)
)
_CANCEL_TIMERS_OF_KINDS = _CANCEL_TIMERS.where(Timer.kind.in_(bindparam("kinds", expanding=True)))
_NEW_OUTBOX_ROW: dict[str, object] = dict.fromkeys(
    ("to_number", "from_number", "body", "payload", "webhook_id", "replaces_id", "locked_until", "last_error")
) | {"status": OutboxStatus.PENDING, "attempts": 0}


class _Entry(NamedTuple):
    case_pk: int
    at: datetime
    kind: str
    summary: str
    data: dict[str, object]
    about: OutboxMessage | None


def _write_timeline(session: Session, entries: list[_Entry]) -> None:
    if any(entry.about is not None and entry.about.id is None for entry in entries):
        queued.write_now(session)  # the outbox rows get their ids
    rows = [
        {
            "case_pk": entry.case_pk,
            "at": entry.at,
            "kind": entry.kind,
            "summary": entry.summary,
            "data": {"outbox_id": entry.about.id, **entry.data} if entry.about is not None else entry.data,
        }
        for entry in entries
    ]
    # Many rows, one statement: with RETURNING, SQLAlchemy sends an executemany as one
    # INSERT ... VALUES (...), (...) ("insertmanyvalues"), and the statement is compiled once.
    session.connection().execute(_INSERT_TIMELINE, rows)


_INSERT_TIMELINE = insert(TimelineEntry).returning(TimelineEntry.id)
