"""What one resident's reply costs, in this process: statements, commits, CPU, and a profile.

No HTTP server and no wrk: cases are made through the API (Flask test client) and the worker's
tick in this process, then replies (signed POST /twilio/sms answering the open question) are
timed and profiled one by one. Seconds to run; use it before and after changing the reply path.
bench/http_paths.py prints the same breakdown after its load runs.

    .venv/bin/python bench/reply_cost.py [--replies 300] [--sqlite]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

DB = "kl_bench_reply_cost"
SMS = "/twilio/sms"
NO = "Nee, het gat zit er nog"


def open_cases(app, count: int) -> list[tuple[dict[str, str], str]]:
    """`count` cases awaiting an answer; returns each one's signed reply (form, signature)."""
    import json

    client = app.test_client()
    worker = app.extensions["korte_lijn"].worker
    proxies = []
    for i in range(count):
        body, headers = c.event(f"R-{i}", "case.dispatched", c.dispatched_data(i, crew=i // 8))
        answer = client.post("/v1/events", data=body, headers=headers)
        assert answer.status_code == 202, answer.data
        proxies.append(json.loads(answer.data)["proxy_number"])
        body, headers = c.event(f"R-{i}", "case.completed", {})
        assert client.post("/v1/events", data=body, headers=headers).status_code == 202
    for _ in range(20):
        worker.tick()
    replies = []
    for i, proxy in enumerate(proxies):
        form = {
            "MessageSid": f"SMb{i:08d}".ljust(34, "0"),
            "AccountSid": c.ACCOUNT_SID,
            "From": c.citizen_phone(i),
            "To": proxy,
            "Body": "Ja" if i % 2 else NO,
            "NumMedia": "0",
            "NumSegments": "1",
        }
        body, signature = c.signed_form(SMS, form)
        replies.append((dict(parse_qsl(body.decode())), signature))
    return replies


def measure(app, replies: list[tuple[dict[str, str], str]], top: int = 25) -> None:
    """SQL statements, commits, time in the driver, Python CPU per reply, and the top functions."""
    from sqlalchemy import event

    engine = app.extensions["korte_lijn"].db.engine
    statements, in_driver, commits = Counter(), [0.0], [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):
        conn.info["bench_t"] = time.perf_counter()
        statements[statement_kind(statement)] += 1

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):
        in_driver[0] += time.perf_counter() - conn.info["bench_t"]

    @event.listens_for(engine, "commit")
    def _commit(conn):
        commits[0] += 1

    client = app.test_client()
    warm, timed = replies[:10], replies[10:]
    half = len(timed) // 2
    for form, signature in warm:  # connection pool, statement caches
        client.post(SMS, data=form, base_url=c.PUBLIC_BASE_URL, headers={"X-Twilio-Signature": signature})
    statements.clear()
    in_driver[0], commits[0] = 0.0, 0
    walls = []
    cpu = time.process_time()
    for form, signature in timed[:half]:
        began = time.perf_counter()
        answer = client.post(SMS, data=form, base_url=c.PUBLIC_BASE_URL, headers={"X-Twilio-Signature": signature})
        walls.append(time.perf_counter() - began)
        assert answer.status_code == 200, answer.data
    cpu = time.process_time() - cpu
    n = len(walls)
    print(
        c.table(
            ["per reply", "value"],
            [
                ["wall time, median", f"{c.percentile(walls, 50) * 1000:.2f} ms"],
                ["CPU time of this process (Python)", f"{cpu / n * 1000:.2f} ms"],
                ["time inside cursor.execute (driver + database)", f"{in_driver[0] / n * 1000:.2f} ms"],
                ["SQL statements", f"{sum(statements.values()) / n:.1f}"],
                ["commits", f"{commits[0] / n:.1f}"],
            ],
        )
    )
    print("   statements by kind: " + ", ".join(f"{k} {v / n:.1f}" for k, v in statements.most_common()))

    # The counting above is not part of a reply: the profile runs without it.
    event.remove(engine, "before_cursor_execute", _before)
    event.remove(engine, "after_cursor_execute", _after)
    event.remove(engine, "commit", _commit)
    profile = cProfile.Profile(time.process_time)  # CPU time: waiting for PostgreSQL does not count
    profile.enable()
    for form, signature in timed[half:]:
        client.post(SMS, data=form, base_url=c.PUBLIC_BASE_URL, headers={"X-Twilio-Signature": signature})
    profile.disable()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"\n   profile of {len(timed) - half} replies (cProfile of CPU time, cumulative, top {top}; it slows Python)")
    print("\n".join("   " + line for line in out.getvalue().splitlines() if line.strip()))
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    print(f"\n   the same, by own time (tottime), top {top}:")
    print("\n".join("   " + line for line in out.getvalue().splitlines() if line.strip()))


def statement_kind(sql: str) -> str:
    """'SELECT cases', 'INSERT timeline', 'UPDATE outbox', ... for counting (the outermost FROM of a SELECT)."""
    import re

    words = sql.split()
    verb = words[0].upper()
    if verb == "SELECT":
        depth = 0
        for match in re.finditer(r"\(|\)|[^\s()]+", sql):
            depth += {"(": 1, ")": -1}.get(match.group(), 0)
            if depth == 0 and match.group().upper() == "FROM":
                return "SELECT " + sql[match.end() :].split()[0]
        return "SELECT -"
    table = words[2] if verb in ("INSERT", "DELETE") else words[1]
    return f"{verb} {table}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replies", type=int, default=300, help="replies to time and profile (default 300)")
    parser.add_argument("--top", type=int, default=25, help="functions to list in the profile (default 25)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)  # before create_app: the gateway's INFO lines stay quiet
    from gateway.core import migrate
    from gateway.core.db import Database
    from gateway.factory import create_app

    print("bench/reply_cost.py: one reply's cost, in process")
    print(c.machine())
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3" if args.sqlite else c.recreate_database(DB)
    env = c.base_settings(url, CONFIRMATION_DELAY="0s", SENDER_MPS="1000", PROXY_NUMBERS=",".join(c.proxy_numbers(10)))
    migrate.upgrade(Database(url))
    app = create_app(env)
    try:
        replies = open_cases(app, args.replies + 10)
        measure(app, replies, args.top)
    finally:
        app.extensions["korte_lijn"].db.dispose()
        if not args.sqlite:
            c.drop_database(DB)


if __name__ == "__main__":
    main()
