"""A cap on the texts we send by ourselves to one person about one case.

A re-ask, a thank-you, "forwarded", "which case?" each answer something she sent. A phone
that answers by itself (or a second gateway) would keep that going for days, at our cost
and hers. So at most AUTO_REPLY_LIMIT of them go to one person for one case in 24 hours;
past it we stay silent, and the case system hears once a day per case that a person
should take over (`conversation.limited`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flows.purposes import AUTOMATIC, FlowPurpose
from gateway.core.effects import Effects
from gateway.core.models import Case, OutboxMessage
from gateway.core.names import CallbackType, Channel, Recipient
from gateway.core.phones import mask

LIMITED = CallbackType.CONVERSATION_LIMITED
WINDOW = timedelta(days=1)


def text(
    fx: Effects,
    case: Case,
    recipient: str,
    purpose: FlowPurpose,
    body: str,
    *,
    replaces: OutboxMessage | None = None,
    due: datetime | None = None,
    template: dict[str, object] | None = None,
) -> OutboxMessage | None:
    """Every text a flow sends goes through here: an automatic one past the cap is not sent.

    A resident on WhatsApp gets it there: as free text, or as the approved `template`
    (flows/whatsapp_templates.py chooses)."""
    if purpose.automatic and not allows(fx, case, recipient, purpose.name):
        return None
    channel = Channel.WHATSAPP if recipient == Recipient.CITIZEN and case.citizen_channel == "whatsapp" else Channel.SMS
    return fx.text(case, recipient, purpose, body, replaces=replaces, due=due, channel=channel, template=template)


def allows(fx: Effects, case: Case, recipient: str, purpose: str) -> bool:
    """May this automatic text go? When not, note it, count it, and tell the case system once a day."""
    if purpose not in AUTOMATIC:
        return True
    since = fx.now - WINDOW
    sent = fx.queued_since([case.id], recipient, AUTOMATIC, since)
    limit = fx.config.auto_reply_limit
    if sent < limit:
        return True
    to = case.citizen_phone if recipient == "citizen" else case.crew_phone
    fx.record(
        case,
        "text.limited",
        f"{purpose} text to {recipient} {mask(to)} not sent: {limit} automatic texts in 24 hours (AUTO_REPLY_LIMIT)",
        purpose=purpose,
        recipient=recipient,
    )
    fx.count("korte_lijn_automatic_texts_limited", purpose=purpose)
    if not fx.queued_since([case.id], Recipient.CASE_SYSTEM, (LIMITED,), since):
        fx.callback(
            case,
            LIMITED,
            recipient=recipient,
            limit=limit,
            reason=f"{limit} automatic texts to the {recipient} in 24 hours; we stay silent until a "
            "person takes over (she may have an automatic reply on)",
        )
    return False
