"""What the HTTP and worker benchmarks share: the machine, PostgreSQL databases, the Procfile's
real processes, a timed fake Twilio, wrk, a constant-rate load generator, and tables.

Not a test helper: nothing here asserts; the scripts print what they measured.
"""

from __future__ import annotations

import base64
import itertools
import json
import logging
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

from tests import processes  # noqa: E402

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
PUBLIC_BASE_URL = "https://korte-lijn.bench.example"
ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
CASE_KEY = "bench-case-system-key"  # CASE_API_KEYS wants at least 16 characters
CALLBACK_SECRET = "whsec_" + base64.b64encode(b"bench-callback-secret-32-bytes!!").decode()
WRK_LUA = Path(__file__).resolve().parent / "wrk_replay.lua"


# --- the machine ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    return (
        f"machine: {platform.platform()}; {os.cpu_count()} CPU(s){' (' + cpu + ')' if cpu else ''}{load}\n"
        f"         Python {platform.python_version()} ({sys.executable}); {postgres_version()}\n"
        f"         code: {revision()}; started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}"
    )


def revision() -> str:
    """The commit measured, and whether gateway/ or flows/ differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "gateway", "flows", "app.py"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"git {head or '?'}" + (" + uncommitted changes in gateway/flows" if dirty else "")


def postgres_version() -> str:
    try:
        version = admin_query("SHOW server_version")[0][0]
        autovacuum = admin_query("SHOW autovacuum")[0][0]
        commit = admin_query("SHOW synchronous_commit")[0][0]
    except Exception as exc:  # the script says so itself when it needs the database
        return f"PostgreSQL unreachable ({type(exc).__name__})"
    note = " (the scripts ANALYZE where autovacuum would have)" if autovacuum == "off" else ""
    return f"PostgreSQL {version}, autovacuum {autovacuum}{note}, synchronous_commit {commit}"


def need_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        print(
            "wrk is not installed. Install it with:  apt-get install -y wrk   (Debian/Ubuntu; "
            "brew install wrk on macOS), then run this script again.",
            file=sys.stderr,
        )
        sys.exit(2)
    return wrk


# --- PostgreSQL ------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def admin_query(sql: str, dbname: str = "postgres") -> list[tuple]:
    import psycopg

    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def recreate_database(name: str) -> str:
    assert name.startswith("kl_bench_"), name
    drop_database(name)
    admin_query(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    assert name.startswith("kl_bench_"), name
    admin_query(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def settle_outbox(name: str) -> int:
    """Mark every pending text and callback sent, as a worker elsewhere that keeps up would have.

    The HTTP benchmarks stop the worker so that it takes no CPU from the web path; without
    this, each run would start with the previous runs' thank-you texts and callbacks still
    pending, and the reply path slows down as they pile up (see bench/README.md)."""
    rows = admin_query(
        "UPDATE outbox SET status = 'sent', sent_at = now() AT TIME ZONE 'utc', locked_until = NULL "
        "WHERE status = 'pending' RETURNING id",
        name,
    )
    return len(rows)


def analyze(name: str) -> None:
    """What autovacuum does every minute or so (and this server may not: see machine())."""
    admin_query("ANALYZE", name)


# --- settings and the Procfile's processes ---------------------------------------------------------


def base_settings(db_url: str, **extra: str) -> dict[str, str]:
    """The environment every process of a benchmark gets (on top of this process's own)."""
    env = {
        "DATABASE_URL": db_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "CASE_API_KEYS": CASE_KEY,
        "ORGANISATION_NAME": "Gemeente Utrecht",
        "QUIET_HOURS": "",
        "TIMEZONE": "Europe/Amsterdam",
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra)
    return env


procfile, web_command = processes.procfile, processes.web_command


class Processes(processes.Processes):
    """tests/processes.py's process groups, with this process's environment under the
    benchmark's settings, and output in a fresh folder unless one is given."""

    def __init__(self, env: dict[str, str], logs: Path | None = None):
        super().__init__({**os.environ, **env}, Path(logs or tempfile.mkdtemp(prefix="kl_bench_")))


# --- fakes at the network edge -----------------------------------------------------------------------


def timed_fake_twilio():
    """tests/fakes/twilio_api.py's fake, with each message's arrival time (time.time()) recorded."""
    from tests.fakes.twilio_api import FakeTwilio

    class TimedFakeTwilio(FakeTwilio):
        def _create(self, prefix, into, request):
            arrived = time.time()
            with self._lock:  # a Condition over an RLock: the parent's own `with` nests
                response = super()._create(prefix, into, request)
                into[-1]["arrived"] = arrived
            return response

    return TimedFakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()


def fake_case_system():
    from tests.fakes.case_system import FakeCaseSystem

    return FakeCaseSystem(CALLBACK_SECRET).start()


@contextmanager
def fakes_and_database(database: str, keep_database: bool):
    """The timed fake Twilio and the fake case system on loopback, for a benchmark's runs;
    at the end both stop and the benchmark's database is dropped (unless it is to be kept)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the fakes' access log
    fake, case_system = timed_fake_twilio(), fake_case_system()
    try:
        yield fake, case_system
    finally:
        fake.server.stop()
        case_system.server.stop()
        if not keep_database:
            drop_database(database)


def sending_settings(fake_twilio, case_system) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "CASE_CALLBACK_URL": case_system.url,
        "CASE_CALLBACK_SECRET": CALLBACK_SECRET,
    }


# --- talking to the gateway --------------------------------------------------------------------------


def citizen_phone(i: int) -> str:
    return f"+3161{i:07d}"


def crew_phone(i: int) -> str:
    return f"+3162{i:07d}"


def proxy_numbers(n: int) -> list[str]:
    return [f"+31970100{k:05d}" for k in range(1, n + 1)]


def post(base: str, path: str, body: bytes, headers: dict[str, str], timeout: float = 30) -> tuple[int, bytes]:
    host, port = base.removeprefix("http://").split(":")
    conn = HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def event(case_id: str, event_type: str, data: dict) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"type": event_type, "data": {"case_id": case_id, **data}}).encode()
    return body, {
        "Authorization": f"Bearer {CASE_KEY}",
        "webhook-id": "evt_" + uuid.uuid4().hex,
        "Content-Type": "application/json",
    }


def dispatched_data(i: int, crew: int | None = None) -> dict:
    crew = i if crew is None else crew
    return {
        "reference": f"MOR-{i}",
        "address": f"Kerkstraat {i % 200 + 1}",
        "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
        "citizen": {"phone": citizen_phone(i), "name": "Anna"},
        "crew": {"id": f"crew-{crew}", "phone": crew_phone(crew), "name": "Jan"},
    }


def send_events(base: str, items: list[tuple[str, str, dict]], concurrency: int = 8) -> list[dict]:
    """POST (case_id, type, data) events with `concurrency` threads; returns the 202 answers in order."""
    answers: list[dict | None] = [None] * len(items)
    counter = itertools.count()
    failures: list[str] = []

    def run() -> None:
        while True:
            k = next(counter)
            if k >= len(items) or failures:
                return
            body, headers = event(*items[k])
            for attempt in range(5):
                status, answer = post(base, "/v1/events", body, headers)
                if status == 202:
                    answers[k] = json.loads(answer)
                    break
                if status != 409 and status != 503:
                    failures.append(f"{items[k][:2]}: {status} {answer[:300]!r}")
                    return
                time.sleep(0.2 * (attempt + 1))
            else:
                failures.append(f"{items[k][:2]}: still {status} after retries")

    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit("events refused: " + "; ".join(failures[:5]))
    return answers  # type: ignore[return-value]


def signed_form(path: str, form: dict[str, str]) -> tuple[bytes, str]:
    """The urlencoded body and the X-Twilio-Signature Twilio would send for it."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, form)
    return urlencode(form).encode(), signature


def write_requests(path: Path, requests: list[tuple[bytes, str]]) -> None:
    """One request a line for bench/wrk_replay.lua: signature TAB urlencoded body."""
    with open(path, "wb") as out:
        for body, signature in requests:
            assert b"\t" not in body and b"\n" not in body
            out.write(signature.encode() + b"\t" + body + b"\n")


# --- wrk ---------------------------------------------------------------------------------------------


@dataclass
class WrkResult:
    connections: int
    duration: float
    requests: int
    errors: dict
    wrapped: int  # requests sent after a thread had used up its share of the pre-made bodies
    latency_ms: dict[str, float]
    command: str

    @property
    def rps(self) -> float:
        return self.requests / self.duration

    @property
    def failed(self) -> int:
        return sum(self.errors.values())


def run_wrk(
    base: str, path: str, requests_file: Path | None, connections: int, seconds: float, threads: int = 2, skip: int = 0
) -> WrkResult:
    """wrk against POST `path`, replaying the pre-signed requests in `requests_file` (bodies from `skip`).

    Each wrk thread takes every threads-th line, so no two requests share a MessageSid.
    """
    wrk = need_wrk()
    threads = max(1, min(threads, connections))
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--latency",
        "-s",
        str(WRK_LUA),
        base + path,
        "--",
        str(requests_file or "-"),
        str(threads),
        str(skip),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    match = re.search(r"^BENCH_JSON (.*)$", done.stdout, re.M)
    if done.returncode != 0 or not match:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(match.group(1))
    return WrkResult(
        connections=connections,
        duration=data["duration_us"] / 1e6,
        requests=data["requests"],
        errors=data["errors"],
        wrapped=data["wrapped"],
        latency_ms={k: v / 1000 for k, v in data["latency_us"].items()},
        command=" ".join(command),
    )


# --- a constant-rate (open-loop) load generator --------------------------------------------------------


@dataclass
class RateResult:
    target_rate: float
    achieved_rate: float
    sent: int
    failed: int
    statuses: dict[int, int]
    latency_ms: list[float] = field(repr=False)  # from the moment each request was due (no coordinated omission)
    service_ms: list[float] = field(repr=False)  # from the moment it was actually sent
    # Per request k: (time.time() when sent, time.time() when answered, HTTP status, answer body).
    each: dict[int, tuple[float, float, int, bytes]] = field(default_factory=dict, repr=False)

    def pct(self, p: float, of: str = "latency") -> float:
        values = sorted(self.latency_ms if of == "latency" else self.service_ms)
        if not values:
            return float("nan")
        return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def constant_rate(
    base: str,
    path: str,
    requests: list[tuple[bytes, dict[str, str]]],
    rate: float,
    seconds: float,
    threads: int = 48,
    ok: tuple[int, ...] = (200,),
) -> RateResult:
    """Send requests[k] at start + k/rate, whatever the answers' pace (wrk2's model, in Python threads).

    Latency counts from when a request was due, so a server that falls behind shows it in
    the percentiles instead of quietly slowing the generator down.
    """
    total = min(len(requests), int(rate * seconds))
    if total < int(rate * seconds):
        raise SystemExit(f"only {len(requests)} pre-made requests for {rate:g}/s x {seconds:g}s")
    host, port = base.removeprefix("http://").split(":")
    counter = itertools.count()
    lock = threading.Lock()
    latency, service, statuses, failed, each = [], [], {}, [0], {}
    start = time.perf_counter() + 0.2

    def run() -> None:
        while True:
            k = next(counter)
            if k >= total:
                return
            due = start + k / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            sent, sent_wall = time.perf_counter(), time.time()
            body, headers = requests[k]
            answer = b""
            try:
                conn = HTTPConnection(host, int(port), timeout=30)
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                status = response.status
                conn.close()
            except OSError:
                status = 0
            end = time.perf_counter()
            with lock:
                each[k] = (sent_wall, time.time(), status, answer)
                statuses[status] = statuses.get(status, 0) + 1
                if status not in ok:
                    failed[0] += 1
                latency.append((end - due) * 1000)
                service.append((end - sent) * 1000)

    workers = [threading.Thread(target=run, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    return RateResult(rate, total / elapsed, total, failed[0], statuses, latency, service, each)


def twilio_headers(signature: str) -> dict[str, str]:
    return {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}


# --- printing ------------------------------------------------------------------------------------------


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    out = ([title] if title else []) + [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append("  ".join(v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(row, widths, strict=False)))
    return "\n".join(out)


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
    return str(value)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,]*\.?\d+( ?%| ?ms| ?s| ?/s)?", text))


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")
