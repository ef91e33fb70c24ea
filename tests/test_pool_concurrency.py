"""Dispatches side by side: no lock every dispatch takes, and still no number twice to one person.

The pool (gateway/core/pool.py) gives a case the number that is free for both its resident
and its crew. Two dispatches for the same person at once could both see the same number free
and both take it: she would hold it twice, and be asked "which case?" for nothing. Each dispatch
therefore locks its two parties' rows (pool_parties) and nothing else, so dispatches for
different people never wait for each other.

Row locks are PostgreSQL's (SQLite has one writer at a time, and nothing runs side by side):
the first two tests run there only.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from gateway.core.models import Case, PoolParty, ProxyLease
from tests.conftest import PROXY_NUMBERS, Persona
from tests.row_locks import ON_POSTGRES_ONLY, in_background, someone_waits_for_a_lock, wait_until

KEES = Persona("Kees Smit", "+31622223333", "06 22223333")
PIET = Persona("Piet Jansen", "+31633334444", "06 33334444")
MARIJE = Persona("Marije Bos", "+31644445555", "06 44445555")
KEES_CREW = Persona("Ploeg Oost", "+31655556666", "06 55556666")


@ON_POSTGRES_ONLY
def test_a_dispatch_for_other_people_does_not_wait_for_one_in_progress(case_api, flow):
    """A dispatch for Marije and her crew is in progress (it holds their rows, as a dispatch
    does until it commits). One for Kees and Piet goes through at once; one for Marije waits."""
    flow.execute("SET lock_timeout = 0")
    for phone in sorted((MARIJE.phone, PIET.phone)):
        flow.execute(
            "INSERT INTO pool_parties (phone, leases) VALUES (%s, 1) "
            "ON CONFLICT (phone) DO UPDATE SET leases = pool_parties.leases + 1",
            (phone,),
        )

    others, result = in_background(lambda: case_api.dispatch("MOR-1", citizen=KEES, crew=KEES_CREW))
    others.join(10)
    assert not others.is_alive(), "a dispatch for other people waited for one in progress"
    assert result["value"].status_code == 202

    hers, waited = in_background(lambda: case_api.dispatch("MOR-2", citizen=MARIJE, crew=KEES_CREW))
    wait_until(lambda: someone_waits_for_a_lock(flow))
    assert hers.is_alive()
    flow.rollback()
    hers.join(10)
    assert waited["value"].status_code == 202


def resident(i: int) -> Persona:
    return Persona(f"Bewoner {i}", f"+316100{i:05d}", f"06 100{i:05d}")


def crew(i: int) -> Persona:
    return Persona(f"Ploeg {i}", f"+316200{i:05d}", f"06 200{i:05d}")


@pytest.fixture
def settings(settings):
    # Twelve numbers, and no one with more than eleven cases: a number free for both parties
    # always exists, so no case ever needs to share one, however the dispatches interleave.
    settings["PROXY_NUMBERS"] = ",".join([*PROXY_NUMBERS, *(f"+319701000{n:04d}" for n in range(10, 19))])
    return settings


@ON_POSTGRES_ONLY
def test_many_dispatches_at_once_for_overlapping_people_never_give_anyone_a_number_twice(case_api, runtime):
    # Four crews with ten jobs each, for twenty residents with two cases each (with two crews),
    # sent eight at a time: each crew has dispatches in flight together all along.
    jobs = [(r, crew_of) for r in range(20) for crew_of in (r % 4, (r + 1) % 4)]

    def dispatch(job: tuple[int, int]) -> int:
        r, c = job
        return case_api.dispatch(f"MOR-{r}-{c}", citizen=resident(r), crew=crew(c)).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(dispatch, jobs))
    assert statuses == [202] * len(jobs)

    with runtime.db.transaction() as session:
        leases = session.execute(select(ProxyLease.phone, ProxyLease.proxy_number, ProxyLease.case_pk)).all()
        parties = {party.phone: party.leases for party in session.scalars(select(PoolParty))}
        codes = dict(session.execute(select(Case.id, Case.short_code)).all())
    assert len(leases) == 2 * len(jobs)
    twice = [pair for pair, n in Counter((phone, number) for phone, number, _ in leases).items() if n > 1]
    assert twice == [], "a person holds the same number for two cases"
    assert parties == Counter(phone for phone, _, _ in leases)  # the busy-people index counts right
    # Each person's cases on one number (none here, but the rule) have different short codes.
    per_number = Counter((phone, number, codes[case_pk]) for phone, number, case_pk in leases)
    assert max(per_number.values()) == 1


def test_a_released_number_leaves_no_row_behind(case_api, runtime):
    case_api.dispatch("MOR-1", citizen=KEES, crew=PIET)
    case_api.dispatch("MOR-2", citizen=MARIJE, crew=PIET)
    case_api.cancel("MOR-1")
    with runtime.db.transaction() as session:
        parties = {party.phone: party.leases for party in session.scalars(select(PoolParty))}
    assert parties == {MARIJE.phone: 1, PIET.phone: 1}  # Kees holds nothing: his number is not kept
