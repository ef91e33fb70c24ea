"""How fast the outbox drains to Twilio, within each proxy number's SENDER_MPS, with 1 and 2 workers.

Run from the project root (needs PostgreSQL on 127.0.0.1:5432, user postgres):

    .venv/bin/python bench/outbox_drain.py

For each scenario the database kl_bench_drain is made anew (the Procfile's release step),
the Procfile's worker line is started 1 or 2 times and left idle, and then TEXTS single-
segment texts are queued in one transaction, spread over a pool of N proxy numbers (one
case per text, so no text waits for an earlier one to the same person). The fake Twilio
(tests/fakes/twilio_api.py) stamps each message's arrival. Measured:

* per number, the steady rate: (texts - 1) / (last arrival - first arrival), and the most
  texts that arrived in any 1-second window [t, t + 1 s) (must never exceed SENDER_MPS);
* the achieved rate over the pool (the sum of the per-number rates) against the limit
  N x SENDER_MPS (goal >= 90%, never above);
* the drain time from the commit that queued the texts to the last arrival;
* 2 workers / 1 worker.

Scenarios: SENDER_MPS=10 (Twilio's usual limit) with the texts interleaved over the
numbers (text k from number k mod N) and, to show what a burst on one number does to a
single worker, with the texts queued number by number; then SENDER_MPS=1000, a limit the
workers cannot reach, to show whether a second worker speeds up the drain: once where this
machine's CPU is the limit, and once with the fake answering in 100 ms (as Twilio does) and
SEND_CONCURRENCY=2, where each worker's requests in flight are the limit.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common as c  # noqa: E402

DB = "kl_bench_drain"
# Twilio's API answers in about this long from Europe; with few requests in flight per worker,
# the provider's latency (not this machine's CPU) bounds a worker, and a second one doubles it.
LATENCY, LATENCY_CONCURRENCY = 0.1, 2
BODY = "Gemeente Utrecht: de ploeg komt morgen tussen 8 en 10 uur. Bericht {k}."  # one GSM-7 segment


def queue_texts(db_url: str, numbers: list[str], count: int, order: str) -> float:
    """`count` texts, one case each; returns the wall time of the commit."""
    from sqlalchemy import insert

    from gateway.core.db import Database, utcnow
    from gateway.core.gsm7 import segments
    from gateway.core.models import Case, OutboxMessage

    assert segments(BODY.format(k=count)) == 1
    per_number = -(-count // len(numbers))
    db = Database(db_url)
    now = utcnow()
    cases, texts = [], []
    for k in range(count):
        number = numbers[k % len(numbers)] if order == "interleaved" else numbers[k // per_number]
        cases.append(
            {
                "id": k + 1,
                "case_id": f"D-{k}",
                "reference": f"MOR-{k}",
                "address": "Kerkstraat 12",
                "description": "Een gat in de stoep.",
                "citizen_phone": c.citizen_phone(k),
                "citizen_name": "Anna",
                "citizen_language": "nl",
                "crew_id": "crew-1",
                "crew_phone": c.crew_phone(1),
                "crew_name": "Jan",
                "crew_language": "nl",
                "status": "dispatched",
                "round": 1,
                "proxy_number": number,
                "citizen_channel": "sms",
                "short_code": 100 + k,
                "unclear_replies": 0,
                "awaiting_detail": False,
            }
        )
        texts.append(
            {
                "case_pk": k + 1,
                "channel": "sms",
                "purpose": "relay",
                "recipient": "citizen",
                "to_number": c.citizen_phone(k),
                "from_number": number,
                "body": BODY.format(k=k),
                "status": "pending",
                "priority": 0,
                "due_at": now,
                "attempts": 0,
            }
        )
    with db.transaction() as session:
        session.execute(insert(Case), cases)
        session.execute(insert(OutboxMessage), texts)
    committed = time.time()
    db.dispose()
    return committed


def window_max(times: list[float], width: float = 1.0) -> int:
    """The most arrivals in any half-open window [t, t + width)."""
    times = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def claim_cost(fake, case_system, numbers: list[str], sizes=(20, 200, 1000, 2000)) -> list[list]:
    """How long OutboxWorker.claim(20) takes with `size` texts pending, as the worker runs it:
    before PostgreSQL has statistics on the new rows (autovacuum had no reason to ANALYZE
    yet, as in a burst), and right after an ANALYZE of the outbox."""
    logging.basicConfig(level=logging.WARNING)  # before create_app: the gateway's INFO lines stay quiet
    from gateway.factory import create_app

    rows = []
    for size in sizes:
        url = c.recreate_database(DB)
        env = c.base_settings(url, **c.sending_settings(fake, case_system), PROXY_NUMBERS=",".join(numbers))
        c.Processes(env).release()
        queue_texts(url, numbers, size, "interleaved")
        app = create_app(env)
        rt = app.extensions["korte_lijn"]
        timings = []
        for analysed in (False, True):
            if analysed:
                c.admin_query("ANALYZE outbox", DB)
            took = []
            for _ in range(3):
                began = time.perf_counter()
                rt.worker.outbox.claim(20)
                took.append(time.perf_counter() - began)
            timings.append(sorted(took)[1])
        rt.db.dispose()
        rows.append(
            [size, f"{timings[0] * 1000:.1f} ms", f"{timings[1] * 1000:.1f} ms", f"{timings[0] / 20 * 1000:.2f} ms"]
        )
    return rows


def slope_rate(times: list[float]) -> float:
    """Texts per second from a least-squares line through (k, arrival k): the first text's
    connection set-up does not inflate it, as (n - 1) / (last - first) would."""
    n = len(times)
    if n < 2:
        return float("nan")
    mean_k, mean_t = (n - 1) / 2, sum(times) / n
    slope = sum((k - mean_k) * (t - mean_t) for k, t in enumerate(times)) / sum((k - mean_k) ** 2 for k in range(n))
    return 1 / slope


def scenario(
    fake,
    case_system,
    numbers: list[str],
    mps: float,
    workers: int,
    count: int,
    order: str,
    poll: str,
    latency: float = 0.0,
) -> dict:
    fake.reset()
    fake.slow(latency)
    url = c.recreate_database(DB)
    env = c.base_settings(
        url,
        **c.sending_settings(fake, case_system),
        PROXY_NUMBERS=",".join(numbers),
        SENDER_MPS=f"{mps:g}",
        WORKER_POLL_INTERVAL=poll,
        **({"SEND_CONCURRENCY": str(LATENCY_CONCURRENCY)} if latency else {}),
    )
    procs = c.Processes(env)
    procs.release()
    try:
        for w in range(workers):
            procs.start_worker(f"worker{w + 1}")
        time.sleep(1)  # every worker has ticked once and is idle
        committed = queue_texts(url, numbers, count, order)
        deadline = time.time() + 60 + count / (mps * len(numbers))
        while len(fake.messages) < count:
            if time.time() > deadline:
                raise SystemExit(
                    f"only {len(fake.messages)} of {count} texts arrived:\n"
                    + "\n".join(procs.log(f"worker{w + 1}")[-3000:] for w in range(workers))
                )
            time.sleep(0.05)
        time.sleep(0.5)  # anything sent twice would show up now
    finally:
        procs.stop_all()
    messages = list(fake.messages)
    sent = c.admin_query("SELECT count(*) FROM outbox WHERE status = 'sent'", DB)[0][0]
    per = {}
    for number in numbers:
        times = sorted(m["arrived"] for m in messages if m["From"] == number)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        per[number] = {
            "texts": len(times),
            "rate": slope_rate(times),
            "window": window_max(times),
            "window5": window_max(times, 5.0),
            "min_gap": min(gaps) if gaps else float("nan"),
        }
    arrivals = sorted(m["arrived"] for m in messages)
    return {
        "mps": mps,
        "workers": workers,
        "order": order + (f", Twilio {latency * 1000:.0f} ms" if latency else ""),
        "latency": latency,
        "count": count,
        "arrived": len(messages),
        "sent_rows": sent,
        "duplicates": len(messages) - len({m["Body"] for m in messages}),
        "rate": (len(arrivals) - 1) / (arrivals[-1] - arrivals[0]),
        "window": max(p["window"] for p in per.values()),
        "sustained": max(p["window5"] for p in per.values()) / 5,
        "drain": arrivals[-1] - committed,
        "per": per,
        "limit": mps * len(numbers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=3, help="proxy numbers in the pool (default 3)")
    parser.add_argument("--texts", type=int, default=450, help="texts at SENDER_MPS=10 (default 450)")
    parser.add_argument("--fast-texts", type=int, default=1500, help="texts at SENDER_MPS=1000 (default 1500)")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    numbers = c.proxy_numbers(args.numbers)
    poll = "0.5"
    print("bench/outbox_drain.py: draining the outbox within SENDER_MPS per proxy number")
    print(c.machine())
    print(
        f"pool: {args.numbers} proxy numbers; worker: `{c.procfile()['worker']}`, "
        f"WORKER_POLL_INTERVAL={poll}; fake Twilio on loopback"
    )
    plan = [
        (10, 1, args.texts, "interleaved", 0.0),
        (10, 2, args.texts, "interleaved", 0.0),
        (10, 1, args.texts, "by number", 0.0),
        (10, 2, args.texts, "by number", 0.0),
        (1000, 1, args.fast_texts, "interleaved", 0.0),
        (1000, 2, args.fast_texts, "interleaved", 0.0),
        (1000, 1, 400, "interleaved", LATENCY),
        (1000, 2, 400, "interleaved", LATENCY),
    ]
    results = []
    with c.fakes_and_database(DB, args.keep_db) as (fake, case_system):
        for mps, workers, count, order, latency in plan:
            print(
                f"  SENDER_MPS={mps}, {workers} worker(s), {count} texts queued {order}"
                + (
                    f", Twilio answering in {latency * 1000:.0f} ms, SEND_CONCURRENCY={LATENCY_CONCURRENCY}"
                    if latency
                    else ""
                )
                + " ...",
                flush=True,
            )
            results.append(scenario(fake, case_system, numbers, mps, workers, count, order, poll, latency))
        print("  the claim query with more and more texts pending ...", flush=True)
        claims = claim_cost(fake, case_system, numbers)

    rows = []
    for r in results:
        share = r["rate"] / r["limit"]
        limited = r["mps"] * args.numbers <= 100
        rows.append(
            [
                r["mps"],
                r["workers"],
                r["order"],
                r["arrived"],
                r["duplicates"],
                f"{r['drain']:.2f} s",
                f"{r['rate']:.1f}/s",
                f"{r['limit']:g}/s",
                f"{share:.1%}",
                r["window"],
                f"{r['sustained']:.1f}/s",
                (c.verdict(share >= 0.9 and r["window"] <= r["mps"]) if limited else "-"),
            ]
        )
    print()
    print(
        c.table(
            [
                "SENDER_MPS",
                "workers",
                "queued",
                "sent",
                "dupes",
                "drain time",
                "achieved",
                "limit N x MPS",
                "achieved/limit",
                "max in any 1 s",
                "max 5 s avg",
                "goal >=90%, never above",
            ],
            rows,
        )
    )
    print(
        "achieved = (texts - 1) / (last arrival - first arrival) over the pool; 'max in any 1 s' = most texts"
        " from one number\nin any window [t, t + 1 s); 'max 5 s avg' = most in any 5-second window / 5."
    )
    print("\nPer number: texts @ steady rate (least squares), max in any 1 s window, smallest gap between two texts:")
    for r in results:
        print(
            f"  SENDER_MPS={r['mps']}, {r['workers']} worker(s), {r['order']}: "
            + "; ".join(
                f"{n[-3:]}: {p['texts']} @ {p['rate']:.2f}/s, max {p['window']}, gap {p['min_gap'] * 1000:.0f} ms"
                for n, p in r["per"].items()
            )
        )
    print()
    print(
        c.table(
            ["texts pending", "claim(20), no statistics yet", "claim(20) after ANALYZE", "per text claimed"],
            claims,
            title="The worker's claim query (gateway/core/outbox/claim.py), in-process, median of 3:",
        )
    )
    print("\n2 workers / 1 worker (achieved rate over the pool):")
    for order, mps in (
        ("interleaved", 10),
        ("by number", 10),
        ("interleaved", 1000),
        (f"interleaved, Twilio {LATENCY * 1000:.0f} ms", 1000),
    ):
        one = next(r for r in results if r["mps"] == mps and r["order"] == order and r["workers"] == 1)
        two = next(r for r in results if r["mps"] == mps and r["order"] == order and r["workers"] == 2)
        print(
            f"  SENDER_MPS={mps}, {order}: {two['rate']:.1f} / {one['rate']:.1f} = {two['rate'] / one['rate']:.2f}x"
            f" (drain {one['drain']:.1f} s -> {two['drain']:.1f} s)"
        )


if __name__ == "__main__":
    main()
