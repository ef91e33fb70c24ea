"""Where an inbound text goes: opt-out, relay, confirmation, a "which case?", or nowhere (a stranger)."""

from __future__ import annotations

import logging

from sqlalchemy import select

from flows import choice, confirmation, opt_out, relay
from flows.replies import carrier_keyword, keyword_form
from gateway import counters, pool
from gateway.effects import Effects
from gateway.models import Case, InboundMessage, ProxyLease
from gateway.phones import mask

log = logging.getLogger(__name__)


def receive_text(fx: Effects, *, proxy_number: str, sender: str, sid: str, body: str, media: int) -> str:
    """Handle one text. Returns the outcome, also stored with the message."""
    if fx.session.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == sid)):
        return "duplicate"
    leases = pool.find_leases(fx.session, proxy_number, sender)
    role = leases[0].role if leases else "stranger"
    keyword = carrier_keyword(body)
    if keyword and sender:
        # Anyone may refuse our texts, a stranger too; it is a keyword, never an answer.
        word = keyword_form(body).upper()
        outcome = opt_out.stop(fx, sender, word) if keyword == "opt_out" else opt_out.start(fx, sender, word)
        counters.count(fx.session, "korte_lijn_replies", interpretation=keyword, channel="text")
        fx.session.add(InboundMessage(message_sid=sid, role=role, body=None, outcome=outcome))
        return outcome
    if not leases:
        # Keep nothing of a stranger's text but the fact it came: it is not ours to store.
        fx.session.add(InboundMessage(message_sid=sid, role="stranger", body=None, outcome="ignored"))
        log.info("text from unknown sender %s to %s ignored", mask(sender), proxy_number)
        return "ignored"
    lease = leases[0]
    pending = choice.pending_for(fx, proxy_number, sender, leases)
    if len(leases) > 1 or pending is not None:
        picked = choice.pick(fx, proxy_number, sender, leases, pending, body, media)
        if isinstance(picked, str):
            fx.session.add(InboundMessage(message_sid=sid, role=role, body=body, outcome=picked))
            return picked
        lease, body, media = picked
    return _deliver(fx, lease, sid, sender, body, media)


def _deliver(fx: Effects, lease: ProxyLease, sid: str, sender: str, body: str, media: int) -> str:
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
