"""Where an inbound text goes: opt-out, relay, confirmation, a "which case?", or nowhere.

Nowhere also for what no person wrote: a text from one of our own proxy numbers, a phone's
automatic reply (flows/replies.automatic_reply), our own text echoed back, or the same text again
within a day. Answering any of these is how two machines end up texting each other for days.
"""

from __future__ import annotations

import logging

from flows import choice, confirmation, opt_out, relay
from flows.replies import among, automatic_reply, carrier_keyword, keyword_form
from gateway.core.conversation import WINDOW
from gateway.core.effects import Effects
from gateway.core.models import Case, InboundMessage, ProxyLease
from gateway.core.names import CallbackType, CaseState
from gateway.core.phones import mask

log = logging.getLogger(__name__)

# Within this time the same words again are not read again, nor our own text sent back.
REPEAT_WINDOW = WINDOW  # the day of texts each case's conversation holds (gateway/core/conversation.py)


def receive_text(
    fx: Effects, *, proxy_number: str, sender: str, sid: str, body: str, media: int, retry: bool = False
) -> str:
    """Handle one text. Returns the outcome, also stored with the message.

    A text Twilio delivers twice is caught by the unique MessageSid: its first try fails at
    commit, and the second (`retry`, gateway/http/twilio_hooks.py) finds it here. A text
    that comes once, nearly all of them, so costs no statement for the check."""
    if retry and fx.seen(sid):
        return "duplicate"
    own_number = sender in fx.config.proxy_numbers
    keyword = carrier_keyword(body) if sender else None
    # The common path (an answer, a text to pass on) locks her cases in the same statement;
    # STOP and our own numbers lock theirs in their own way.
    leases = fx.leases(proxy_number, sender, lock=not own_number and not keyword)
    role = leases[0].role if leases else "stranger"
    if own_number:
        return _from_own_number(fx, sender, proxy_number, sid, role, leases)
    if keyword:
        return carrier_keyword_from(fx, sender, sid, body, keyword, role)
    if not leases:
        # Keep nothing of a stranger's text but the fact it came: it is not ours to store.
        fx.note_inbound(InboundMessage(message_sid=sid, role="stranger", body=None, outcome="ignored"))
        log.info("text from unknown sender %s to %s ignored", mask(sender), proxy_number)
        return "ignored"
    return read(fx, proxy_number, sender, sid, body, media, leases)


def carrier_keyword_from(
    fx: Effects, sender: str, sid: str, body: str, keyword: str, role: str, channel: str = "text"
) -> str:
    """STOP or START (`keyword`: opt_out, opt_in) from `sender`, by text or on WhatsApp. Anyone may
    refuse our texts, a stranger too; it is a keyword, never an answer."""
    word = keyword_form(body).upper()
    outcome = opt_out.stop(fx, sender, word) if keyword == "opt_out" else opt_out.start(fx, sender, word)
    fx.count("korte_lijn_replies", interpretation=keyword, channel=channel)
    fx.note_inbound(InboundMessage(message_sid=sid, role=role, body=None, outcome=outcome))
    return outcome


def read(
    fx: Effects,
    number: str,
    sender: str,
    sid: str,
    body: str,
    media: int,
    leases: list[ProxyLease],
    channel: str = "sms",
) -> str:
    """A person's words to `number` (a proxy number, or our WhatsApp sender) about her `leases`' cases."""
    kind = automatic_reply(body)
    if kind:
        return _automatic(fx, leases, sid, sender, body, kind)
    lease = leases[0]
    pending = choice.pending_for(fx, number, sender, leases)
    if len(leases) > 1 or pending is not None:
        picked = choice.pick(fx, number, sender, leases, pending, body, media)
        if isinstance(picked, str):
            fx.note_inbound(InboundMessage(message_sid=sid, role=lease.role, body=body, outcome=picked))
            return picked
        lease, body, media = picked
    return _deliver(fx, lease, sid, sender, body, media, channel)


