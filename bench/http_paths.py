"""The inbound webhook paths under load: the resident's reply, and the crew's masked call.

Run from the project root (needs wrk and PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/http_paths.py

What it does, all in one run so that each ratio compares figures taken minutes apart:

1. Creates the database kl_bench_http, runs the Procfile's release step, starts the
   Procfile's web line (gunicorn app:app, WEB_CONCURRENCY workers) and its worker.
2. Sets cases up through POST /v1/events: dispatched, completed, and (CONFIRMATION_DELAY=0s,
   the worker fires the `ask` timer) awaiting the resident's JA/NEE. Then stops the worker,
   so that only gunicorn and PostgreSQL share the CPUs with the load generator, and ANALYZEs
   (as autovacuum would). Before each measured run the texts and callbacks the previous runs
   queued are marked sent, as a worker elsewhere that keeps up would leave them (a growing
   backlog slows the reply path: see bench/README.md).
3. Max throughput: wrk with 2..16 connections against the reply path, each request a
   signed POST /twilio/sms from a resident with an open question, with a fresh MessageSid
   (odd cases answer "Ja", even ones "Nee, het gat zit er nog": every request confirms
   or reopens a case). Each level is run against bench/bare_app.py (a Flask route returning
   empty TwiML, served by the same gunicorn command) right before. Goal: reply path >= 10%
   of the bare app's max requests/s.
4. Latency at half of the reply path's max: a constant-rate (open-loop) generator, latency
   counted from when each request was due. Goal: p99 < 100 ms.
5. The masked call at the same rate: signed POST /twilio/voice from the crew to the proxy
   number of a dispatched case; the answer is TwiML that dials the resident. Goal: p99 < 20 ms.
6. Where a reply's time goes, in this process: statements, commits, CPU, and a profile of the
   top functions (bench/reply_cost.py measures the same in seconds, without the load runs).

Texts are printed by the worker, not sent (no TWILIO_ACCOUNT_SID): the web paths never call
Twilio, and this keeps the set-up quick.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402
import reply_cost  # noqa: E402

DB = "kl_bench_http"
POOL = c.proxy_numbers(10)
JOBS_PER_CREW = 8  # as in bench/pool_size.py: a crew's cases then spread over the pool
SMS, VOICE = "/twilio/sms", "/twilio/voice"
NO = "Nee, het gat zit er nog"
RATIO_GOAL = 0.1  # the reply path's max req/s over the bare route's (issue 13)
VOICE_P99_GOAL_MS = 20


class OpenCases:
    """Cases awaiting the resident's answer, made through the real API and worker on demand."""

    def __init__(self, procs: c.Processes, base: str, db: str, prefix: str = "R"):
        self.procs, self.base, self.db, self.prefix = procs, base, db, prefix
        self.made = 0
        self.proxy: dict[int, str] = {}
        self.answered: set[int] = set()

    def available(self) -> list[int]:
        return [i for i in range(self.made) if i not in self.answered]

    def ensure(self, count: int) -> None:
        missing = count - len(self.available())
        if missing <= 0:
            return
        start, self.made = self.made, self.made + missing
        began = time.monotonic()
        # The thank-you texts and callbacks of the runs so far are not what the worker is for
        # here: mark them sent, as a worker that kept up would have, so it only asks the new cases.
        c.settle_outbox(self.db)
        print(f"  setting up {missing} case(s) awaiting an answer (dispatch, complete, ask) ...", flush=True)
        new = range(start, self.made)
        answers = c.send_events(
            self.base,
            [(self.case_id(i), "case.dispatched", c.dispatched_data(i, crew=i // JOBS_PER_CREW)) for i in new],
        )
        for i, answer in zip(new, answers, strict=False):
            self.proxy[i] = answer["proxy_number"]
        c.send_events(self.base, [(self.case_id(i), "case.completed", {}) for i in new])
        # Thousands of new pending rows at once: without fresh statistics (autovacuum is off
        # here) the worker's claim plans badly and sends a few texts a second (bench/README.md).
        c.analyze(self.db)
        self.procs.start_worker()
        try:
            wait_for(lambda: self.count_status("dispatched", "completed") == 0, 600, "the worker to ask every case")
        finally:
            self.procs.stop("worker")
        c.analyze(self.db)
        print(f"  ... done in {time.monotonic() - began:.0f}s", flush=True)

    def case_id(self, i: int) -> str:
        return f"{self.prefix}-{i}"

    def count_status(self, *statuses: str) -> int:
        listed = ", ".join(f"'{status}'" for status in statuses)
        return c.admin_query(
            f"SELECT count(*) FROM cases WHERE status IN ({listed}) AND case_id LIKE '{self.prefix}-%'", self.db
        )[0][0]

    def requests(self, count: int, tag: str) -> list[tuple[int, bytes, str]]:
        picked = self.available()[:count]
        out = []
        for i in picked:
            form = {
                "MessageSid": f"SM{tag}{i:08d}".ljust(34, "0"),
                "AccountSid": c.ACCOUNT_SID,
                "From": c.citizen_phone(i),
                "To": self.proxy[i],
                "Body": "Ja" if i % 2 else NO,
                "NumMedia": "0",
                "NumSegments": "1",
            }
            body, signature = c.signed_form(SMS, form)
            out.append((i, body, signature))
        return out

    def mark_answered(self) -> None:
        time.sleep(1)  # requests wrk gave up on at the end may still be committing
        rows = c.admin_query(
            "SELECT c.case_id FROM inbound_messages m JOIN cases c ON c.id = m.case_pk "
            f"WHERE c.case_id LIKE '{self.prefix}-%'",
            self.db,
        )
        self.answered = {int(case_id.split("-")[1]) for (case_id,) in rows}


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.3)


def wrk_replies(
    cases: OpenCases, base: str, connections: int, seconds: float, expect_rps: float, tmp: Path, tag: str
) -> c.WrkResult:
    budget = int(expect_rps * seconds * 1.6) + 50 * connections
    cases.ensure(budget)
    c.settle_outbox(cases.db)
    reqs = cases.requests(budget, tag)
    path = tmp / f"replies-{tag}.txt"
    c.write_requests(path, [(body, sig) for _, body, sig in reqs])
    result = c.run_wrk(base, SMS, path, connections, seconds)
    cases.mark_answered()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5, help="length of each wrk run (default 5)")
    parser.add_argument("--connections", default="2,4,8", help="wrk connection counts (default 2,4,8)")
    parser.add_argument("--latency-seconds", type=float, default=20, help="length of each latency run (default 20)")
    parser.add_argument("--keep-db", action="store_true", help="leave kl_bench_http behind for inspection")
    args = parser.parse_args()
    c.need_wrk()
    levels = [int(x) for x in args.connections.split(",")]
    workers = os.environ.get("WEB_CONCURRENCY", "2")

    print("bench/http_paths.py: the inbound reply path and the masked call under load")
    print(c.machine())
    print(f"gunicorn: `{c.web_command()}` with WEB_CONCURRENCY={workers} (same for the bare app)")
    url = c.recreate_database(DB)
    env = c.base_settings(
        url, CONFIRMATION_DELAY="0s", SENDER_MPS="1000", PROXY_NUMBERS=",".join(POOL), WEB_CONCURRENCY=workers
    )
    procs = c.Processes(env)
    print(f"logs: {procs.logs}")
    procs.release()
    try:
        bare = procs.start_web(name="bare", app="bench.bare_app:app")
        base = procs.start_web()
        cases = OpenCases(procs, base, DB)

        # Warm both up (imports, connection pools) before anything is measured.
        c.run_wrk(bare, SMS, None, 4, 2)
        wrk_replies(cases, base, 4, 2, 100, procs.logs, "w")

        print("\n1. Max throughput (wrk, closed loop; bare app and reply path alternate per level)")
        rows, best_bare, best_reply, expect = [], None, None, 600.0  # replies/s to prepare for at first
        for n, connections in enumerate(levels):
            b = c.run_wrk(bare, SMS, None, connections, args.seconds)
            r = wrk_replies(cases, base, connections, args.seconds, expect, procs.logs, f"m{n}")
            expect = max(expect, r.rps)
            rows.append(
                [
                    connections,
                    b.rps,
                    b.latency_ms["p99"],
                    b.failed,
                    r.rps,
                    r.latency_ms["p50"],
                    r.latency_ms["p99"],
                    r.failed,
                    r.wrapped,
                    f"{r.rps / b.rps:.0%}",
                ]
            )
            best_bare = b if best_bare is None or b.rps > best_bare.rps else best_bare
            best_reply = r if best_reply is None or r.rps > best_reply.rps else best_reply
        print(
            c.table(
                [
                    "conns",
                    "bare req/s",
                    "bare p99 ms",
                    "bare err",
                    "reply req/s",
                    "reply p50 ms",
                    "reply p99 ms",
                    "reply err",
                    "wrapped",
                    "reply/bare",
                ],
                rows,
            )
        )
        ratio = best_reply.rps / best_bare.rps
        print(f"   max bare app  : {best_bare.rps:8.1f} req/s   ({best_bare.command})")
        print(f"   max reply path: {best_reply.rps:8.1f} req/s   ({best_reply.command})")
        print(f"   ratio {ratio:.1%} (goal >= 10%: {c.verdict(ratio >= RATIO_GOAL)})")

        rate = best_reply.rps / 2
        print(
            f"\n2. Latency at half the reply path's max: {rate:.1f} req/s for {args.latency_seconds:g}s "
            "(open loop, latency from when each request was due)"
        )
        need = int(rate * args.latency_seconds) + 1
        cases.ensure(need)
        c.settle_outbox(DB)
        sms = [(body, c.twilio_headers(sig)) for _, body, sig in cases.requests(need, "l")]
        sms_result = c.constant_rate(base, SMS, sms, rate, args.latency_seconds)
        cases.mark_answered()

        calls = call_requests(procs, base, need)
        c.settle_outbox(DB)
        voice_result = c.constant_rate(base, VOICE, calls, rate, args.latency_seconds)
        rows = []
        for name, result, goal in (
            ("POST /twilio/sms (reply)", sms_result, 100),
            ("POST /twilio/voice (crew calls)", voice_result, VOICE_P99_GOAL_MS),
        ):
            p99 = result.pct(99)
            rows.append(
                [
                    name,
                    f"{result.target_rate:.1f}/s",
                    f"{result.achieved_rate:.1f}/s",
                    result.sent,
                    result.failed,
                    f"{result.pct(50):.1f} ms",
                    f"{p99:.1f} ms",
                    f"{max(result.latency_ms):.1f} ms",
                    f"{result.pct(99, 'service'):.1f} ms",
                    f"< {goal} ms",
                    c.verdict(p99 < goal),
                ]
            )
        print(
            c.table(
                [
                    "path",
                    "target",
                    "achieved",
                    "sent",
                    "non-200",
                    "p50",
                    "p99",
                    "max",
                    "p99 service",
                    "goal p99",
                    "verdict",
                ],
                rows,
            )
        )

        print(
            "\n3. Where a reply's time goes: 310 more replies in this process (Flask test client, no HTTP server,"
            " same database): 10 to warm up, 150 timed, 150 profiled"
        )
        cases.ensure(310)
        c.settle_outbox(DB)
        breakdown(env, cases.requests(310, "b"))
        cases.mark_answered()

        outcomes = c.admin_query("SELECT outcome, count(*) FROM inbound_messages GROUP BY 1 ORDER BY 1", DB)
        connected = c.admin_query("SELECT count(*) FROM timeline WHERE kind = 'call.connected'", DB)[0][0]
        print(
            "\nWhat the requests did (from the database): texts "
            + ", ".join(f"{o} {n}" for o, n in outcomes)
            + f"; calls connected {connected}"
        )
        print(
            "summary: "
            + "; ".join(
                [
                    f"bare {best_bare.rps:.0f} req/s",
                    f"reply {best_reply.rps:.0f} req/s ({ratio:.1%}, goal >= 10%)",
                    f"reply p99 {sms_result.pct(99):.1f} ms at {sms_result.achieved_rate:.0f}/s (goal < 100 ms)",
                    f"call p99 {voice_result.pct(99):.1f} ms at {voice_result.achieved_rate:.0f}/s "
                    f"(goal < {VOICE_P99_GOAL_MS} ms)",
                ]
            )
        )
    finally:
        procs.stop_all()
        if not args.keep_db:
            c.drop_database(DB)


def breakdown(env: dict[str, str], replies: list[tuple[int, bytes, str]]) -> None:
    """SQL statements, commits, time in the database driver, Python CPU per reply, and a profile."""
    import logging
    from urllib.parse import parse_qsl

    logging.basicConfig(level=logging.WARNING)  # before create_app, so the gateway's INFO lines stay quiet
    from gateway.factory import create_app

    app = create_app(env)
    try:
        reply_cost.measure(app, [(dict(parse_qsl(body.decode())), signature) for _, body, signature in replies])
    finally:
        app.extensions["korte_lijn"].db.dispose()


def call_requests(procs: c.Processes, base: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Calls from crews to the proxy numbers of cases still dispatched (each call its own CallSid)."""
    open_jobs = 20 * JOBS_PER_CREW
    first = 1_000_000  # phone numbers apart from the reply cases'
    answers = c.send_events(
        base,
        [
            (f"V-{i}", "case.dispatched", c.dispatched_data(i, crew=i // JOBS_PER_CREW))
            for i in range(first, first + open_jobs)
        ],
    )
    calls = []
    for k in range(count):
        i = first + k % open_jobs
        form = {
            "CallSid": f"CA{k:032d}",
            "AccountSid": c.ACCOUNT_SID,
            "From": c.crew_phone(i // JOBS_PER_CREW),
            "To": answers[k % open_jobs]["proxy_number"],
            "CallStatus": "ringing",
            "Direction": "inbound",
        }
        body, signature = c.signed_form(VOICE, form)
        calls.append((body, c.twilio_headers(signature)))
    return calls


if __name__ == "__main__":
    main()
