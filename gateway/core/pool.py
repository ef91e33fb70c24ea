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

Dispatches run side by side. Each locks only its own two parties (their PoolParty rows, in
phone order), so two dispatches wait for each other only when they share a resident or a crew:
then the second sees the first's lease and never hands her the same number twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.core.models import Case, PoolParty, ProxyLease

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
    parties = {"citizen": case.citizen_phone, "crew": case.crew_phone}
    phones = sorted({phone for phone in parties.values() if phone})
    _take_turns(session, phones)
    held: dict[str, Counter] = {}
    for phone, number in session.execute(
        select(ProxyLease.phone, ProxyLease.proxy_number).where(
            or_(ProxyLease.phone.in_(phones), ProxyLease.phone.in_(_BUSY_PEOPLE))
        )
    ):
        held.setdefault(phone, Counter())[number] += 1
    others = [set(has) for phone, has in held.items() if phone not in phones]
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
    case.short_code = _free_short_code(session, choice.number, case, phones)
    return choice


# Who holds BUSY numbers or more, from the index on pool_parties.leases (not by counting all leases).
_BUSY_PEOPLE = select(PoolParty.phone).where(PoolParty.leases >= BUSY)


def _take_turns(session: Session, phones: list[str]) -> None:
    """Lock these people's rows, in phone order, counting the lease each is about to get.

    One INSERT ... ON CONFLICT DO UPDATE: a new row is locked as it is inserted, an existing
    one as it is updated, and rows are taken in the order given, so two dispatches never hold
    each other's parties in opposite order. (SQLite already serialises writers.)"""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(PoolParty).values([{"phone": phone, "leases": 1} for phone in phones])
    session.execute(statement.on_conflict_do_update(index_elements=["phone"], set_={"leases": PoolParty.leases + 1}))


def _free_short_code(session: Session, number: str, case: Case, phones: list[str]) -> int:
    """The lowest code none of the parties' other cases on this number has: "which case?" tells
    one person's cases apart, and her cases' codes are chosen while her row is locked."""
    theirs = select(ProxyLease.case_pk).where(
        ProxyLease.proxy_number == number, ProxyLease.phone.in_(phones), ProxyLease.case_pk != case.id
    )
    used = set(session.scalars(select(Case.short_code).where(Case.id.in_(theirs))))
    code = FIRST_SHORT_CODE
    while code in used:
        code += 1
    return code


def release(session: Session, case: Case, role: str | None = None) -> None:
    query = delete(ProxyLease).where(ProxyLease.case_pk == case.id)
    if role:
        query = query.where(ProxyLease.role == role)
    released = Counter(session.scalars(query.returning(ProxyLease.phone)))
    if not released:
        return
    # Their rows in phone order, as allocate takes them; then fewer leases each, and a row
    # with none left goes (her number is kept no longer than she holds one of ours).
    phones = sorted(released)
    session.execute(
        select(PoolParty.phone).where(PoolParty.phone.in_(phones)).order_by(PoolParty.phone).with_for_update()
    )
    for phone in phones:
        session.execute(
            update(PoolParty).where(PoolParty.phone == phone).values(leases=PoolParty.leases - released[phone])
        )
    session.execute(delete(PoolParty).where(PoolParty.phone.in_(phones), PoolParty.leases <= 0))


def find_leases(session: Session, proxy_number: str, phone: str) -> list[ProxyLease]:
    """The leases this person holds on this number: one normally, several when it is shared."""
    return list(
        session.scalars(
            select(ProxyLease)
            .where(ProxyLease.proxy_number == proxy_number, ProxyLease.phone == phone)
            .order_by(ProxyLease.case_pk)
        )
    )
