"""A resident's WhatsApp message to our one WhatsApp sender: a tapped button, a keyword, or words.

WhatsApp has one business number for every case, so her cases are found by her number: the
open cases in which she is the resident on WhatsApp. Her words then go the way a text to her
proxy number goes (flows/inbound.py): to the crew of her open case, by text from the proxy
number; as her answer after the job; and with several open cases, the "which case?" question.
A tapped JA or NEE button is her answer as such, to the question it came with: it confirms or
reopens without the reply reader. STOP opts her number out of WhatsApp and texts alike.
Every message opens her 24-hour window, in which free text may go to her.
"""

from __future__ import annotations

import logging

from flows import confirmation, inbound
from flows.replies import Reading, carrier_keyword
from flows.whatsapp_templates import BUTTON_PAYLOADS
from gateway.core.effects import Effects
from gateway.core.models import InboundMessage, ProxyLease
from gateway.core.names import CaseState
from gateway.core.phones import mask

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
# A tapped button answers the question of the case it came with, while that question can be answered.
ANSWERABLE = (CaseState.COMPLETED, CaseState.AWAITING_CONFIRMATION, CaseState.CONFIRMED, CaseState.UNANSWERED)


def receive(
    fx: Effects,
    *,
    sender: str,
    sid: str,
    body: str,
    media: int,
    button: str | None = None,
    replied_to: str | None = None,
    retry: bool = False,
) -> str:
    """Handle one WhatsApp message; returns the outcome, also stored with the message.

    `button` is the tapped button's payload, `replied_to` the sid of our message it belongs to."""
    if retry and fx.seen(sid):
        return "duplicate"
    fx.note_whatsapp_window(sender)
    keyword = carrier_keyword(body) if not button else None
    if keyword:
        return inbound.carrier_keyword_from(fx, sender, sid, body, keyword, "citizen", channel=CHANNEL)
    leases = fx.whatsapp_leases(sender)
    if not leases:
        # Keep nothing of a stranger's message but the fact it came: it is not ours to store.
        fx.note_inbound(InboundMessage(message_sid=sid, role="stranger", body=None, outcome="ignored"))
        log.info("WhatsApp message from %s without an open case ignored", mask(sender))
        return "ignored"
    if button:
        tapped = _tapped(fx, leases, sid, button, body, replied_to)
        if tapped is not None:
            return tapped
    return inbound.read(fx, _choice_key(fx), sender, sid, body, media, leases, channel=CHANNEL)


def _tapped(
    fx: Effects, leases: list[ProxyLease], sid: str, button: str, text: str, replied_to: str | None
) -> str | None:
    """JA or NEE on the question's buttons. None: not one of ours, or no question it can answer
    (her words, the button's title, are then read like any message)."""
    verdict = BUTTON_PAYLOADS.get(button.strip().lower())
    if verdict is None:
        return None
    cases = fx.lock_cases(lease.case_pk for lease in leases)
    asked = fx.case_asked_by(replied_to, list(cases)) if replied_to else None
    answerable = [case for case in cases.values() if case.status in ANSWERABLE]
    case = cases.get(asked) if asked is not None else (answerable[0] if len(answerable) == 1 else None)
    if case is None or case.status not in ANSWERABLE:
        return None
    reply = text or button
    reading = Reading(verdict, f"tapped the {reply} button")
    outcome = confirmation.answer(fx, case, reply, reading=reading, channel=CHANNEL)
    fx.note_inbound(InboundMessage(message_sid=sid, case_pk=case.id, role="citizen", body=reply, outcome=outcome))
    fx.record(
        case,
        "text.received",
        f"WhatsApp button {reply!r} from citizen {mask(case.citizen_phone)}: {outcome}",
        body=reply,
        media=0,
        outcome=outcome,
    )
    return outcome


def _choice_key(fx: Effects) -> str:
    """A "which case?" on WhatsApp is kept under our sender, as one on a shared proxy number under that."""
    return fx.config.whatsapp_sender or ""
