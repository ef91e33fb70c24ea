"""A masked call at the moment of dialling: the destination rule and the daily limit, as for a text.

A call to a proxy number is connected to the other party of the case (flows/ivr.py).
That number passed the rule when the case came in, but the settings may have tightened
since (ALLOWED_REGIONS narrowed, the number added to PROXY_NUMBERS), and a connected call
costs per minute like one we place. So the number is checked again with the settings the
web process runs with now, and the dial counts toward RECIPIENT_DAILY_LIMIT in the same
store and under the same per-number lock as the outbox's texts and calls
(gateway/core/recipients.py).

A dial counts when it is placed, not when it is answered: only a status callback would
tell us it was answered, and an unanswered dial still rang the phone. The bound errs
high for the number dialled, which is the safe side. The dial is a row in the outbox,
born `sent` with `sent_at` set, so the limit's count sees it; the worker claims only
pending rows and /metrics' pending gauges count only those, so it is never sent again.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from gateway.core import counters
from gateway.core.effects import Effects
from gateway.core.models import Case, OutboxMessage, TimelineEntry
from gateway.core.names import CallbackType, Channel
from gateway.core.recipients import Refused, count_today, destination_refused, over_limit

log = logging.getLogger(__name__)

PURPOSE = "masked_call"
REFUSED_KIND = "dial.refused"


def admit(fx: Effects, case: Case, recipient: str, number: str) -> Refused | None:
    """Record a dial to the case's `recipient` at `number`, or say why it may not be placed.

    The caller holds the case's lock; the number's lock comes second, as in the outbox.
    """
    refused = destination_refused(number, fx.config)
    if refused:
        return refused
    sent = count_today(fx.session, number, fx.session.get_bind().dialect.name == "postgresql")
    if sent >= fx.config.recipient_daily_limit:
        return over_limit(number, sent)
    row = OutboxMessage(
        case_pk=case.id,
        channel=Channel.CALL,
        purpose=PURPOSE,
        recipient=recipient,
        to_number=number,
        from_number=case.proxy_number,
        status="sent",
        due_at=fx.now,
        sent_at=fx.now,
    )
    fx.session.add(row)
    fx.session.flush()
    return None


def refuse(fx: Effects, case: Case, caller_role: str, recipient: str, refused: Refused) -> None:
    """Note the unconnected call, count it, and tell the case system once per case: a caller
    trying again and again must not flood it with the same news."""
    told = fx.session.scalar(
        select(TimelineEntry.id).where(TimelineEntry.case_pk == case.id, TimelineEntry.kind == REFUSED_KIND).limit(1)
    )
    fx.record(
        case,
        REFUSED_KIND,
        f"call from {caller_role} not connected to {recipient}: {refused.reason}",
        outcome=refused.outcome,
        recipient=recipient,
    )
    counters.count_message(fx.session, "call", recipient, refused.outcome)
    if told is None:
        fx.callback(
            case,
            CallbackType.MESSAGE_UNDELIVERABLE,
            recipient=recipient,
            purpose=PURPOSE,
            channel=Channel.CALL,
            error_code=None,
            reason=refused.reason,
        )
    if refused.outcome == "over_limit":
        counters.count(fx.session, "korte_lijn_recipient_limit_hits", recipient=recipient)
        log.critical(
            "RECIPIENT_DAILY_LIMIT reached: call from %s on case %s not connected to %s, %s. "
            "A loop or abuse? See the case's timeline.",
            caller_role,
            case.case_id,
            recipient,
            refused.reason,
        )
    else:
        log.error(
            "call from %s on case %s not connected to %s: %s", caller_role, case.case_id, recipient, refused.reason
        )
