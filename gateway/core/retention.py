"""Data minimisation (AVG/GDPR): RETENTION_DAYS after a case ends, its personal data goes.

Removed: phone numbers and names of both parties, the resident's description, every
message body (texts and WhatsApp messages in and out, a WhatsApp template's variables, and the
words in callbacks and on the timeline). When she last wrote on WhatsApp is kept one day only.
Kept: the anonymous timeline (what happened when, numbers already masked), the case's
reference and address, and opt-outs, which must be honoured for as long as we text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update

from gateway.core.db import Database
from gateway.core.lookups import WHATSAPP_WINDOW
from gateway.core.models import Case, InboundMessage, OutboxMessage, PendingChoice, TimelineEntry, WhatsAppWindow
from gateway.core.names import Channel

# Keys in timeline data and callback payloads that hold someone's words.
WORDS = ("body", "text", "reply")
REMOVED = "(removed after the retention period)"
BATCH = 500


def due(db: Database, retention_days: int, now: datetime) -> int:
    """How many cases purge() would clean now: the length of `flask purge`'s progress bar."""
    with db.transaction() as session:
        cases = select(func.count()).select_from(Case).where(*_due(now - timedelta(days=retention_days)))
        return session.scalar(cases) or 0


def _due(cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    return Case.ended_at < cutoff, Case.personal_data_removed_at.is_(None)


def purge(db: Database, retention_days: int, now: datetime, progress: Callable[[int], object] | None = None) -> int:
    """Remove personal data of cases that ended before the cut-off; returns how many cases."""
    cutoff = now - timedelta(days=retention_days)
    done = 0
    while True:
        with db.transaction() as session:
            cases = session.scalars(
                select(Case).where(*_due(cutoff)).order_by(Case.id).limit(BATCH).with_for_update(skip_locked=True)
            ).all()
            if not cases:
                break
            ids = [case.id for case in cases]
            for case in cases:
                case.citizen_phone = case.citizen_name = case.crew_phone = case.crew_name = None
                case.description = REMOVED
                case.personal_data_removed_at = now
            session.execute(update(InboundMessage).where(InboundMessage.case_pk.in_(ids)).values(body=None))
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.case_pk.in_(ids))
                .values(body=None, to_number=None, last_error=None)
            )
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.case_pk.in_(ids), OutboxMessage.payload.is_not(None))
            ):
                payload = row.payload or {}
                if row.channel == Channel.WHATSAPP:
                    row.payload = {"content_sid": payload.get("content_sid")}  # its variables hold words
                else:
                    row.payload = {**payload, "data": _without_words(payload.get("data", {}))}
            for entry in session.scalars(select(TimelineEntry).where(TimelineEntry.case_pk.in_(ids))):
                if any(key in entry.data for key in WORDS):
                    entry.data = _without_words(entry.data)
        done += len(ids)
        if progress:
            progress(len(ids))
    with db.transaction() as session:
        # A held "which case?" text older than the retention period is no one's business either.
        for stale in session.scalars(select(PendingChoice).where(PendingChoice.asked_at < cutoff)):
            session.delete(stale)
        # A WhatsApp window says nothing after its day (gateway/core/lookups.py): no need to keep it.
        session.execute(delete(WhatsAppWindow).where(WhatsAppWindow.last_inbound_at < now - WHATSAPP_WINDOW))
    return done


def _without_words(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in WORDS}
