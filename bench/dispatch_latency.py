"""From the case system's dispatch to the first Twilio API call for that case, at 50 dispatches/s.

Run from the project root (needs PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/dispatch_latency.py

Each scenario makes the database kl_bench_dispatch anew (the Procfile's release step) and
starts the Procfile's web line (gunicorn app:app, WEB_CONCURRENCY workers) and ONE worker
(`flask --app app worker`) against the fake Twilio of tests/fakes/twilio_api.py, which
stamps each message's arrival. A constant-rate (open-loop) generator then POSTs
case.dispatched for a new case every 1/RATE s for SECONDS s (each a new resident; a crew
gets 8 jobs, as in bench/pool_size.py; a pool of 30 proxy numbers, about what
bench/pool_size.py finds a city of 1,000 jobs a weekday needs). The latency of a case
is from the moment its POST /v1/events was sent to the first message of that case at the
fake Twilio (its resident's or its crew's text). Goals: p50 < 1 s, p99 < 2 s.

Scenarios: WORKER_POLL_INTERVAL 0.5 (the default) and 0.2, both with SENDER_MPS=1000 so
the per-number rate limit does not hide the gateway's own latency; then the defaults
(SENDER_MPS=10), where each dispatch's two texts (2 + 3 segments) queue behind the
numbers' 10 segments a second: 50 dispatches/s need 250 segments/s, and 30 numbers give 300.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

DB = "kl_bench_dispatch"
POOL = c.proxy_numbers(30)
KEEP_UP = 0.96  # the web tier keeps up when it answers at least this share of the offered rate (48 of 50/s)
JOBS_PER_CREW = 8
REFERENCE = re.compile(r"MOR-(\d+)\b")


def scenario(fake, case_system, rate: float, seconds: float, poll: str, mps: str, workers: str) -> dict:
    fake.reset()
    url = c.recreate_database(DB)
    env = c.base_settings(
        url,
        **c.sending_settings(fake, case_system),
        PROXY_NUMBERS=",".join(POOL),
        SENDER_MPS=mps,
        WORKER_POLL_INTERVAL=poll,
        WEB_CONCURRENCY=workers,
    )
    procs = c.Processes(env)
    procs.release()
    count = int(rate * seconds)
    try:
        base = procs.start_web()
        procs.start_worker()
        # Warm up gunicorn's workers, their connection pools and the worker's Twilio client.
        warm = 20
        c.send_events(
            base,
            [(f"W-{i}", "case.dispatched", c.dispatched_data(1_000_000 + i, crew=100_000 + i)) for i in range(warm)],
            concurrency=2,
        )
        wait_until(lambda: len(fake.messages) >= 2 * warm, 60, "the warm-up texts")
        fake.reset()

        requests = []
        for i in range(count):
            body, headers = c.event(f"L-{i}", "case.dispatched", c.dispatched_data(i, crew=i // JOBS_PER_CREW))
            requests.append((body, headers))
        result = c.constant_rate(base, "/v1/events", requests, rate, seconds, threads=64, ok=(202,))
        pending_peak = c.admin_query("SELECT count(*) FROM outbox WHERE status = 'pending'", DB)[0][0]
        # Every case's first text; with SENDER_MPS=10 the queue takes a while to drain.
        wait_until(
            lambda: len(first_texts(fake)) >= count,
            30 + count * 5 / (10 * len(POOL)) if mps == "10" else 60,
            "a text for every case",
            fail=False,
        )
    finally:
        procs.stop_all()
    firsts = first_texts(fake)
    latency, pickup, missing = [], [], 0
    proxies = Counter()
    for k in range(count):
        sent, answered, status, answer = result.each[k]
        if status == 202:
            proxies[json.loads(answer)["proxy_number"]] += 1
        if k not in firsts:
            missing += 1
            continue
        latency.append(firsts[k] - sent)
        pickup.append(firsts[k] - answered)
    http = [answered - sent for sent, answered, _, _ in result.each.values()]
    return {
        "poll": poll,
        "mps": mps,
        "rate": rate,
        "achieved": result.achieved_rate,
        "sent": count,
        "refused": result.failed,
        "missing": missing,
        "latency": latency,
        "pickup": pickup,
        "http": http,
        "proxies": proxies,
        "statuses": result.statuses,
        "pending": pending_peak,
    }


def breakdown_dispatch(fake, case_system, count: int = 200) -> None:
    """Where a dispatch's time goes: dispatches one after another in this process (Flask test
    client, no HTTP server, no worker), with the time each holds its two parties' rows in
    pool_parties (gateway/core/pool.py): only a dispatch for the same resident or crew waits for them."""
    from sqlalchemy import event

    logging.basicConfig(level=logging.WARNING)  # before create_app: the gateway's INFO lines stay quiet
    from gateway.core import migrate
    from gateway.factory import create_app

    url = c.recreate_database(DB)
    env = c.base_settings(url, **c.sending_settings(fake, case_system), PROXY_NUMBERS=",".join(POOL))
    app = create_app(env)
    db = app.extensions["korte_lijn"].db
    migrate.upgrade(db)
    statements, in_driver, holds, commits = [0], [0.0], [], [0]

    @event.listens_for(db.engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        conn.info["bench_t"] = time.perf_counter()
        statements[0] += 1
        if statement.startswith("INSERT INTO pool_parties"):
            conn.info["bench_locked"] = True

    @event.listens_for(db.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        now = time.perf_counter()
        in_driver[0] += now - conn.info["bench_t"]
        if conn.info.pop("bench_locked", False):
            conn.info["bench_lock_at"] = now  # the rows are ours from here until the commit

    @event.listens_for(db.engine, "commit")
    def _commit(conn):
        commits[0] += 1

    @event.listens_for(db.engine.pool, "checkin")
    def _checkin(dbapi_connection, record):  # after the commit: the transaction's locks are gone
        lock_at = record.info.pop("bench_lock_at", None)
        if lock_at is not None:
            holds.append(time.perf_counter() - lock_at)

    client = app.test_client()
    walls: list[float] = []
    cpu = 0.0
    for i in range(count):
        body, headers = c.event(f"B-{i}", "case.dispatched", c.dispatched_data(2_000_000 + i, crew=200_000 + i // 8))
        if i == 20:  # the first ones warm the pool and the statement cache
            statements[0], in_driver[0], commits[0], cpu = 0, 0.0, 0, time.process_time()
            holds.clear()
        began = time.perf_counter()
        answer = client.post("/v1/events", data=body, headers=headers)
        ended = time.perf_counter()
        assert answer.status_code == 202, answer.data
        if i >= 20:
            walls.append(ended - began)
    cpu = time.process_time() - cpu
    n = len(walls)
    db.dispose()
    hold = c.percentile(holds, 50) if holds else float("nan")
    print(
        c.table(
            ["per dispatch (one after another, in-process, empty pool of 30, crews of 8)", "value"],
            [
                ["wall time, median", f"{c.percentile(walls, 50) * 1000:.1f} ms"],
                ["CPU time of this process (Python)", f"{cpu / n * 1000:.1f} ms"],
                ["time inside cursor.execute (driver + PostgreSQL)", f"{in_driver[0] / n * 1000:.1f} ms"],
                ["SQL statements", f"{statements[0] / n:.1f}"],
                ["commits", f"{commits[0] / n:.1f}"],
                ["its parties' pool_parties rows held until the commit, median", f"{hold * 1000:.1f} ms"],
                ["lock every dispatch takes", "none (dispatches for other people run side by side)"],
            ],
            title="Where a dispatch's time goes (gateway/core/pool.py locks only the dispatch's two parties):",
        )
    )
    print()


def first_texts(fake) -> dict[int, float]:
    """Case number -> arrival of the first message (to its resident or its crew) at the fake Twilio."""
    first: dict[int, float] = {}
    with fake._lock:
        messages = list(fake.messages)
    for message in messages:
        match = REFERENCE.search(message.get("Body", ""))
        if match:
            k = int(match.group(1))
            first[k] = min(first.get(k, message["arrived"]), message["arrived"])
    return first


def wait_until(condition, timeout: float, what: str, fail: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            if fail:
                raise SystemExit(f"gave up waiting for {what}")
            print(f"    (gave up waiting for {what} after {timeout:.0f}s)")
            return
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=50, help="dispatches a second (default 50)")
    parser.add_argument("--seconds", type=float, default=20, help="how long (default 20)")
    parser.add_argument("--skip-rate-limited", action="store_true", help="leave out the SENDER_MPS=10 scenario")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    print("bench/dispatch_latency.py: case.dispatched -> first Twilio API call for the case")
    print(c.machine())
    print(
        f"web: `{c.web_command()}` with WEB_CONCURRENCY={workers}; worker: `{c.procfile()['worker']}` (one);"
        f" pool of {len(POOL)} proxy numbers; {args.rate:g} dispatches/s for {args.seconds:g}s"
    )
    plan = [("0.5", "1000"), ("0.2", "1000")] + ([] if args.skip_rate_limited else [("0.5", "10")])
    results = []
    with c.fakes_and_database(DB, args.keep_db) as (fake, case_system):
        breakdown_dispatch(fake, case_system)
        for poll, mps in plan:
            print(f"  WORKER_POLL_INTERVAL={poll}, SENDER_MPS={mps} ...", flush=True)
            results.append(scenario(fake, case_system, args.rate, args.seconds, poll, mps, workers))

    rows = []
    for r in results:
        p50, p99 = c.percentile(r["latency"], 50), c.percentile(r["latency"], 99)
        rows.append(
            [
                r["poll"],
                r["mps"],
                f"{r['achieved']:.1f}/s",
                r["sent"],
                r["refused"],
                r["missing"],
                f"{c.percentile(r['http'], 50) * 1000:.0f} ms",
                f"{c.percentile(r['http'], 99) * 1000:.0f} ms",
                f"{c.percentile(r['pickup'], 50) * 1000:.0f} ms",
                f"{c.percentile(r['pickup'], 99) * 1000:.0f} ms",
                f"{p50:.2f} s",
                f"{p99:.2f} s",
                f"{max(r['latency'], default=float('nan')):.2f} s",
                c.verdict(p50 < 1),
                c.verdict(p99 < 2),
                c.verdict(r["achieved"] >= KEEP_UP * args.rate),
            ]
        )
    print()
    print(
        c.table(
            [
                "poll s",
                "SENDER_MPS",
                "dispatches",
                "sent",
                "non-202",
                "no text",
                "POST p50",
                "POST p99",
                "answer->text p50",
                "answer->text p99",
                "latency p50",
                "latency p99",
                "max",
                "p50 < 1 s",
                "p99 < 2 s",
                f"keeps up (>= {KEEP_UP * args.rate:g}/s)",
            ],
            rows,
        )
    )
    print(
        "latency = dispatch POST sent -> first Twilio API call for the case; POST = the /v1/events request itself;"
        "\nanswer->text = from the 202 answer to that first Twilio call (the worker's share)."
    )
    for r in results:
        print(
            f"  texts still queued when the last dispatch was answered (poll {r['poll']}, SENDER_MPS {r['mps']}): "
            f"{r['pending']}"
        )
    for r in results:
        print(
            f"  cases per proxy number (poll {r['poll']}, SENDER_MPS {r['mps']}): "
            + ", ".join(f"{n[-3:]}: {k}" for n, k in sorted(r["proxies"].items()))
        )


if __name__ == "__main__":
    main()
