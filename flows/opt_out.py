"""STOP and START: a person may refuse our texts at any time, and take that back.

STOP (or Twilio refusing a send with 21610) withdraws every unsent text to the number,
reminders included, and no text goes to it again until START or UNSTOP. Calls to a
landline are not texts and still go. The case system hears of it for each open case.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update

from gateway.core import counters
from gateway.core.effects import Effects
from gateway.core.models import Case, OptOut, OutboxMessage, ProxyLease
from gateway.core.phones import mask

log = logging.getLogger(__name__)


def stop(fx: Effects, phone: str, source: str) -> str:
    if fx.session.get(OptOut, phone) is None:
        fx.session.add(OptOut(phone=phone, source=source, at=fx.now))
        fx.session.flush()
    withdrawn = fx.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.to_number == phone, OutboxMessage.channel == "sms", OutboxMessage.status == "pending")
        .values(status="cancelled", last_error=f"opted out ({source})")
        .returning(OutboxMessage.case_pk, OutboxMessage.recipient)
    ).all()
    for _, recipient in withdrawn:
        counters.count_message(fx.session, "sms", recipient, "withdrawn")
    for case, role in _open_cases(fx, phone):
        count = sum(1 for case_pk, _ in withdrawn if case_pk == case.id)
        fx.record(
            case,
            "opted_out",
            f"{role} {mask(phone)} opted out ({source}); {count} unsent text(s) withdrawn",
            role=role,
            source=source,
        )
        fx.callback(case, f"{role}.opted_out", source=source)
    log.info("%s opted out of texts (%s)", mask(phone), source)
    return "opted_out"


def start(fx: Effects, phone: str, source: str) -> str:
    found = fx.session.get(OptOut, phone)
    if found is not None:
        fx.session.delete(found)
        for case, role in _open_cases(fx, phone):
            fx.record(case, "opted_in", f"{role} {mask(phone)} opted in again ({source})", role=role)
            fx.callback(case, f"{role}.opted_in", source=source)
        log.info("%s opted in to texts again (%s)", mask(phone), source)
    return "opted_in"


def _open_cases(fx: Effects, phone: str) -> list[tuple[Case, str]]:
    leases = fx.session.execute(
        select(Case, ProxyLease.role)
        .join(ProxyLease, ProxyLease.case_pk == Case.id)
        .where(ProxyLease.phone == phone)
        .order_by(Case.id)
    ).all()
    return [(case, role) for case, role in leases]