def _deliver(fx: Effects, lease: ProxyLease, sid: str, sender: str, body: str, media: int, channel: str) -> str:
    case = fx.case_of(lease, lock=True)
    ignored = _not_read(fx, case, lease.role, body) if body.strip() else None
    if ignored:
        fx.count("korte_lijn_texts_ignored", reason=ignored)
        fx.note_inbound(InboundMessage(message_sid=sid, case_pk=case.id, role=lease.role, body=body, outcome=ignored))
        fx.record(
            case,
            "text.ignored",
            f"text from {lease.role} {mask(sender)} not read: {ignored}",
            body=body,
            outcome=ignored,
        )
        return ignored
    if lease.role == "crew":
        outcome = relay.crew_text(fx, case, body, media)
    elif case.status == CaseState.DISPATCHED:
        outcome = relay.citizen_text(fx, case, body, media)
    else:
        outcome = confirmation.answer(fx, case, body, media, channel=channel)
    fx.note_inbound(InboundMessage(message_sid=sid, case_pk=case.id, role=lease.role, body=body, outcome=outcome))
    fx.record(
        case,
        "text.received",
        f"text from {lease.role} {mask(sender)}: {outcome}",
        body=body,
        media=media,
        outcome=outcome,
    )
    return outcome


def _from_own_number(fx: Effects, sender: str, proxy_number: str, sid: str, role: str, leases: list[ProxyLease]) -> str:
    """One of our proxy numbers texting another: never a person, never answered."""
    fx.note_inbound(InboundMessage(message_sid=sid, role=role, body=None, outcome="own_number"))
    fx.count("korte_lijn_texts_ignored", reason="own_number")
    for case in fx.lock_cases(lease.case_pk for lease in leases).values():
        fx.record(
            case,
            "text.ignored",
            f"text from our own number {mask(sender)} to {proxy_number} not read",
            outcome="own_number",
        )
    log.warning("text from our own number %s to %s ignored", mask(sender), proxy_number)
    return "own_number"


def _automatic(fx: Effects, leases: list[ProxyLease], sid: str, sender: str, body: str, kind: str) -> str:
    """Her phone answered by itself. The case system hears of the first one per case (she may be
    away), as her message; nothing is answered, relayed or read as a yes or no."""
    fx.count("korte_lijn_replies", interpretation="auto_reply", channel="text")
    cases = fx.lock_cases(lease.case_pk for lease in leases)
    for lease in leases:
        case = cases[lease.case_pk]
        first = lease.role == "citizen" and len(leases) == 1 and not fx.had_auto_reply(case)
        if first:
            fx.callback(case, CallbackType.CITIZEN_MESSAGE, text=body, media=0)
        fx.record(
            case,
            "text.auto_reply",
            f"automatic reply ({kind}) from {lease.role} {mask(sender)}: not an "
            "answer" + ("; passed on once" if first else ""),
            body=body,
            auto_reply=kind,
        )
    case_pk = leases[0].case_pk if len(leases) == 1 else None
    fx.note_inbound(
        InboundMessage(message_sid=sid, case_pk=case_pk, role=leases[0].role, body=body, outcome="auto_reply")
    )
    return "auto_reply"


def _not_read(fx: Effects, case: Case, role: str, body: str) -> str | None:
    """'echo' for our own text sent back, 'repeated' for words of the last day passed on already."""
    since = fx.now - REPEAT_WINDOW
    if among(body, fx.texted_since(case, role, since)):
        return "echo"
    # Only what was passed on in the same stage counts: "ja" to the crew's "are you home?" is
    # still read as her answer to "is it fixed?" later.
    passed_on = ("relayed",) if case.status == CaseState.DISPATCHED else ("message", "detail")
    if among(body, fx.passed_on_since(case, role, since, passed_on)):
        return "repeated"
    return None
