"""Does the reply path slow down when the database holds years of cases? 1,000 vs 1,000,000.

Run from the project root (needs wrk and PostgreSQL on 127.0.0.1:5432, user postgres;
takes several minutes and about 10 GB of disk for the large database; prints progress):

    .venv/bin/python bench/scale.py

1. Two databases, schema from the Procfile's release step (`flask --app app db-upgrade`):
   kl_bench_scale_small with 1,000 cases, and kl_bench_scale_big with 1,000,000 cases,
   filled with INSERT ... SELECT FROM generate_series in batches. Each case gets the rows the
   gateway writes in its life: about 20 timeline entries, 5 outbox rows (four texts and a
   callback), 5 timers, her reply and 2 processed events. In the large database all but the
   newest OPEN (5,000) cases are history: ended more than 30 days ago, leases released,
   personal data removed (as gateway/core/retention.py leaves them). The newest cases in either
   database are awaiting the resident's JA/NEE, with the leases, timers and sent texts an open
   question has. Both are VACUUM ANALYZEd, as autovacuum would have done.
2. One gunicorn per database (the Procfile's web line, same settings), and wrk against the
   reply path exactly as in bench/http_paths.py: each request a signed POST /twilio/sms from a
   resident with an open question, a fresh MessageSid, "Ja" or "Nee". Runs alternate between
   the two databases (small, big, small, big, ...); the small one is filled anew before each
   round, and the large one's queued thank-you texts and callbacks are marked sent (as a worker
   that keeps up would leave them). Goal: median big/small >= 80%.
3. EXPLAIN (ANALYZE, BUFFERS) in the large database of the queries the reply path runs (her
   leases and their cases, locked, by proxy_number + phone; the case's last day of texts; its
   open timers cancelled) and of the outbox worker's claim query, captured from the gateway's own code
   (a reply through the Flask test client, and OutboxWorker.claim), each checked for an index
   scan. Also the dispatch path's pool queries (its parties' and the busy people's leases, found
   through pool_parties; the short codes in use), which bench/dispatch_latency.py depends on.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from urllib.parse import parse_qsl

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

SMALL, BIG = "kl_bench_scale_small", "kl_bench_scale_big"
POOL = c.proxy_numbers(10)
OPEN = 5_000
SMS = "/twilio/sms"
NO = "Nee, het gat zit er nog"

# (kind, summary, data, seconds after the case was created): a full life, as the gateway writes it.
HISTORY_TIMELINE = [
    ("status", "new -> dispatched: crew dispatched", '{"new": "dispatched", "old": "new"}', 0),
    ("text.queued", "dispatch_citizen text to citizen +316****0000", '{"purpose": "dispatch_citizen"}', 0),
    ("text.queued", "dispatch_crew text to crew +316****0000", '{"purpose": "dispatch_crew"}', 0),
    ("sms.sent", "dispatch_citizen text sent to citizen +316****0000", '{"attempt": 1}', 1),
    ("sms.sent", "dispatch_crew text sent to crew +316****0000", '{"attempt": 1}', 1),
    ("text.status", "dispatch_citizen text to citizen: delivered", '{"status": "delivered"}', 5),
    ("status", "dispatched -> completed: crew reports the job done", '{"new": "completed"}', 14400),
    ("timer.set", "ask due", '{"timer": "ask"}', 14400),
    ("timer.set", "end_crew_session due", '{"timer": "end_crew_session"}', 14400),
    ("timer.set", "close due", '{"timer": "close"}', 14400),
    ("timer.fired", "ask fired 0.21s after due", '{"timer": "ask", "lateness_seconds": 0.21}', 16200),
    (
        "status",
        "completed -> awaiting_confirmation: confirmation question sent",
        '{"new": "awaiting_confirmation"}',
        16200,
    ),
    ("text.queued", "question text to citizen +316****0000", '{"purpose": "question"}', 16200),
    ("timer.set", "remind due", '{"timer": "remind"}', 16200),
    ("timer.set", "time_out due", '{"timer": "time_out"}', 16200),
    ("sms.sent", "question text sent to citizen +316****0000", '{"attempt": 1}', 16201),
    ("reply.read", "read as yes: yes-word 'ja' and nothing against it", '{"verdict": "yes"}', 18000),
    ("status", "awaiting_confirmation -> confirmed: citizen answered yes", '{"new": "confirmed"}', 18000),
    ("callback.queued", "case.confirmed callback queued", "{}", 18000),
    ("text.received", "text from citizen +316****0000: confirmed", '{"outcome": "confirmed"}', 18000),
    ("callback.sent", "case.confirmed callback delivered", '{"attempt": 1}', 18001),
    ("session.ended", "reopen window over; proxy number released", "{}", 1227600),
]
OPEN_TIMELINE = HISTORY_TIMELINE[:16]


def values(rows: list[tuple]) -> str:
    def literal(v):
        return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"

    return ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def pool_array() -> str:
    return "ARRAY[" + ", ".join(f"'{n}'" for n in POOL[:8]) + "]"


def fill_history(db: str, lo: int, hi: int, history: int, now: str) -> None:
    """Cases lo..hi of the history, with their rows, in one transaction of its own connection."""
    import psycopg

    with psycopg.connect(host=c.PG_HOST, port=c.PG_PORT, user=c.PG_USER, dbname=db, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        # Case g was created (history - g) * 150 s before the newest history case, which ended 45 days ago.
        cte = (
            f"WITH h AS (SELECT g, {now} - interval '45 days' - interval '14 days 6 hours'"
            f" - ({history} - g) * interval '150 seconds' AS t FROM generate_series({lo}, {hi}) g)"
        )
        with conn.transaction():
            conn.execute(f"""{cte}
                INSERT INTO cases (id, case_id, reference, address, description, citizen_phone, citizen_name,
                    citizen_language, crew_id, crew_phone, crew_name, crew_language, status, round, proxy_number,
                    citizen_channel, short_code, unclear_replies, awaiting_detail, completed_at,
                    reopen_until, ended_at, personal_data_removed_at, created_at, updated_at)
                SELECT g, 'H-' || g, 'MOR-' || g, 'Kerkstraat ' || (g % 200 + 1),
                    '(removed after the retention period)', NULL, NULL, 'nl', 'crew-h' || (g / 8), NULL, NULL,
                    'nl', (ARRAY['confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed',
                                 'reopened', 'unanswered', 'confirmed', 'cancelled'])[g % 10 + 1],
                    1, ({pool_array()})[g % 8 + 1], 'sms', 100 + (g / 8) % 800, 0, false,
                    t + interval '4 hours', t + interval '14 days 4 hours',
                    t + interval '14 days 4 hours', t + interval '44 days 4 hours', t, t + interval '44 days'
                FROM h""")
            conn.execute(f"""{cte}
                INSERT INTO timeline (case_pk, at, kind, summary, data)
                SELECT h.g, h.t + k.off * interval '1 second', k.kind, k.summary, k.data::jsonb
                FROM h CROSS JOIN (VALUES {values(HISTORY_TIMELINE)}) AS k(kind, summary, data, off)""")
            conn.execute(f"""{cte}
                INSERT INTO outbox (case_pk, channel, purpose, recipient, to_number, from_number, body, payload,
                    webhook_id, status, priority, due_at, attempts, provider_sid, delivery_status, created_at,
                    sent_at)
                SELECT h.g, k.channel, k.purpose, k.recipient, NULL, ({pool_array()})[h.g % 8 + 1], NULL,
                    CASE WHEN k.channel = 'callback' THEN jsonb_build_object('type', 'case.confirmed', 'data',
                        jsonb_build_object('case_id', 'H-' || h.g, 'round', 1)) END,
                    CASE WHEN k.channel = 'callback' THEN 'msg_h' || h.g END, 'sent', k.priority,
                    h.t + k.off * interval '1 second', 1,
                    CASE WHEN k.channel = 'sms' THEN 'SMh' || h.g || k.purpose END,
                    CASE WHEN k.channel = 'sms' THEN 'delivered' END,
                    h.t + k.off * interval '1 second', h.t + (k.off + 1) * interval '1 second'
                FROM h CROSS JOIN (VALUES ('sms', 'dispatch_citizen', 'citizen', 1, 0),
                    ('sms', 'dispatch_crew', 'crew', 1, 0), ('sms', 'question', 'citizen', 1, 16200),
                    ('sms', 'thanks_yes', 'citizen', 0, 18000), ('callback', 'case.confirmed', 'case_system', 0,
                    18000)) AS k(channel, purpose, recipient, priority, off)""")
            conn.execute(f"""{cte}
                INSERT INTO timers (case_pk, kind, round, due_at, status, fired_at)
                SELECT h.g, k.kind, 1, h.t + k.off * interval '1 second', k.status,
                    CASE WHEN k.status = 'fired' THEN h.t + k.off * interval '1 second' END
                FROM h CROSS JOIN (VALUES ('ask', 'fired', 16200), ('end_crew_session', 'fired', 21600),
                    ('remind', 'cancelled', 102600), ('time_out', 'cancelled', 275400),
                    ('close', 'fired', 1224000)) AS k(kind, status, off)""")
            conn.execute(f"""{cte}
                INSERT INTO inbound_messages (message_sid, case_pk, role, body, outcome, received_at)
                SELECT 'SMin' || h.g, h.g, 'citizen', NULL, 'confirmed', h.t + interval '5 hours' FROM h""")
            conn.execute(f"""{cte}
                INSERT INTO processed_events (webhook_id, event_type, status_code, response, received_at)
                SELECT 'evt_h' || k.e || h.g, k.type, 202, jsonb_build_object('case_id', 'H-' || h.g,
                    'status', k.status, 'round', 1), h.t + k.off * interval '1 second'
                FROM h CROSS JOIN (VALUES ('d', 'case.dispatched', 'dispatched', 0),
                    ('c', 'case.completed', 'completed', 14400)) AS k(e, type, status, off)""")


def empty(db: str) -> None:
    """Every table of the gateway emptied (the schema stays), so the small database can be filled again."""
    tables = [
        name
        for (name,) in c.admin_query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'", db
        )
    ]
    c.admin_query(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE", db)


def fill(db: str, total: int, open_cases: int, batch: int = 100_000, quiet: bool = False) -> None:
    """`total` cases; the newest `open_cases` await an answer, the rest ended long ago."""
    import psycopg

    history = total - open_cases
    began = time.monotonic()
    with psycopg.connect(host=c.PG_HOST, port=c.PG_PORT, user=c.PG_USER, dbname=db, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        now = conn.execute("SELECT now() AT TIME ZONE 'utc'").fetchone()[0]
        now = f"TIMESTAMP '{now.isoformat(sep=' ')}'"
        batches = [(lo, min(history, lo + batch - 1)) for lo in range(1, history + 1, batch)]
        done = 0
        # Two connections: PostgreSQL spends the time in the inserts, so a second one helps on 2+ CPUs.
        with ThreadPoolExecutor(max_workers=2) as pool:
            for future in as_completed([pool.submit(fill_history, db, lo, hi, history, now) for lo, hi in batches]):
                future.result()
                done += batch
                done = min(done, history)
                rate = done / (time.monotonic() - began)
                print(
                    f"  {db}: {done:>9,} of {history:,} history cases with their rows ({rate:,.0f} cases/s, "
                    f"~{(history - done) / rate:.0f}s to go)",
                    flush=True,
                )

        lo, hi = history + 1, total
        j = f"(g - {history + 1})"
        cte = (
            f"WITH o AS (SELECT g, {j} AS j, {now} - interval '5 hours' + {j} * interval '1 millisecond' AS t "
            f"FROM generate_series({lo}, {hi}) g)"
        )
        with conn.transaction():
            conn.execute(f"""{cte}
                INSERT INTO cases (id, case_id, reference, address, description, citizen_phone, citizen_name,
                    citizen_language, crew_id, crew_phone, crew_name, crew_language, status, round, proxy_number,
                    citizen_channel, short_code, unclear_replies, awaiting_detail, completed_at,
                    reopen_until, created_at, updated_at)
                SELECT g, 'R-' || j, 'MOR-R' || j, 'Kerkstraat ' || (j % 200 + 1),
                    'Twee paaltjes weggehaald en een gat voor mijn deur.', '+3161' || lpad(j::text, 7, '0'), 'Anna',
                    'nl', 'crew-' || (j / 8), '+3162' || lpad((j / 8)::text, 7, '0'), 'Jan', 'nl',
                    'awaiting_confirmation', 1, ({pool_array()})[j % 8 + 1], 'sms', 100 + j / 8, 0, false,
                    t + interval '3 hours', t + interval '14 days 3 hours', t,
                    t + interval '3.5 hours'
                FROM o""")
            conn.execute(f"""{cte}
                INSERT INTO proxy_leases (proxy_number, phone, role, case_pk)
                SELECT ({pool_array()})[o.j % 8 + 1], CASE k.role WHEN 'citizen' THEN '+3161' || lpad(o.j::text, 7, '0')
                    ELSE '+3162' || lpad((o.j / 8)::text, 7, '0') END, k.role, o.g
                FROM o CROSS JOIN (VALUES ('citizen'), ('crew')) AS k(role)""")
            conn.execute(f"""{cte}
                INSERT INTO timeline (case_pk, at, kind, summary, data)
                SELECT o.g, o.t + k.off * interval '1 second', k.kind, k.summary, k.data::jsonb
                FROM o CROSS JOIN (VALUES {values(OPEN_TIMELINE)}) AS k(kind, summary, data, off)""")
            conn.execute(f"""{cte}
                INSERT INTO outbox (case_pk, channel, purpose, recipient, to_number, from_number, body, status,
                    priority, due_at, attempts, provider_sid, delivery_status, created_at, sent_at)
                SELECT o.g, 'sms', k.purpose, k.recipient, CASE k.recipient WHEN 'citizen'
                    THEN '+3161' || lpad(o.j::text, 7, '0') ELSE '+3162' || lpad((o.j / 8)::text, 7, '0') END,
                    ({pool_array()})[o.j % 8 + 1], 'Gemeente Utrecht: ...', 'sent', 1,
                    o.t + k.off * interval '1 second', 1, 'SMo' || o.g || k.purpose, 'delivered',
                    o.t + k.off * interval '1 second', o.t + (k.off + 1) * interval '1 second'
                FROM o CROSS JOIN (VALUES ('dispatch_citizen', 'citizen', 0), ('dispatch_crew', 'crew', 0),
                    ('question', 'citizen', 12600)) AS k(purpose, recipient, off)""")
            conn.execute(f"""{cte}
                INSERT INTO timers (case_pk, kind, round, due_at, status, fired_at)
                SELECT o.g, k.kind, 1, o.t + k.off * interval '1 second', k.status,
                    CASE WHEN k.status = 'fired' THEN o.t + k.off * interval '1 second' END
                FROM o CROSS JOIN (VALUES ('ask', 'fired', 12600), ('end_crew_session', 'pending', 18000),
                    ('remind', 'pending', 99000), ('time_out', 'pending', 271800),
                    ('close', 'pending', 1220400)) AS k(kind, status, off)""")
            conn.execute(f"""{cte}
                INSERT INTO processed_events (webhook_id, event_type, status_code, response, received_at)
                SELECT 'evt_o' || k.e || o.g, k.type, 202, jsonb_build_object('case_id', 'R-' || o.j,
                    'status', k.status, 'round', 1), o.t + k.off * interval '1 second'
                FROM o CROSS JOIN (VALUES ('d', 'case.dispatched', 'dispatched', 0),
                    ('c', 'case.completed', 'completed', 10800)) AS k(e, type, status, off)""")
            # Some residents sent STOP over the years.
            conn.execute(f"""INSERT INTO opt_outs (phone, source, at)
                SELECT '+3163' || lpad(g::text, 7, '0'), 'stop', {now}
                FROM generate_series(1, {max(1, total // 100)}) g""")
            conn.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))")
            # The people who hold numbers, with how many (gateway/core/pool.py keeps this as it leases).
            conn.execute(
                "INSERT INTO pool_parties (phone, leases) SELECT phone, count(*) FROM proxy_leases GROUP BY phone "
                "ON CONFLICT (phone) DO UPDATE SET leases = excluded.leases"
            )
        if not quiet:
            print(f"  {db}: {open_cases:,} open cases added; VACUUM ANALYZE ...", flush=True)
        conn.execute("VACUUM ANALYZE")
    if not quiet:
        print(f"  {db}: filled in {time.monotonic() - began:.0f}s", flush=True)


def sizes(db: str) -> list:
    out = []
    for name in ("cases", "timeline", "outbox", "timers", "inbound_messages", "processed_events", "proxy_leases"):
        count, size = c.admin_query(f"SELECT count(*), pg_total_relation_size('{name}') FROM {name}", db)[0]
        out.append([name, f"{count:,}", f"{size / 2**20:,.0f} MB"])
    return out


class Replies:
    """Fresh answers for the open cases R-0 .. R-(n-1), each used once."""

    def __init__(self, db: str, open_cases: int):
        self.db, self.next, self.open = db, 0, open_cases

    def left(self) -> int:
        return self.open - self.next

    def take(self, count: int, tag: str) -> list[tuple[bytes, str]]:
        out = []
        for j in range(self.next, min(self.open, self.next + count)):
            form = {
                "MessageSid": f"SM{tag}{j:08d}".ljust(34, "0"),
                "AccountSid": c.ACCOUNT_SID,
                "From": c.citizen_phone(j),
                "To": POOL[j % 8],
                "Body": "Ja" if j % 2 else NO,
                "NumMedia": "0",
                "NumSegments": "1",
            }
            out.append(c.signed_form(SMS, form))
        return out

    def used(self, requests: int) -> None:
        self.next += requests


def run(base: str, replies: Replies, connections: int, seconds: float, tmp: Path, tag: str) -> c.WrkResult:
    """One wrk run over the open cases not answered yet (each request a different case)."""
    path = tmp / f"{replies.db}-{tag}.txt"
    c.write_requests(path, replies.take(replies.left(), tag))
    result = c.run_wrk(base, SMS, path, connections, seconds)
    time.sleep(1)  # let the requests wrk gave up on at the end commit
    # Each wrk thread used a prefix of its share; the next run starts after the last case answered.
    last = c.admin_query(
        "SELECT max(substr(c.case_id, 3)::int) FROM inbound_messages m JOIN cases c "
        "ON c.id = m.case_pk WHERE c.case_id LIKE 'R-%'",
        replies.db,
    )[0][0]
    if last is not None:
        replies.next = last + 1
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases in the large database (default 1,000,000)")
    parser.add_argument("--small", type=int, default=1_000, help="cases in the small database (default 1,000)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4)")
    parser.add_argument("--rounds", type=int, default=4, help="runs per database, in turn (default 4)")
    parser.add_argument(
        "--seconds",
        type=int,
        default=0,
        help="length of each run (default: 2-5 s, so that the small database's open cases last)",
    )
    parser.add_argument("--reuse", action="store_true", help="use the databases a previous --keep-db run left")
    parser.add_argument("--keep-db", action="store_true", help="leave both databases behind")
    args = parser.parse_args()
    c.need_wrk()
    print(f"bench/scale.py: the reply path at {args.small:,} vs {args.cases:,} cases")
    print(c.machine())
    big_open = min(OPEN, args.cases)
    dbs = {SMALL: (args.small, args.small), BIG: (args.cases, big_open)}
    procs = {}
    try:
        for db, (total, open_cases) in dbs.items():
            env = c.base_settings(c.database_url(db), PROXY_NUMBERS=",".join(POOL))
            procs[db] = c.Processes(env)
            if args.reuse:
                continue
            c.recreate_database(db)
            print(f"\nfilling {db}: {total:,} cases, {open_cases:,} of them awaiting an answer", flush=True)
            procs[db].release()
            fill(db, total, open_cases)
        for db in dbs:
            print(c.table(["table", "rows", "size"], sizes(db), title=f"\n{db}"))

        bases = {db: procs[db].start_web() for db in dbs}
        replies = {db: Replies(db, dbs[db][1]) for db in dbs}

        def refill_small() -> None:
            # The small database has only its 1,000 cases to answer: it gets them back before each run.
            empty(SMALL)
            fill(SMALL, args.small, args.small, quiet=True)
            replies[SMALL].next = 0

        warm = {}
        for db in dbs:
            warm[db] = run(bases[db], replies[db], args.connections, 1, procs[db].logs, "w").rps
            print(f"  warm-up {db}: {warm[db]:.0f} req/s", flush=True)
        # As long as it can be without running out of the small database's open cases.
        seconds = args.seconds or max(2, min(5, int(0.8 * args.small / (1.5 * max(warm.values())))))
        print(
            f"\n1. Reply path throughput, wrk -c {args.connections}, {seconds}s runs, the two databases in turn "
            f"(every request a fresh JA/NEE to an open question; the small database is filled anew before each)"
        )
        results = {db: [] for db in dbs}
        rows, ratios = [], []
        for n in range(args.rounds):
            refill_small()
            c.settle_outbox(BIG)  # the previous rounds' thank-you texts and callbacks, as a worker would send them
            pair = {}
            for db in dbs:
                r = run(bases[db], replies[db], args.connections, seconds, procs[db].logs, f"r{n}")
                results[db].append(r)
                pair[db] = r
                rows.append(
                    [
                        n + 1,
                        db,
                        f"{dbs[db][0]:,}",
                        r.requests,
                        r.rps,
                        r.latency_ms["p50"],
                        r.latency_ms["p99"],
                        r.failed,
                        r.wrapped,
                    ]
                )
            if pair[SMALL].wrapped or pair[BIG].wrapped:
                print(f"   round {n + 1} left out: a run ran out of open cases (try --seconds 2)")
            else:
                ratios.append(pair[BIG].rps / pair[SMALL].rps)
        print(
            c.table(["round", "database", "cases", "requests", "req/s", "p50 ms", "p99 ms", "errors", "wrapped"], rows)
        )
        valid = [n for n in range(args.rounds) if not (results[SMALL][n].wrapped or results[BIG][n].wrapped)]
        small = c.mean(results[SMALL][n].rps for n in valid)
        big = c.mean(results[BIG][n].rps for n in valid)
        ratio = sorted(ratios)[len(ratios) // 2] if ratios else float("nan")
        print(
            f"   mean {small:.1f} req/s at {args.small:,} cases, {big:.1f} req/s at {args.cases:,} cases; "
            f"big/small per round: {', '.join(f'{x:.0%}' for x in ratios)}"
        )
        print(f"   median big/small {ratio:.0%} (goal >= 80%: {c.verdict(ratio >= 0.8)})")
        print(f"   command: {results[BIG][-1].command}")
        outcomes = c.admin_query(
            "SELECT outcome, count(*) FROM inbound_messages WHERE message_sid NOT LIKE 'SMin%' GROUP BY 1 ORDER BY 1",
            BIG,
        )
        print("   what the requests did in the large database: " + ", ".join(f"{o} {k}" for o, k in outcomes))

        for db in dbs:
            procs[db].stop_all()
        print(
            f"\n2. Query plans in {BIG} ({args.cases:,} cases), EXPLAIN (ANALYZE, BUFFERS), captured from the "
            "gateway's own code"
        )
        explain_all(BIG, replies[BIG])
        print(
            f"\nsummary: reply path {small:.0f} req/s at {args.small:,} cases, {big:.0f} req/s at "
            f"{args.cases:,} cases (median ratio {ratio:.0%}, goal >= 80%)"
        )
    finally:
        for p in procs.values():
            p.stop_all()
        if not args.keep_db:
            for db in dbs:
                c.drop_database(db)


def explain(conn, name: str, statement: str, params) -> list:
    """Print EXPLAIN (ANALYZE, BUFFERS) of one captured statement (rolled back); a summary row."""
    transaction = conn.begin()
    try:
        plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
    finally:
        transaction.rollback()
    print(f"\n-- {name}\n{' '.join(statement.split())}\n" + "\n".join("   " + line for line in plan))
    text = "\n".join(plan)
    seq = [line.strip().split("(")[0].strip() for line in plan if "Seq Scan" in line]
    indexes = sorted(
        set(
            re.findall(r"(?:Index|Index Only) Scan(?: Backward)? using (\w+)", text)
            + re.findall(r"Bitmap Index Scan on (\w+)", text)
        )
    )
    took = next((line.split(":")[1].strip() for line in plan if line.startswith("Execution Time")), "?")
    # An index scan can still read far more rows than it returns: what the plan's filters threw away.
    removed = sum(int(n) for n in re.findall(r"Rows Removed by (?:Join )?Filter: (\d+)", text))
    return [
        name.split(" (")[0],
        ", ".join(indexes) or "-",
        "; ".join(seq) or "-",
        f"{removed:,}",
        took,
        "yes" if indexes and not seq else "NO",
    ]


def explain_all(db: str, replies: Replies) -> None:
    logging.basicConfig(level=logging.WARNING)  # before create_app: the gateway's INFO lines stay quiet
    from sqlalchemy import event

    from gateway.factory import create_app

    env = c.base_settings(c.database_url(db), PROXY_NUMBERS=",".join(POOL))
    app = create_app(env)
    rt = app.extensions["korte_lijn"]
    captured: list[tuple[str, object]] = []

    @event.listens_for(rt.db.engine, "before_cursor_execute")
    def _capture(conn, cursor, statement, params, context, executemany):
        captured.append((statement, params))

    # One reply, through the gateway's own code.
    body, signature = replies.take(1, "x")[0]
    answer = app.test_client().post(
        SMS, data=dict(parse_qsl(body.decode())), base_url=c.PUBLIC_BASE_URL, headers={"X-Twilio-Signature": signature}
    )
    assert answer.status_code == 200, answer.data
    reply_statements = list(captured)
    captured.clear()
    # The worker's claim (it leases one due row for 60 s; nothing sends it here).
    rt.worker.outbox.claim(1)
    claim_statements = list(captured)
    captured.clear()
    # One dispatch: the pool's queries.
    dispatch = app.test_client().post(
        "/v1/events",
        json={"type": "case.dispatched", "data": {"case_id": "X-explain", **c.dispatched_data(9_999_999, crew=0)}},
        headers={"Authorization": f"Bearer {c.CASE_KEY}", "webhook-id": f"evt_explain_{time.time_ns()}"},
    )
    assert dispatch.status_code == 202, dispatch.data
    dispatch_statements = list(captured)
    event.remove(rt.db.engine, "before_cursor_execute", _capture)

    def find(statements, *patterns):
        for statement, params in statements:
            flat = " ".join(statement.split())
            if all(re.search(p, flat) for p in patterns):
                return statement, params
        return None, None

    wanted = [
        (
            "her leases and their cases, locked, with opt-outs and a waiting choice (gateway/core/lookups.py leases)",
            reply_statements,
            (r"FROM proxy_leases JOIN cases ON ", r"WHERE proxy_leases\.proxy_number = .* AND proxy_leases\.phone ="),
            "proxy_leases",
        ),
        (
            "the case's last day of texts, both ways (gateway/core/conversation.py)",
            reply_statements,
            (r"AS way", r"FROM outbox WHERE outbox\.case_pk = "),
            "outbox",
        ),
        (
            "open timers of the case, cancelled (gateway/core/effects.py cancel_timers)",
            reply_statements,
            (r"UPDATE timers SET status=.* WHERE timers\.case_pk = ",),
            "timers",
        ),
        (
            "outbox claim (gateway/core/outbox/claim.py)",
            claim_statements,
            (r"FROM outbox WHERE outbox\.status = ", r"SKIP LOCKED"),
            "outbox",
        ),
        (
            "dispatch: leases of its parties and of busy people (gateway/core/pool.py allocate)",
            dispatch_statements,
            (r"FROM proxy_leases WHERE proxy_leases\.phone IN .* FROM pool_parties",),
            "proxy_leases",
        ),
        (
            "dispatch: short codes in use on the number (gateway/core/pool.py _free_short_code)",
            dispatch_statements,
            (r"SELECT cases\.short_code FROM cases WHERE cases\.id IN",),
            "cases",
        ),
    ]
    summary = []
    with rt.db.engine.connect() as conn:
        for name, statements, patterns, _table in wanted:
            statement, params = find(statements, *patterns)
            if statement is None:  # the code changed shape: say so, and go on with the rest
                print(f"\n-- {name}: no statement captured matched {patterns}")
                summary.append([name, "-", "-", "-", "-", "not captured"])
                continue
            summary.append(explain(conn, name, statement, params))
        with conn.begin():
            pending = conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE status = 'pending'").scalar()
            conn.exec_driver_sql("ANALYZE outbox")
        statement, params = find(claim_statements, *next(w[2] for w in wanted if w[0].startswith("outbox claim")))
        summary.append(
            explain(conn, f"outbox claim again, right after ANALYZE outbox ({pending} rows pending)", statement, params)
        )
    rt.db.dispose()
    print()
    print(
        c.table(
            ["query", "index scans", "sequential scans", "rows removed by filters", "execution", "uses indexes"],
            summary,
        )
    )


if __name__ == "__main__":
    main()
