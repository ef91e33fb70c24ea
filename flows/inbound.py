"""Where an inbound text goes: relay, confirmation, or nowhere (a stranger)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from flows import confirmation, relay
from gateway import pool
from gateway.effects import Effects
from gateway.models import Case, InboundMessage
from gateway.phones import mask

log = logging.getLogger(__name__)


def receive_text(fx: Effects, *, proxy_number: str, sender: str, sid: str, body: str, media: int) -> str:
    """Handle one text. Returns the outcome, also stored with the message."""
    if fx.session.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == sid)):
        return "duplicate"
    lease = pool.find_lease(fx.session, proxy_number, sender)
    if lease is None:
        # Keep nothing of a stranger's text but the fact it came: it is not ours to store.
        fx.session.add(InboundMessage(message_sid=sid, role="stranger", body=None, outcome="ignored"))
        log.info("text from unknown sender %s to %s ignored", mask(sender), proxy_number)
        return "ignored"
    case = fx.session.scalar(select(Case).where(Case.id == lease.case_pk).with_for_update())
    if lease.role == "crew":
        outcome = relay.crew_text(fx, case, body, media)
    elif case.status == "dispatched":
        outcome = relay.citizen_text(fx, case, body, media)
    else:
        outcome = confirmation.answer(fx, case, body, media)
    fx.session.add(InboundMessage(message_sid=sid, case_pk=case.id, role=lease.role, body=body, outcome=outcome))
    fx.record(case, "text.received", f"text from {lease.role} {mask(sender)}: {outcome}",
              body=body, media=media, outcome=outcome)
    return outcome
