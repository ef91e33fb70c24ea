"""STOP and START: a person may refuse our texts at any time, and take that back.

STOP (or Twilio refusing a send with 21610) withdraws every unsent text to the number,
reminders included, and no text goes to it again until START or UNSTOP. Calls to a
landline are not texts and still go. The case system hears of it for each open case.
"""

from __future__ import annotations

import logging

from gateway.core.effects import Effects
from gateway.core.names import CallbackType
from gateway.core.phones import mask

log = logging.getLogger(__name__)

OPTED_OUT = {"citizen": CallbackType.CITIZEN_OPTED_OUT, "crew": CallbackType.CREW_OPTED_OUT}
OPTED_IN = {"citizen": CallbackType.CITIZEN_OPTED_IN, "crew": CallbackType.CREW_OPTED_IN}


def stop(fx: Effects, phone: str, source: str) -> str:
    withdrawn = fx.opt_out(phone, source)
    for case, role in fx.lock_cases_of(phone):
        count = withdrawn.get(case.id, 0)
        fx.record(
            case,
            "opted_out",
            f"{role} {mask(phone)} opted out ({source}); {count} unsent text(s) withdrawn",
            role=role,
            source=source,
        )
        fx.callback(case, OPTED_OUT[role], source=source)
    log.info("%s opted out of texts (%s)", mask(phone), source)
    return "opted_out"


def start(fx: Effects, phone: str, source: str) -> str:
    if fx.opt_in(phone):
        for case, role in fx.lock_cases_of(phone):
            fx.record(case, "opted_in", f"{role} {mask(phone)} opted in again ({source})", role=role)
            fx.callback(case, OPTED_IN[role], source=source)
        log.info("%s opted in to texts again (%s)", mask(phone), source)
    return "opted_in"
