"""A cap on the texts we send by ourselves to one person about one case.

A re-ask, a thank-you, "forwarded", "which case?" each answer something she sent. A phone
that answers by itself (or a second gateway) would keep that going for days, at our cost
and hers. So at most AUTO_REPLY_LIMIT of them go to one person for one case in 24 hours;
past it we stay silent, and the case system hears once a day per case that a person
should take over (`conversation.limited`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from gateway.core import counters
from gateway.core.models import Case, OutboxMessage
from gateway.core.phones import mask

if TYPE_CHECKING:
    from gateway.core.effects import Effects

# The texts that only answer her; the notices, the question and the crew's own words are not capped here.
AUTOMATIC_PURPOSES = frozenset(
    {
        "reask",
        "forwarded",
        "thanks_yes",
        "thanks_no",
        "which_case",
        "relay_closed",
        "relay_opted_out",
    }
)
LIMITED = "conversation.limited"
WINDOW = timedelta(days=1)


def allows(fx: Effects, case: Case, recipient: str, purpose: str) -> bool:
    """May this automatic text go? When not, note it, count it, and tell the case system once a day."""
    if purpose not in AUTOMATIC_PURPOSES:
        return True
    since = fx.now - WINDOW
    sent = fx.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.case_pk == case.id,
            OutboxMessage.recipient == recipient,
            OutboxMessage.purpose.in_(AUTOMATIC_PURPOSES),
            OutboxMessage.created_at >= since,
        )
    )
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
    counters.count(fx.session, "korte_lijn_automatic_texts_limited", purpose=purpose)
    told = fx.session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.case_pk == case.id,
            OutboxMessage.channel == "callback",
            OutboxMessage.purpose == LIMITED,
            OutboxMessage.created_at >= since,
        )
        .limit(1)
    )
    if told is None:
        fx.callback(
            case,
            "conversation.limited",
            recipient=recipient,
            limit=limit,
            reason=f"{limit} automatic texts to the {recipient} in 24 hours; we stay silent until a "
            "person takes over (she may have an automatic reply on)",
        )
    return False
