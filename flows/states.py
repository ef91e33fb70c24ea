"""The case's states and the transitions allowed between them.

dispatched -> completed -> awaiting_confirmation -> confirmed | reopened | unanswered
A NO within REOPEN_WINDOW of completion reopens the case, asked or not, confirmed or not; a YES on the
phone before the question went out confirms it; a new case.dispatched
starts a new round from any state but cancelled, which is final.
"""

from __future__ import annotations

from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.names import CaseState

ALLOWED = {
    CaseState.NEW: {CaseState.DISPATCHED},
    CaseState.DISPATCHED: {CaseState.DISPATCHED, CaseState.COMPLETED, CaseState.CANCELLED},
    CaseState.COMPLETED: {
        CaseState.DISPATCHED,
        CaseState.AWAITING_CONFIRMATION,
        CaseState.CONFIRMED,
        CaseState.REOPENED,
        CaseState.CANCELLED,
    },
    CaseState.AWAITING_CONFIRMATION: {
        CaseState.DISPATCHED,
        CaseState.CONFIRMED,
        CaseState.REOPENED,
        CaseState.UNANSWERED,
        CaseState.CANCELLED,
    },
    CaseState.CONFIRMED: {CaseState.DISPATCHED, CaseState.REOPENED, CaseState.CANCELLED},
    CaseState.UNANSWERED: {CaseState.DISPATCHED, CaseState.CONFIRMED, CaseState.REOPENED, CaseState.CANCELLED},
    CaseState.REOPENED: {CaseState.DISPATCHED, CaseState.CANCELLED},
    "cancelled": set(),
}


class ImpossibleTransition(Exception):
    def __init__(self, case_id: str, old: str, new: str):
        super().__init__(f"case {case_id} is {old}; it cannot become {new}")
        self.old, self.new = old, new


def check(case: Case | None, case_id: str, new: str) -> None:
    old = case.status if case else CaseState.NEW
    if new not in ALLOWED[old]:
        raise ImpossibleTransition(case_id, old, new)


def transition(fx: Effects, case: Case, new: str, reason: str) -> None:
    old = case.status
    check(case, case.case_id, new)
    case.status = new
    fx.count("korte_lijn_case_transitions", to=new, crew=fx.crew_label(case))
    fx.record(case, "status", f"{old} -> {new}: {reason}", old=old, new=new, reason=reason)
