"""What the proxy pool holds right now: for `flask --app app pool list` and `pool check`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.core.models import ProxyLease
from gateway.core.pool import BUSY


@dataclass
class NumberUsage:
    number: str
    configured: bool  # False: open cases still hold a number no longer in PROXY_NUMBERS
    leases: int = 0
    cases: set[int] = field(default_factory=set)
    holders: dict[str, int] = field(default_factory=dict)  # phone -> open cases on this number

    @property
    def shared_by(self) -> list[str]:
        """People who hold this number for more than one case: they are asked which one they mean."""
        return sorted(phone for phone, count in self.holders.items() if count > 1)


@dataclass
class PoolUsage:
    numbers: list[NumberUsage]
    open_cases: dict[str, int]  # phone -> open cases, over the whole pool

    def busy(self, usage: NumberUsage) -> list[str]:
        """Holders of this number with BUSY or more open cases: the people the pool keeps numbers free for."""
        return sorted(phone for phone in usage.holders if self.open_cases[phone] >= BUSY)

    def busiest(self) -> tuple[str, int] | None:
        return max(self.open_cases.items(), key=lambda item: item[1], default=None)


def pool_usage(session: Session, configured: tuple[str, ...]) -> PoolUsage:
    by_number = {number: NumberUsage(number, configured=True) for number in configured}
    cases_of: dict[str, set[int]] = defaultdict(set)
    for number, phone, case_pk in session.execute(
        select(ProxyLease.proxy_number, ProxyLease.phone, ProxyLease.case_pk).order_by(ProxyLease.id)
    ):
        usage = by_number.setdefault(number, NumberUsage(number, configured=False))
        usage.leases += 1
        usage.cases.add(case_pk)
        usage.holders[phone] = usage.holders.get(phone, 0) + 1
        cases_of[phone].add(case_pk)
    return PoolUsage(list(by_number.values()), {phone: len(cases) for phone, cases in cases_of.items()})
