"""The proxy-number pool: which masked number a citizen and a crew share for a case.

A person with k open cases needs k different numbers to tell them apart, so the pool
needs at least as many numbers as the busiest participant has open cases. We aim at that
bound by keeping free what busy people will need: among the numbers free for both
parties we take the one that the fewest busy participants (a frequent reporter, a crew
with a full day) still lack, weighted by how few numbers each has left. First-fit and
least-used assignment leave a frequent reporter's last free number in some crew's hands;
bench/pool_size.py measures the difference. When no number is free for both, the pair
shares one and whoever then texts or calls it is asked which case she means. A
dispatch is never refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from gateway.core.models import Case, ProxyLease

FIRST_SHORT_CODE = 100  # three digits: easy to key in, and never mistaken for an IVR menu choice
BUSY = 3  # open cases from which a participant's remaining numbers are worth keeping free


@dataclass(frozen=True)
class Choice:
    number: str
    shared: bool


def choose(
    numbers: Sequence[str],
    citizen_has: Counter,
    crew_has: Counter,
    prefer: str | None = None,
    needed: Mapping[str, float] | None = None,
) -> Choice:
    """Pick a number for a new case. `*_has` count each party's open cases per number;
    `needed` is how much busy others still need each number (see `needed_by`).

    Pure, so the pool-size simulation (bench/pool_size.py) runs exactly this rule.
    """
    free = [n for n in numbers if not citizen_has[n] and not crew_has[n]]
    if free:
        if prefer in free:
            return Choice(prefer, shared=False)
        needed = needed or {}
        return Choice(min(free, key=lambda n: needed.get(n, 0.0)), shared=False)
    # Share on the crew's side if at all possible: a crew asked "which case?" copes better
    # than a resident, and her number then still names exactly one case.
    for_citizen = [n for n in numbers if not citizen_has[n]] or list(numbers)
    number = min(for_citizen, key=lambda n: (citizen_has[n] + crew_has[n], numbers.index(n)))
    return Choice(number, shared=True)


def needed_by(numbers: Sequence[str], holdings: Iterable[set[str]]) -> dict[str, float]:
    """For each number, how badly busy participants who lack it need it: a person with
    only two numbers left counts 1/2 for each of them, one with ten left 1/10."""
    needed = dict.fromkeys(numbers, 0.0)
    for held in holdings:
        left = [n for n in numbers if n not in held]
        for number in left:
            needed[number] += 1.0 / len(left)
    return needed


def allocate(session: Session, numbers: tuple[str, ...], case: Case, prefer: str | None = None) -> Choice:
    """Lease a number to the case's citizen and crew, and give the case its short code."""
    _lock_pool(session)
    parties = {"citizen": case.citizen_phone, "crew": case.crew_phone}
    busy = select(ProxyLease.phone).group_by(ProxyLease.phone).having(func.count() >= BUSY)
    held: dict[str, Counter] = {}
    for phone, number in session.execute(
        select(ProxyLease.phone, ProxyLease.proxy_number).where(
            or_(ProxyLease.phone.in_(parties.values()), ProxyLease.phone.in_(busy))
        )
    ):
        held.setdefault(phone, Counter())[number] += 1
    others = [set(has) for phone, has in held.items() if phone not in parties.values()]
    choice = choose(
        numbers,
        held.get(case.citizen_phone or "", Counter()),
        held.get(case.crew_phone or "", Counter()),
        prefer,
        needed_by(numbers, others),
    )
    session.add_all(
        ProxyLease(proxy_number=choice.number, phone=phone, role=role, case_pk=case.id)
        for role, phone in parties.items()
    )
    case.short_code = _free_short_code(session, choice.number, case)
    return choice


def _lock_pool(session: Session) -> None:
    # Two dispatches choosing at once could both take the one free number. SQLite already
    # serialises writers (BEGIN IMMEDIATE); PostgreSQL takes a lock held until commit.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('korte_lijn_proxy_pool'))"))


def _free_short_code(session: Session, number: str, case: Case) -> int:
    on_number = select(ProxyLease.case_pk).where(ProxyLease.proxy_number == number, ProxyLease.case_pk != case.id)
    used = set(session.scalars(select(Case.short_code).where(Case.id.in_(on_number))))
    code = FIRST_SHORT_CODE
    while code in used:
        code += 1
    return code


def release(session: Session, case: Case, role: str | None = None) -> None:
    query = delete(ProxyLease).where(ProxyLease.case_pk == case.id)
    if role:
        query = query.where(ProxyLease.role == role)
    session.execute(query)


def find_leases(session: Session, proxy_number: str, phone: str) -> list[ProxyLease]:
    """The leases this person holds on this number: one normally, several when it is shared."""
    return list(
        session.scalars(
            select(ProxyLease)
            .where(ProxyLease.proxy_number == proxy_number, ProxyLease.phone == phone)
            .order_by(ProxyLease.case_pk)
        )
    )
