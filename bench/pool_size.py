"""How many proxy numbers does a municipality need? A seeded simulation of the pool.

A person with k open cases needs k different numbers, so no pool can be smaller than the
largest number of leases any one participant holds at once (the *lower bound*). This
script measures how close each way of choosing a number gets to that bound, by replaying
one fixed sequence of dispatches and lease releases against pools of different sizes.

Run from the project root:  .venv/bin/python bench/pool_size.py [--seed S] [--days D] [--jobs 50,200,1000]

The model (all times in hours from Monday 00:00 of the first week)
------------------------------------------------------------------
* Days: DAYS (28) consecutive days. A weekday has N jobs; a Saturday or Sunday has
  round(WEEKEND_SHARE * N) (20%).
* Crews: round(N / JOBS_PER_CREW) crews (one per 8 jobs a day). On a weekday all are on
  duty; on a weekend day only as many as one per 8 of that day's jobs, drawn at random.
  Each day's jobs, in dispatch order, are dealt out to the crews on duty in turn (crew
  order shuffled daily), so every crew gets about 8 jobs a weekday.
* Jobs: dispatched uniformly between 07:00 and 16:00; completed 0.5-6 h (uniform) after
  dispatch. CANCEL_RATE (3%) are cancelled instead, at a uniform moment before they
  would have been completed.
* Reopening: REOPEN_RATE (4%) of completed jobs get a NO from the resident and are
  dispatched again 18 h - 5 days after completion, to a crew drawn at random; that new
  round can be completed, cancelled or reopened like any job. As in flows/dispatch.py, a
  new round first gives back every lease the case still holds, and asks the chooser to
  prefer the number of the previous round. Re-dispatches come on top of the N a day.
* Residents (who reports):
  - FREQUENT reporters: one per 200 jobs a weekday, at least one. On a weekday each
    files 1-3 reports with probability 0.8; on a weekend day with probability 0.2.
  - Every other report comes from a resident who reported before with probability
    RETURN_RATE (12%), picked in proportion to how often she reported (so the habitual
    reporters report more: a Yule-Simon skew), and otherwise from a new resident. With
    these figures about nine in ten residents report once, a few percent two or three
    times, and a handful five times or more (the script prints the distribution).
* Leases, as the gateway holds them: both parties' leases start at dispatch. The crew's
  lease ends SESSION_GRACE (2 h) after completion, the resident's REOPEN_WINDOW
  (14 days) after completion (or at the next dispatch of the case, if that is earlier).
  A cancellation ends both at once. At equal times releases go before dispatches. The
  "no grace" scenario holds the crew's lease as long as the resident's.

The strategies (all see exactly the same events; only the number chosen differs)
-------------------------------------------------------------------------------
* ours: gateway.core.pool.choose itself, fed as in gateway.core.pool.allocate: the preferred number
  if free for both, else the number free for both that busy others (3+ open leases) need
  least, each weighing 1 / the count of numbers she has left.
* first_fit: the first number in pool order free for both (preferred number first).
* least_used: the previous allocator: among numbers free for both, the preferred number
  (the case's previous round), else the one with the fewest open leases in total,
  ties by pool order.
* random: a uniformly random number among those free for both (fixed seed).
When no number is free for both, least_used and random share the way the gateway does
(gateway.core.pool.choose's fallback), so only the free-for-both rule differs.

What is reported
----------------
* lower bound: the most leases any one participant holds at once (also split into the
  busiest resident and the busiest crew).
* needed: the smallest pool with which the strategy never shares. Found by replaying
  the same events with pool sizes lower bound, lower bound + 1, ... until a replay needs
  no share (a replay stops at its first share). Any strategy that takes a number free for
  both whenever there is one never shares with 2 * lower bound - 1 numbers, so the scan
  ends. (For first_fit bisection also works: with more numbers it makes the same choices
  until it first needs a number beyond the smaller pool. The "no grace" row uses it.)
* shares @lb: how many dispatches (in all, and per 1000) have to share a number when the pool
  has exactly lower-bound numbers.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.core.pool import BUSY, choose, needed_by  # noqa: E402

DAY = 24.0
SESSION_GRACE = 2.0
REOPEN_WINDOW = 14 * DAY
DAYS = 28
WEEKEND_SHARE = 0.2
JOBS_PER_CREW = 8
FIRST_DISPATCH, LAST_DISPATCH = 7.0, 16.0
MIN_DURATION, MAX_DURATION = 0.5, 6.0
CANCEL_RATE = 0.03
REOPEN_RATE = 0.04
REDISPATCH_AFTER = (18.0, 5 * DAY)
JOBS_PER_FREQUENT_REPORTER = 200
FREQUENT_ACTIVE = {True: 0.8, False: 0.2}  # weekday, weekend
RETURN_RATE = 0.12

RELEASE, DISPATCH = 0, 1  # event order at equal times


@dataclass(frozen=True)
class Round:
    """One dispatch of a case: its resident and crew, and when each lease ends."""

    case: int
    citizen: str
    crew: str
    dispatched: float
    citizen_until: float
    crew_until: float
    previous: int | None  # the case's previous round, whose number is preferred


@dataclass(frozen=True)
class Scenario:
    jobs_per_weekday: int
    crews: int
    reports_per_resident: Counter  # resident -> number of reports
    rounds: tuple[Round, ...]
    events: tuple[tuple[float, int, int, str], ...]  # (time, RELEASE/DISPATCH, round, party)


def simulate(
    jobs_per_weekday: int, seed: int = 1, days: int = DAYS, crew_grace: float | None = SESSION_GRACE
) -> Scenario:
    """The event sequence for one municipality. crew_grace=None: crews keep leases as long as residents.

    The random draws do not depend on crew_grace, so both variants have the same jobs.
    """
    rng = random.Random(seed * 1_000_003 + jobs_per_weekday)
    n_crews = max(1, round(jobs_per_weekday / JOBS_PER_CREW))
    crews = [f"crew-{i}" for i in range(n_crews)]
    frequent = [f"frequent-{i}" for i in range(max(1, jobs_per_weekday // JOBS_PER_FREQUENT_REPORTER))]
    past_reports: list[str] = []  # one entry per report by an ordinary resident: drawing from it favours habit
    reports = Counter()
    new_resident = itertools.count()
    jobs: list[tuple[float, str, str, int | None]] = []  # (dispatched, citizen, crew, previous round)

    for day in range(days):
        weekday = day % 7 < 5
        n_jobs = jobs_per_weekday if weekday else round(WEEKEND_SHARE * jobs_per_weekday)
        citizens: list[str] = []
        for person in frequent:
            if rng.random() < FREQUENT_ACTIVE[weekday]:
                citizens += [person] * rng.randint(1, 3)
        citizens = citizens[:n_jobs]
        while len(citizens) < n_jobs:
            if past_reports and rng.random() < RETURN_RATE:
                person = rng.choice(past_reports)
            else:
                person = f"resident-{next(new_resident)}"
            past_reports.append(person)
            citizens.append(person)
        rng.shuffle(citizens)
        on_duty = crews if weekday else rng.sample(crews, min(n_crews, max(1, round(n_jobs / JOBS_PER_CREW))))
        on_duty = list(on_duty)
        rng.shuffle(on_duty)
        times = sorted(day * DAY + rng.uniform(FIRST_DISPATCH, LAST_DISPATCH) for _ in range(n_jobs))
        for i, (moment, person) in enumerate(zip(times, citizens, strict=False)):
            reports[person] += 1
            jobs.append((moment, person, on_duty[i % len(on_duty)], None))

    # Each round's fate; a reopened case adds a later round, handled in the same loop.
    rounds: list[Round] = []
    queue = [(moment, citizen, crew, None, case) for case, (moment, citizen, crew, _) in enumerate(jobs)]
    while queue:
        moment, citizen, crew, previous, case = queue.pop()
        duration = rng.uniform(MIN_DURATION, MAX_DURATION)
        fate = rng.random()
        if fate < CANCEL_RATE:
            end = moment + rng.uniform(0, duration)
            citizen_until = crew_until = end
        else:
            done = moment + duration
            citizen_until = done + REOPEN_WINDOW
            crew_until = citizen_until if crew_grace is None else done + crew_grace
            if fate < CANCEL_RATE + REOPEN_RATE:
                again = done + rng.uniform(*REDISPATCH_AFTER)
                # The new dispatch gives back whatever the case still holds.
                citizen_until, crew_until = min(citizen_until, again), min(crew_until, again)
                queue.append((again, citizen, rng.choice(crews), len(rounds), case))
        rounds.append(Round(case, citizen, crew, moment, citizen_until, crew_until, previous))

    events = []
    for key, r in enumerate(rounds):
        events.append((r.dispatched, DISPATCH, key, ""))
        events.append((r.citizen_until, RELEASE, key, "citizen"))
        events.append((r.crew_until, RELEASE, key, "crew"))
    events.sort()
    return Scenario(jobs_per_weekday, n_crews, reports, tuple(rounds), tuple(events))


def lower_bound(scenario: Scenario) -> tuple[int, int, int]:
    """(overall, busiest resident, busiest crew): the most leases one participant holds at once."""
    open_now: Counter = Counter()
    best = {"citizen": 0, "crew": 0}
    for _, kind, key, party in scenario.events:
        r = scenario.rounds[key]
        if kind == DISPATCH:
            for role, who in (("citizen", r.citizen), ("crew", r.crew)):
                open_now[who] += 1
                best[role] = max(best[role], open_now[who])
        else:
            open_now[r.citizen if party == "citizen" else r.crew] -= 1
    return max(best.values()), best["citizen"], best["crew"]


# A strategy: (numbers, citizen_has, crew_has, prefer, load, rng, busy_others) -> (number, shared)
Strategy = Callable[[Sequence[str], Counter, Counter, str | None, Counter, random.Random, Callable], tuple[str, bool]]


def _ours(numbers, citizen_has, crew_has, prefer, load, rng, busy_others):
    choice = choose(numbers, citizen_has, crew_has, prefer, needed_by(numbers, busy_others()))
    return choice.number, choice.shared


def _first_fit(numbers, citizen_has, crew_has, prefer, load, rng, busy_others):
    free = [n for n in numbers if n not in citizen_has and n not in crew_has]
    if not free:
        return _share(numbers, citizen_has, crew_has)
    return (prefer if prefer in free else free[0]), False


def _share(numbers, citizen_has, crew_has):
    choice = choose(numbers, citizen_has, crew_has)  # nothing is free for both: the gateway's sharing rule
    assert choice.shared
    return choice.number, True


def _least_used(numbers, citizen_has, crew_has, prefer, load, rng, busy_others):
    free = [n for n in numbers if n not in citizen_has and n not in crew_has]
    if not free:
        return _share(numbers, citizen_has, crew_has)
    if prefer in free:
        return prefer, False
    return min(free, key=load.__getitem__), False  # min keeps the first of equals: pool order


def _random(numbers, citizen_has, crew_has, prefer, load, rng, busy_others):
    free = [n for n in numbers if n not in citizen_has and n not in crew_has]
    if not free:
        return _share(numbers, citizen_has, crew_has)
    return rng.choice(free), False


STRATEGIES: dict[str, Strategy] = {
    "ours": _ours,
    "first_fit": _first_fit,
    "least_used": _least_used,
    "random": _random,
}


def pool_of(size: int) -> tuple[str, ...]:
    return tuple(f"+319701{i:07d}" for i in range(size))


def replay(
    scenario: Scenario, pool_size: int, strategy: str, seed: int = 1, stop_at_share: bool = False
) -> tuple[int, int]:
    """Run the events against a pool of this size. Returns (dispatches, shared dispatches)."""
    numbers = pool_of(pool_size)
    pick = STRATEGIES[strategy]
    rng = random.Random(seed)
    holds: dict[str, Counter] = {}
    open_leases: Counter = Counter()  # participant -> open leases; "busy" from BUSY on
    busy: set[str] = set()
    load: Counter = Counter(dict.fromkeys(numbers, 0))
    number_of: dict[int, str] = {}
    dispatches = shares = 0
    rounds = scenario.rounds

    def count(who: str, change: int) -> None:
        open_leases[who] += change
        if open_leases[who] >= BUSY:
            busy.add(who)
        else:
            busy.discard(who)

    for _, kind, key, party in scenario.events:
        r = rounds[key]
        if kind == DISPATCH:
            citizen_has = holds.setdefault(r.citizen, Counter())
            crew_has = holds.setdefault(r.crew, Counter())
            prefer = number_of.get(r.previous) if r.previous is not None else None

            def busy_others(parties=(r.citizen, r.crew)):
                return [set(holds[who]) for who in busy if who not in parties]

            number, shared = pick(numbers, citizen_has, crew_has, prefer, load, rng, busy_others)
            dispatches += 1
            if shared:
                shares += 1
                if stop_at_share:
                    break
            number_of[key] = number
            citizen_has[number] += 1
            crew_has[number] += 1
            load[number] += 2
            count(r.citizen, 1)
            count(r.crew, 1)
        else:
            number = number_of[key]
            who = r.citizen if party == "citizen" else r.crew
            has = holds[who]
            has[number] -= 1
            if not has[number]:
                del has[number]  # keep only what is held, so `in` means "holds it"
            load[number] -= 1
            count(who, -1)
    return dispatches, shares


def never_shares(scenario: Scenario, pool_size: int, strategy: str, seed: int = 1) -> bool:
    return replay(scenario, pool_size, strategy, seed, stop_at_share=True)[1] == 0


def numbers_needed(scenario: Scenario, strategy: str, seed: int = 1, bound: int | None = None) -> int:
    """The smallest pool with which the strategy never shares, scanning up from the lower bound."""
    bound = bound or lower_bound(scenario)[0]
    for size in range(bound, 2 * bound):
        if never_shares(scenario, size, strategy, seed):
            return size
    raise AssertionError(f"{strategy} shared with {2 * bound - 1} numbers, which cannot happen")


def numbers_needed_by_bisection(scenario: Scenario, strategy: str, seed: int = 1, bound: int | None = None) -> int:
    """The same answer for first_fit, where more numbers never hurt; far fewer replays."""
    bound = bound or lower_bound(scenario)[0]
    sizes = range(bound, 2 * bound)
    return sizes[bisect.bisect_left(sizes, True, key=lambda size: never_shares(scenario, size, strategy, seed))]


def shares_at(scenario: Scenario, pool_size: int, strategy: str, seed: int = 1) -> str:
    """How many dispatches share a number with a pool of this size, in all and per 1000 dispatches."""
    dispatches, shares = replay(scenario, pool_size, strategy, seed)
    return f"{shares} ({1000 * shares / dispatches:.2f})"


def _resident_spread(reports: Counter) -> str:
    ordinary = [k for who, k in reports.items() if not who.startswith("frequent-")]
    once = sum(1 for k in ordinary if k == 1)
    few = sum(1 for k in ordinary if 2 <= k <= 4)
    many = sum(1 for k in ordinary if k >= 5)
    frequent = sorted((k for who, k in reports.items() if who.startswith("frequent-")), reverse=True)
    return (
        f"{len(reports)} residents: {100 * once / len(ordinary):.0f}% report once, {few} 2-4 times, "
        f"{many} 5+ times (most {max(ordinary)}); frequent reporters filed {frequent}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--jobs", default="50,200,1000", help="jobs per weekday, comma-separated")
    parser.add_argument(
        "--seeds",
        help="e.g. 1-10: instead of the table, the numbers over the lower bound per strategy, summed over these seeds",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.seeds:
        _over_many_seeds(args)
        print(f"Runtime: {time.perf_counter() - started:.1f} s")
        return

    print(
        f"Proxy-number pool: {args.days} days, seed {args.seed}; crew lease ends {SESSION_GRACE:g} h after "
        f"completion, resident's {REOPEN_WINDOW / DAY:g} days after."
    )
    header = (
        f"{'N/weekday':>9} {'dispatches':>10} {'crews':>5} {'lower bound (resident/crew)':>28}  "
        f"{'strategy':<10} {'needed':>6} {'over lb':>7} {'shares @lb (per 1000)':>21}"
    )
    rows, notes = [], []
    for n in (int(x) for x in args.jobs.split(",")):
        scenario = simulate(n, args.seed, args.days)
        bound, by_citizen, by_crew = lower_bound(scenario)
        notes.append(f"  N={n}: {_resident_spread(scenario.reports_per_resident)}")
        for i, strategy in enumerate(STRATEGIES):
            needed = numbers_needed(scenario, strategy, args.seed, bound)
            shared = shares_at(scenario, bound, strategy, args.seed)
            bounds = f"{bound} ({by_citizen}/{by_crew})"
            lead = f"{n:>9} {len(scenario.rounds):>10} {scenario.crews:>5} {bounds:>28}"
            lead = lead if i == 0 else " " * len(lead)
            rows.append(f"{lead}  {strategy:<10} {needed:>6} {needed - bound:>+7} {shared:>21}")
        held = simulate(n, args.seed, args.days, crew_grace=None)
        bound_held, c_held, w_held = lower_bound(held)
        needed = numbers_needed_by_bisection(held, "first_fit", args.seed, bound_held)
        # Check the answer directly: bisection relies on first-fit never doing worse with more numbers.
        assert never_shares(held, needed, "first_fit", args.seed)
        assert needed == bound_held or not never_shares(held, needed - 1, "first_fit", args.seed)
        shared = shares_at(held, bound_held, "first_fit", args.seed)
        rows.append(
            f"{'':>9} {'':>10} {'':>5} {f'{bound_held} ({c_held}/{w_held})':>28}  "
            f"{'first_fit*':<10} {needed:>6} {needed - bound_held:>+7} {shared:>21}"
        )
    print(header)
    print("\n".join(rows))
    print("  * crew leases held for the whole reopen window instead of 2 h (no session grace).")
    print("Reporters:")
    print("\n".join(notes))
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"Runtime: {time.perf_counter() - started:.1f} s")


def _over_many_seeds(args) -> None:
    first, _, last = args.seeds.partition("-")
    seeds = range(int(first), int(last or first) + 1)
    print(f"Numbers needed over the lower bound, {args.days} days, seeds {args.seeds}:")
    print(f"{'N/weekday':>9}  " + "  ".join(f"{name:>18}" for name in STRATEGIES))
    for n in (int(x) for x in args.jobs.split(",")):
        over = {name: [] for name in STRATEGIES}
        for seed in seeds:
            scenario = simulate(n, seed, args.days)
            bound = lower_bound(scenario)[0]
            for name in STRATEGIES:
                over[name].append(numbers_needed(scenario, name, seed, bound) - bound)
        cells = (f"sum +{sum(v)}, max +{max(v)}" for v in over.values())
        print(f"{n:>9}  " + "  ".join(f"{cell:>18}" for cell in cells))
    print(f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")


if __name__ == "__main__":
    main()
