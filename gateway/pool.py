"""The proxy-number pool: which masked number a citizen and a crew share for a case."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models import Case, ProxyLease


class PoolExhausted(Exception):
    pass


def allocate(session: Session, numbers: tuple[str, ...], case: Case, prefer: str | None = None) -> str:
    """Lease a number that neither party already shares with anyone else.

    Preference: the number the citizen had in the previous round (she knows it), then
    the least-used number, to spread the per-sender rate limit. Concurrent dispatches
    can race for the same number; the unique constraint decides, and the loser moves on.
    """
    parties = {"citizen": case.citizen_phone, "crew": case.crew_phone}
    taken = set(session.scalars(select(ProxyLease.proxy_number).where(ProxyLease.phone.in_(parties.values()))))
    in_use = select(ProxyLease.proxy_number, func.count()).group_by(ProxyLease.proxy_number)
    load = {number: count for number, count in session.execute(in_use)}
    candidates = sorted((n for n in numbers if n not in taken), key=lambda n: (n != prefer, load.get(n, 0), numbers.index(n)))
    for number in candidates:
        try:
            with session.begin_nested():
                session.add_all(
                    ProxyLease(proxy_number=number, phone=phone, role=role, case_pk=case.id)
                    for role, phone in parties.items()
                )
        except IntegrityError:
            continue
        return number
    raise PoolExhausted(f"all {len(numbers)} proxy numbers are in use by the citizen or the crew")


def release(session: Session, case: Case) -> None:
    session.execute(delete(ProxyLease).where(ProxyLease.case_pk == case.id))


def find_lease(session: Session, proxy_number: str, phone: str) -> ProxyLease | None:
    return session.scalar(
        select(ProxyLease).where(ProxyLease.proxy_number == proxy_number, ProxyLease.phone == phone)
    )
