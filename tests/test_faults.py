"""Faults against the Procfile's real processes: a killed worker, two workers, a case system
that is down or gone, Twilio failing, PostgreSQL going away, and the per-number rate limit.

Every test starts gunicorn (`web:`) and `flask worker` (`worker:`) as the Procfile says, on
PostgreSQL, with the loopback fakes for Twilio and the case system, drives a burst of cases
over real HTTP and at the end counts what the fakes saw: each expected text once per
recipient and body, each callback once per webhook-id. Figures are printed (pytest -s).

Runs on PostgreSQL only (TEST_DATABASE_URL=postgresql+psycopg://...): several processes
on one SQLite file is not a production setup, and SKIP LOCKED is what is under test.
"""

from __future__ import annotations

import contextlib
import gc
import os
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy.engine import make_url

from gateway.core.config import Config
from gateway.core.outbox import CALLBACK_RETRY_DELAYS, CLAIM_LEASE, TEXT_RETRY_DELAYS
from tests.conftest import CASE_KEY, Persona
from tests.over_http import text_form, twilio_post
from tests.processes import FLASK, ROOT, Processes, free_port

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not ON_POSTGRES,
        reason="fault tests run the Procfile's processes side by side, which "
        "needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://...",
    ),
]

# Not configurable: a row claimed by a worker that died is taken up again this long after its claim.
CLAIM_LEASE_SECONDS = CLAIM_LEASE.total_seconds()
# The first retry of a text and of a callback.
assert TEXT_RETRY_DELAYS[0] == CALLBACK_RETRY_DELAYS[0]
FIRST_RETRY_SECONDS = TEXT_RETRY_DELAYS[0]
# What a worker has in flight at once by default (gateway/core/config.py SEND_CONCURRENCY).
SEND_CONCURRENCY = Config.from_env({}).send_concurrency


# --- the processes -----------------------------------------------------------------------------


class Gateway(Processes):
    """The Procfile's web and worker processes, started, killed and restarted at will."""

    def __init__(self, env: dict[str, str], logs: Path):
        super().__init__(env, logs)
        self.base = env["PUBLIC_BASE_URL"]

    def flask(self, *arguments: str) -> subprocess.CompletedProcess:
        """A `flask --app app ...` command with the processes' own environment."""
        return subprocess.run(
            [FLASK, "--app", "app", *arguments], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60
        )


@pytest.fixture(autouse=True)
def free_connections_left_by_earlier_tests():
    """The tests before these built many apps in this process, and their pools keep idle
    connections; with the Procfile's processes beside them, PostgreSQL's 100 run out. Let go
    of them first, so a refused connection here is the gateway's and not the suite's."""
    gc.collect()
    if ON_POSTGRES:
        import psycopg

        url = make_url(os.environ["TEST_DATABASE_URL"])
        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
        ) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state = 'idle'"
            )


@pytest.fixture
def gateway_for(settings, request, tmp_path):
    """Builds the processes' environment; `start(web=, worker=, **env)` starts them."""
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    started: list[Gateway] = []
    failed_before = request.session.testsfailed

    def start(web: bool = True, worker: bool = True, **overrides: str) -> Gateway:
        port = free_port()
        logs = tmp_path / f"gateway-{len(started)}"
        logs.mkdir()
        env = {
            **settings,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "CONFIRMATION_DELAY": "1s",
            "WORKER_POLL_INTERVAL": "0.2",
            **overrides,
        }
        gateway = Gateway(env, logs)
        started.append(gateway)
        if web:
            gateway.start_web(port=port)
        if worker:
            gateway.start_worker()
        return gateway

    yield start
    for gateway in started:
        # kill -9 at once: a graceful stop takes seconds per process, and a process that is
        # gone cannot text into the next test's fakes.
        gateway.stop_all(kill=True)
        if request.session.testsfailed > failed_before:
            print(gateway.output())


# --- the cases ---------------------------------------------------------------------------------


@dataclass
class Job:
    """One case in a burst, with its own resident and crew member."""

    n: int
    answer: str = "nee"
    detail: str | None = None  # a second text after NEE: what is still wrong
    proxy: str | None = None
    citizen: Persona = field(init=False)
    crew: Persona = field(init=False)

    def __post_init__(self):
        self.citizen = Persona(f"Bewoner {self.n}", f"+3161{self.n:07d}", f"06 1{self.n:07d}")
        self.crew = Persona(f"Ploeg {self.n}", f"+3162{self.n:07d}", f"06-2{self.n:07d}")

    @property
    def case_id(self) -> str:
        return f"MOR-F-{self.n:04d}"

    @property
    def reference(self) -> str:
        return f"F{self.n}"

    def dispatched(self, **changes) -> dict:
        return {
            "case_id": self.case_id,
            "reference": self.reference,
            "address": f"Dorpsweg {self.n}",
            "description": "Gat in de stoep.",
            "citizen": {"phone": self.citizen.national, "name": "Bewoner"},
            "crew": {"id": f"crew-{self.n}", "phone": self.crew.national, "name": "Ploeg"},
            **changes,
        }

    def expected_for_citizen(self) -> Counter:
        thanks = "thanks_no" if self.answer == "nee" else "thanks_yes"
        return Counter(["dispatch", "question", thanks] + (["forwarded"] if self.detail else []))

    def expected_callbacks(self) -> list[str]:
        first = "case.reopened" if self.answer == "nee" else "case.confirmed"
        return [first] + (["case.citizen_message"] if self.detail else [])


def burst(count: int, start: int = 0, detail: str | None = None) -> list[Job]:
    """Half the residents say NEE (with `detail` after it, if given), half JA."""
    return [
        Job(n, answer="nee" if n % 2 == 0 else "ja", detail=detail if n % 2 == 0 else None)
        for n in range(start, start + count)
    ]


KINDS = (
    ("komt een ploeg", "dispatch"),
    ("opgelost? Antwoord JA of NEE.", "question"),
    ("We pakken melding", "thanks_no"),
    ("We sluiten melding", "thanks_yes"),
    ("doorgegeven", "forwarded"),
    ("De melder schrijft", "dispatch_crew"),
    (", melder ", "relay_to_crew"),
)


def kind_of(body: str) -> str:
    return next((kind for marker, kind in KINDS if marker in body), "other")


def post_event(base: str, event_type: str, data: dict, webhook_id: str | None = None) -> requests.Response:
    return requests.post(
        base + "/v1/events",
        json={"type": event_type, "data": data},
        timeout=15,
        headers={"Authorization": f"Bearer {CASE_KEY}", "webhook-id": webhook_id or "evt_" + uuid.uuid4().hex},
    )


def at_once(work, jobs: list[Job]) -> None:
    """`work(job)` for every job, four at a time, as a case system's burst comes in."""
    with ThreadPoolExecutor(4) as pool:
        for done in [pool.submit(work, job) for job in jobs]:
            done.result()


def dispatch_all(base: str, jobs: list[Job], together: bool = True) -> None:
    def dispatch(job: Job) -> None:
        answer = post_event(base, "case.dispatched", job.dispatched())
        assert answer.status_code == 202, answer.text
        job.proxy = answer.json()["proxy_number"]

    if together:
        at_once(dispatch, jobs)
    else:
        for job in jobs:
            dispatch(job)


def complete_all(base: str, jobs: list[Job]) -> None:
    def complete(job: Job) -> None:
        answer = post_event(base, "case.completed", {"case_id": job.case_id})
        assert answer.status_code == 202, answer.text

    at_once(complete, jobs)


def text_from(base: str, person: Persona, body: str, proxy: str) -> None:
    answer = twilio_post(base, "/twilio/sms", text_form(person, body, proxy))
    assert answer.status_code == 200, answer.text


def reply(base: str, job: Job) -> None:
    """She answers JA or NEE, and after a NEE, if she has one, says what is still wrong."""
    text_from(base, job.citizen, job.answer, job.proxy)
    if job.detail:
        text_from(base, job.citizen, job.detail, job.proxy)


def kinds_to(fake_twilio, number: str) -> Counter:
    return Counter(kind_of(body) for body in fake_twilio.texts_to(number))


def answer_when_asked(base: str, jobs: list[Job], fake_twilio, timeout: float) -> None:
    """Each resident answers as soon as her question has arrived (JA before it is not an answer)."""
    waiting = list(jobs)
    deadline = time.monotonic() + timeout
    while waiting:
        assert time.monotonic() < deadline, f"no question for {[job.case_id for job in waiting]}"
        asked = [job for job in waiting if kinds_to(fake_twilio, job.citizen.phone)["question"]]
        at_once(lambda job: reply(base, job), asked)
        waiting = [job for job in waiting if job not in asked]
        time.sleep(0.1)


def missing(jobs: list[Job], fake_twilio, case_system) -> list[str]:
    """Expected texts and callbacks that have not arrived (duplicates are counted elsewhere)."""
    callbacks = Counter((d.data["case_id"], d.type) for d in case_system.deliveries)
    gaps = []
    for job in jobs:
        texts = job.expected_for_citizen() - kinds_to(fake_twilio, job.citizen.phone)
        texts += Counter(["dispatch_crew"]) - kinds_to(fake_twilio, job.crew.phone)
        gaps += [f"{job.case_id} text {kind}" for kind in texts]
        gaps += [
            f"{job.case_id} callback {kind}" for kind in job.expected_callbacks() if not callbacks[(job.case_id, kind)]
        ]
    return gaps


def wait_for_everything(jobs: list[Job], fake_twilio, case_system, timeout: float) -> float:
    started = time.monotonic()
    wait_until(
        lambda: not missing(jobs, fake_twilio, case_system),
        timeout,
        lambda: f"every text and callback of the burst; missing {missing(jobs, fake_twilio, case_system)}",
    )
    time.sleep(0.6)  # a straggling second copy would arrive within these three worker ticks
    return time.monotonic() - started


def duplicates(fake_twilio, numbers) -> int:
    """Texts that went out more than once, as the fake saw them (per recipient and body)."""
    numbers = set(numbers)
    sent = Counter((m["To"], m["Body"]) for m in list(fake_twilio.messages) if m["To"] in numbers)
    return sum(times - 1 for times in sent.values())


def assert_exactly_once(jobs: list[Job], fake_twilio, case_system) -> None:
    """Every expected text and callback arrived exactly once, and nothing else did."""
    for job in jobs:
        assert kinds_to(fake_twilio, job.citizen.phone) == job.expected_for_citizen(), job.case_id
        assert kinds_to(fake_twilio, job.crew.phone) == Counter(["dispatch_crew"]), job.case_id
    assert duplicates(fake_twilio, [p.phone for job in jobs for p in (job.citizen, job.crew)]) == 0
    assert_callbacks_once_in_order(jobs, case_system)


def assert_callbacks_once_in_order(jobs: list[Job], case_system) -> None:
    per_id = Counter(d.webhook_id for d in case_system.deliveries)
    assert max(per_id.values()) == 1, [webhook_id for webhook_id, times in per_id.items() if times > 1]
    for job in jobs:
        delivered = [d.type for d in case_system.deliveries if d.data["case_id"] == job.case_id]
        assert delivered == job.expected_callbacks(), job.case_id
    # A retry carries the webhook-id of its first attempt: no attempt under an id never delivered.
    assert set(case_system.attempts) == set(per_id)
    assert case_system.rejected == [], "a callback's signature did not verify"


def wait_until(condition, timeout: float, what, poll: float = 0.05) -> None:
    """`what` says what was awaited; a callable is asked only when the wait failed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what() if callable(what) else what}")
        time.sleep(poll)


def accepted(fake_twilio, numbers) -> int:
    numbers = set(numbers)
    return sum(1 for m in list(fake_twilio.messages) if m["To"] in numbers)


def kill_while_sending(gateway: Gateway, worker: str, fake_twilio, numbers) -> dict:
    """kill -9 the worker while a text to one of `numbers` is at Twilio, after 5 went through:
    the fake holds the request until the worker is dead, then accepts it, as a slow Twilio would.
    Returns that request's form."""
    wait_until(lambda: accepted(fake_twilio, numbers) >= 5, 20, "the first texts of the burst")
    fake_twilio.hold()
    try:
        fake_twilio.wait_until_held()
        [in_flight] = [a for a in fake_twilio.arrivals if a.status is None]
        gateway.kill(worker)
    finally:
        fake_twilio.release()
    wait_until(lambda: in_flight.status == 201, 10, "Twilio accepting the text the dead worker sent")
    return in_flight.form


def numbers_of(jobs: list[Job]) -> list[str]:
    return [p.phone for job in jobs for p in (job.citizen, job.crew)]


# --- 1. a worker killed mid-burst ----------------------------------------------------------------


def test_it_loses_no_text_when_the_worker_is_killed_mid_burst_and_sends_none_twice_with_status_callbacks(
    gateway_for, fake_twilio, case_system
):
    """Two kills, one wait. Without status callbacks, the text in flight when the worker dies
    is accepted by Twilio but never recorded, so it goes again when its claim lease ends
    (measured and printed, not asserted). With Twilio's "sent" status callback, the web
    records it and the lease finds nothing to resend (asserted). Rows the dead worker had
    claimed but not sent wait out the 60 s lease: nothing is lost. A forged "sent" for the
    text in flight is refused: it would have kept a text from being sent at all."""
    gateway = gateway_for()
    without, with_reports = burst(20, start=100), burst(20, start=200)
    started = time.monotonic()

    dispatch_all(gateway.base, without)
    in_flight = kill_while_sending(gateway, "worker", fake_twilio, numbers_of(without))
    first_kill = time.monotonic()
    gateway.start_worker("worker-restarted")
    path = urlsplit(in_flight["StatusCallback"])
    forged = {"MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "sent", "To": in_flight["To"]}
    assert (
        twilio_post(
            gateway.base, f"{path.path}?{path.query}", forged, signed_for="https://attacker.example"
        ).status_code
        == 403
    )

    fake_twilio.report_status("sent", only_to=numbers_of(with_reports))
    dispatch_all(gateway.base, with_reports)
    kill_while_sending(gateway, "worker-restarted", fake_twilio, numbers_of(with_reports))
    gateway.start_worker("worker-restarted-again")

    jobs = without + with_reports
    complete_all(gateway.base, jobs)
    answer_when_asked(gateway.base, jobs, fake_twilio, timeout=CLAIM_LEASE_SECONDS + 30)
    wait_for_everything(jobs, fake_twilio, case_system, timeout=30)
    recovered = time.monotonic() - first_kill

    twice_without = duplicates(fake_twilio, numbers_of(without))
    twice_with = duplicates(fake_twilio, numbers_of(with_reports))
    reports = Counter(answer for _, answer in fake_twilio.status_reports)
    print(
        f"\nkilled worker: texts sent twice without status callbacks: {twice_without} of "
        f"{accepted(fake_twilio, numbers_of(without))}; with status callbacks: {twice_with} of "
        f"{accepted(fake_twilio, numbers_of(with_reports))}; everything delivered {recovered:.1f}s after "
        f"the first kill; status callbacks answered {dict(reports)}; total {time.monotonic() - started:.1f}s"
    )
    assert missing(jobs, fake_twilio, case_system) == []  # nothing lost
    assert_exactly_once(with_reports, fake_twilio, case_system)
    assert twice_with == 0
    assert set(reports) == {204}, "the fake's signed status callbacks were not all accepted"
    assert_callbacks_once_in_order(jobs, case_system)


# --- 2. two workers ------------------------------------------------------------------------------


def test_it_shares_a_burst_between_two_workers_and_sends_each_text_once(gateway_for, fake_twilio, case_system):
    """Each worker is given its own spelling of the fake's address (127.0.0.1 or localhost):
    the Host header of every request the fake receives tells which worker sent it. The
    worker logs no line per send, so this is the reliable signal."""
    gateway = gateway_for(worker=False)
    gateway.start_worker("worker-a")
    gateway.start_worker("worker-b", TWILIO_API_BASE_URL=fake_twilio.url.replace("127.0.0.1", "localhost"))
    fake_twilio.slow(0.02)
    jobs = burst(40, start=300)
    started = time.monotonic()

    dispatch_all(gateway.base, jobs)
    complete_all(gateway.base, jobs)
    answer_when_asked(gateway.base, jobs, fake_twilio, timeout=30)
    wait_for_everything(jobs, fake_twilio, case_system, timeout=30)

    by_worker = Counter(
        "worker-b" if a.host.startswith("localhost") else "worker-a" for a in fake_twilio.arrivals if a.status == 201
    )
    print(
        f"\ntwo workers: {sum(by_worker.values())} texts in {time.monotonic() - started:.1f}s, "
        f"sent per worker {dict(by_worker)}"
    )
    assert_exactly_once(jobs, fake_twilio, case_system)
    assert by_worker["worker-a"] > 0 and by_worker["worker-b"] > 0, by_worker
    assert gateway.alive("worker-a") and gateway.alive("worker-b")


# --- 3. the case system down, then gone ----------------------------------------------------------

DETAIL = "Het gat zit er nog, nu ligt er ook een bord."


def ask_everyone(gateway: Gateway, jobs: list[Job], fake_twilio) -> None:
    dispatch_all(gateway.base, jobs)
    complete_all(gateway.base, jobs)
    wait_until(lambda: all(kinds_to(fake_twilio, job.citizen.phone)["question"] for job in jobs), 30, "every question")


def test_it_delivers_every_callback_once_in_order_with_its_webhook_id_after_the_case_system_was_down(
    gateway_for, fake_twilio, case_system
):
    """The case system answers 503 for 9.5 s. A failed callback is retried after 5 s, the next
    time after 5 min, so the outage is shaped with Retry-After to fit the test in seconds:
    during its first 5.5 s the case system asks for 11 s (longer than the schedule's 5 s and
    longer than the rest of the outage), after that for 1 s (shorter than the schedule, which
    then holds). The first half of the residents answer at the start, the second half after
    5.5 s. Every callback queued during the outage then fails exactly once and goes through
    on its first retry. Proves: nothing lost, one delivery per webhook-id, a retry keeps its
    webhook-id, a case's callbacks arrive in order (the second waits for the first), a longer
    Retry-After is honoured, a shorter one does not make the gateway hammer."""
    gateway = gateway_for()
    jobs = burst(20, start=400, detail=DETAIL)
    ask_everyone(gateway, jobs, fake_twilio)

    case_system.down(503, retry_after="11")
    down_at = time.monotonic()
    at_once(lambda job: reply(gateway.base, job), jobs[:10])
    time.sleep(max(0.0, down_at + 5.5 - time.monotonic()))
    case_system.down(503, retry_after="1")
    at_once(lambda job: reply(gateway.base, job), jobs[10:])
    time.sleep(max(0.0, down_at + 9.5 - time.monotonic()))
    case_system.up()
    up_at = time.monotonic()
    waited = wait_for_everything(jobs, fake_twilio, case_system, timeout=30)

    log = list(case_system.attempt_log)
    during = [a for a in log if a.at < up_at]
    assert during and all(a.status == 503 for a in during)
    failed = Counter(a.webhook_id for a in log if a.status != 200)
    assert max(failed.values()) == 1, "a callback failed twice: the retry came before the outage ended"
    gaps = {
        a.webhook_id: next(b.at for b in log if b.webhook_id == a.webhook_id and b.status == 200) - a.at
        for a in log
        if a.status == 503
    }
    asked_long = [gaps[a.webhook_id] for a in during if a.at < down_at + 5.5]
    asked_short = [gaps[a.webhook_id] for a in during if a.at >= down_at + 5.5]
    assert asked_long and asked_short, "the outage did not catch both waves"
    print(
        f"\ncase system down 9.5s: {len(log)} attempts for {len(case_system.deliveries)} callbacks; "
        f"retried after {min(asked_long):.1f}-{max(asked_long):.1f}s when asked for 11s "
        f"({len(asked_long)}), {min(asked_short):.1f}-{max(asked_short):.1f}s when asked for 1s "
        f"({len(asked_short)}); all delivered {waited:.1f}s after it was back"
    )
    assert min(asked_long) >= 11 - 0.3  # Retry-After honoured (its whole seconds, less clock granularity)
    assert min(asked_short) >= FIRST_RETRY_SECONDS - 0.3  # the schedule's 5 s, not Retry-After's 1 s
    assert_exactly_once(jobs, fake_twilio, case_system)
    case_of = {d.webhook_id: d.data["case_id"] for d in case_system.deliveries}
    for job in jobs:
        # Only a case's first callback ever failed; its second was not tried before the first got through.
        tried = [(a.type, a.status) for a in log if case_of[a.webhook_id] == job.case_id]
        failures = [attempt for attempt in tried if attempt[1] != 200]
        assert tried == failures + [(kind, 200) for kind in job.expected_callbacks()], (job.case_id, tried)
        assert {kind for kind, _ in failures} <= {job.expected_callbacks()[0]}


def test_it_holds_every_callback_while_the_case_system_answers_410_and_sends_them_after_callbacks_enable(
    gateway_for, fake_twilio, case_system
):
    """410 Gone (Standard Webhooks: stop sending) disables the endpoint: the first callback
    that meets it is put back, every other one is held without being tried, the worker logs
    one CRITICAL line, and `flask --app app callbacks-enable` (run as the operator would, with
    the processes' environment) sends every held callback once, in order per case."""
    gateway = gateway_for()
    jobs = burst(20, start=500, detail=DETAIL)
    ask_everyone(gateway, jobs, fake_twilio)

    case_system.down(410)
    at_once(lambda job: reply(gateway.base, job), jobs)  # each callback is queued when its text's POST returns
    wait_until(lambda: "CRITICAL" in gateway.log("worker"), 15, "a CRITICAL line in the worker's log")
    time.sleep(1)  # callbacks that were not held would be attempted within these five worker ticks
    gone = list(case_system.attempt_log)
    critical = [line for line in gateway.log("worker").splitlines() if "CRITICAL" in line]

    assert case_system.deliveries == []
    assert gone and all(attempt.status == 410 for attempt in gone)
    # One attempt per request already in flight when the first 410 came back (a worker sends up
    # to SEND_CONCURRENCY at once, callbacks of different cases side by side); then all are held.
    assert len(gone) <= SEND_CONCURRENCY, [attempt.webhook_id for attempt in gone]
    assert len(critical) == 1 and "callbacks-enable" in critical[0], critical

    case_system.up()
    enabled = gateway.flask("callbacks-enable")
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    expected = sum(len(job.expected_callbacks()) for job in jobs)
    assert f"{expected} held callback(s) due now" in enabled.stdout, enabled.stdout
    waited = wait_for_everything(jobs, fake_twilio, case_system, timeout=20)
    print(
        f"\n410: {len(gone)} attempt(s) in flight before everything was held; `callbacks-enable`: "
        f"{enabled.stdout.strip()!r}; {len(case_system.deliveries)} callbacks delivered {waited:.1f}s later"
    )
    assert_exactly_once(jobs, fake_twilio, case_system)


# --- 4. Twilio failing ---------------------------------------------------------------------------


def test_it_retries_twilio_5xx_429_and_a_hang_sending_each_text_once_but_gives_up_on_an_invalid_number(
    gateway_for, fake_twilio, case_system
):
    """The first four texts meet 500, 503, 429 (Retry-After: 1) and a 12 s hang (the client gives
    up after 10 s); one resident's number is refused with 400/21211 every time. The failed
    texts go out once each on a retry (not before the first retry's 5 s); the refused one is
    tried once and reported as message.undeliverable. The hang holds up the worker's send
    loop for its 10 s: the retries that fell due meanwhile go right after it."""
    gateway = gateway_for()
    jobs = burst(10, start=600)
    invalid = Job(699)  # Twilio refuses her number as no phone number at all: 21211, not retried
    fake_twilio.fail_next(1, status=500)
    fake_twilio.fail_next(1, status=503)
    fake_twilio.fail_next(1, status=429, code=20429, retry_after="1")
    fake_twilio.fail_next(1, status=500, hang=12)  # longer than the client's 10 s timeout
    fake_twilio.refuse(invalid.citizen.phone, status=400, code=21211)
    started = time.monotonic()

    dispatch_all(gateway.base, jobs + [invalid])
    # The crew finishes only after the dispatch texts are out: a dispatch text still waiting
    # for its retry when the job is reported done is withdrawn (flows/confirmation.py), as
    # one held by quiet hours is: "a crew is coming" would only confuse her by then.
    wait_until(
        lambda: all(kinds_to(fake_twilio, job.citizen.phone)["dispatch"] for job in jobs),
        30,
        "every dispatch text, retries included",
    )
    complete_all(gateway.base, jobs)
    answer_when_asked(gateway.base, jobs, fake_twilio, timeout=20)
    wait_for_everything(jobs, fake_twilio, case_system, timeout=20)

    arrivals = list(fake_twilio.arrivals)
    assert [a.status for a in arrivals[:4]] == [500, 503, 429, 500]  # the last: the hang's late answer
    retried = {}
    for fault, failure in zip(("500", "503", "429", "hang"), arrivals, strict=False):
        [success] = [a for a in arrivals if a.form == failure.form and a.status == 201]
        retried[fault] = success.at - failure.at
    print(
        f"\ntwilio faults: sent after {', '.join(f'{k}: {v:.1f}s' for k, v in retried.items())}; "
        f"{len(fake_twilio.messages)} texts, {len(arrivals)} requests, done in {time.monotonic() - started:.1f}s"
    )
    assert min(retried.values()) >= FIRST_RETRY_SECONDS - 0.5
    assert retried["hang"] >= 10 + FIRST_RETRY_SECONDS - 0.5  # the client's 10 s timeout, then the retry
    assert_exactly_once(jobs, fake_twilio, case_system)

    to_invalid = [a for a in arrivals if a.form.get("To") == invalid.citizen.phone]
    assert [a.status for a in to_invalid] == [400]  # not retried: a retry was due 5 s later, 10 s ago
    [undeliverable] = case_system.of_type("message.undeliverable")
    assert undeliverable.data["case_id"] == invalid.case_id
    assert undeliverable.data["channel"] == "sms" and undeliverable.data["error_code"] == "21211"
    assert undeliverable.data["purpose"] == "dispatch_citizen"
    assert kinds_to(fake_twilio, invalid.crew.phone) == Counter(["dispatch_crew"])


# --- 5. PostgreSQL goes away ---------------------------------------------------------------------


class DatabaseProxy:
    """A TCP proxy on loopback between the gateway's processes and PostgreSQL. cut() drops every
    connection and refuses new ones (the port is closed), as a database restart or failover
    does; restore() listens on the same port again."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self._links: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._listen()

    def url(self, database_url: str) -> str:
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def cut(self) -> None:
        self._listener.close()
        with self._lock:
            links, self._links = list(self._links), set()
        for link in links:
            _close(link)

    def restore(self) -> None:
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while listener.fileno() != -1:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # cut
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._links |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with self._lock:
                self._links.discard(end)
            _close(end)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def database_proxy(database_url):
    target = make_url(database_url)
    proxy = DatabaseProxy(target.host or "127.0.0.1", target.port or 5432)
    yield proxy
    proxy.cut()


def test_it_answers_503_while_postgresql_is_away_and_recovers_without_a_restart_sending_everything_once(
    gateway_for, database_proxy, database_url, fake_twilio, case_system
):
    """PostgreSQL drops every connection and refuses new ones for 5 s while the case system and
    Twilio keep calling. The web answers 503 database_unavailable (JSON, Retry-After, no
    traceback), never 500. The cut lands while the worker waits for Twilio (the fake holds its
    request: where a sending worker spends its time); a cut between Twilio's answer and the
    worker's record of it is the next test. Afterwards the same processes carry on: each
    event refused with 503 is delivered again with its webhook-id, as the case system
    retries, and the burst completes exactly once."""
    gateway = gateway_for(DATABASE_URL=database_proxy.url(database_url))
    early, late = burst(10, start=700, detail=DETAIL), burst(10, start=710, detail=DETAIL)
    fake_twilio.slow(0.1)
    dispatch_all(gateway.base, early)
    wait_until(lambda: accepted(fake_twilio, numbers_of(early)) >= 4, 15, "the first texts")
    fake_twilio.hold()
    fake_twilio.wait_until_held()

    database_proxy.cut()
    cut_at = time.monotonic()
    events = [("case.dispatched", job.dispatched(), "evt_" + uuid.uuid4().hex) for job in late]
    events += [("case.completed", {"case_id": job.case_id}, "evt_" + uuid.uuid4().hex) for job in early]
    stranger = Persona("Onbekende", "+31640000001", "06 40000001")
    answers: list[requests.Response] = []
    while time.monotonic() < cut_at + 5:
        for event_type, data, webhook_id in events:
            answers.append(post_event(gateway.base, event_type, data, webhook_id=webhook_id))
        answers.append(
            requests.get(
                f"{gateway.base}/v1/cases/{early[0].case_id}",
                timeout=15,
                headers={"Authorization": f"Bearer {CASE_KEY}"},
            )
        )
        answers.append(twilio_post(gateway.base, "/twilio/sms", text_form(stranger, "Hallo?", early[0].proxy)))
        answers.append(requests.get(gateway.base + "/healthz", timeout=15))
    database_proxy.restore()
    restored_at = time.monotonic()
    wait_until(lambda: requests.get(gateway.base + "/healthz", timeout=15).status_code == 200, 15, "the web back")
    back_after = time.monotonic() - restored_at
    fake_twilio.release()

    print(
        f"\npostgresql away 5s: {len(answers)} requests during the outage answered "
        f"{dict(Counter(a.status_code for a in answers))}; web healthy {back_after:.2f}s after it was back"
    )
    assert {response.status_code for response in answers} == {503}
    for response in answers:
        assert response.json()["error"]["code"] == "database_unavailable", response.text
        assert int(response.headers["Retry-After"]) > 0 and "Traceback" not in response.text

    for event_type, data, webhook_id in events:  # the case system's retries
        retry = post_event(gateway.base, event_type, data, webhook_id=webhook_id)
        assert retry.status_code == 202, retry.text
        if event_type == "case.dispatched":
            next(job for job in late if job.case_id == data["case_id"]).proxy = retry.json()["proxy_number"]
    wait_until(
        lambda: all(kinds_to(fake_twilio, job.citizen.phone)["dispatch"] for job in late), 20, "the late dispatch texts"
    )
    complete_all(gateway.base, late)
    answer_when_asked(gateway.base, early + late, fake_twilio, timeout=30)
    wait_for_everything(early + late, fake_twilio, case_system, timeout=30)
    assert_exactly_once(early + late, fake_twilio, case_system)
    assert gateway.alive("web") and gateway.alive("worker")
    assert "database unavailable" in gateway.log("web")
    assert "send_outbox failed" in gateway.log("worker") or "fire_timers failed" in gateway.log("worker")


def test_it_records_a_text_twilio_accepted_while_postgresql_was_away_and_sends_it_only_once(
    gateway_for, database_proxy, database_url, fake_twilio
):
    """The worker hands a text to Twilio; PostgreSQL goes away before the worker can record
    it; Twilio's "sent" status callback meets the same outage and gets 503 (Twilio does not
    retry status callbacks on an error answer). The worker still knows it sent the text:
    once the database is back it records it, so the 60 s lease has nothing to send again,
    and it goes on with the rest of its batch at once instead of leaving it to the lease.
    (Before the fix, the row stayed pending and the text went out a second time when the
    lease ended, 62 s after the database came back; the crew's text waited as long.)"""
    gateway = gateway_for(DATABASE_URL=database_proxy.url(database_url))
    fake_twilio.report_status("sent")
    fake_twilio.hold()
    [job] = burst(1, start=790)
    dispatch_all(gateway.base, [job])
    fake_twilio.wait_until_held()

    database_proxy.cut()
    [in_flight] = fake_twilio.arrivals
    fake_twilio.release()
    wait_until(lambda: in_flight.status == 201 and fake_twilio.status_reports, 10, "Twilio accepting the text")
    time.sleep(1)  # the worker tries to record the send, and cannot
    database_proxy.restore()
    back = time.monotonic()
    wait_until(lambda: requests.get(gateway.base + "/healthz", timeout=15).status_code == 200, 15, "the web back")

    [text] = fake_twilio.messages
    assert text["To"] == job.citizen.phone
    assert fake_twilio.status_reports == [(text["sid"], 503)]
    outbox_id = int(parse_qs(urlsplit(text["StatusCallback"]).query)["o"][0])

    def recorded() -> bool:
        case = requests.get(
            f"{gateway.base}/v1/cases/{job.case_id}", timeout=15, headers={"Authorization": f"Bearer {CASE_KEY}"}
        ).json()
        return any(
            entry["kind"] == "sms.sent" and entry["data"].get("outbox_id") == outbox_id for entry in case["timeline"]
        )

    wait_until(recorded, 8, f"the send of outbox row {outbox_id} on the case's timeline", poll=0.2)
    wait_until(lambda: kinds_to(fake_twilio, job.crew.phone)["dispatch_crew"], 8, "the crew's text, next in the batch")
    print(
        f"\ntext sent while postgresql was away: recorded and the batch went on "
        f"{time.monotonic() - back:.1f}s after it was back"
    )
    assert kinds_to(fake_twilio, job.citizen.phone) == Counter(["dispatch"])
    assert "the database is away" in gateway.log("worker")


# --- 6. the rate limit ---------------------------------------------------------------------------


def busiest_second(times: list[float]) -> int:
    """The most sends in any window [t, t + 1 s) that starts at a send."""
    times = sorted(times)
    return max(sum(1 for other in times[i:] if other < start + 1.0) for i, start in enumerate(times))


def test_it_keeps_each_proxy_number_to_sender_mps_at_full_speed_and_sends_a_reply_before_the_bulk(
    gateway_for, fake_twilio, case_system
):
    """SENDER_MPS=5 and two proxy numbers; 60 one-segment dispatch texts (30 cases) are queued
    before the worker starts. Measured at the fake, per From number: no window of one second
    holds more than 5 sends, plus 1 for clock edges: the limiter hands out slots exactly 0.2 s
    apart, so six consecutive slots span exactly 1.0 s, and a send that reaches the fake a
    little after its slot (the first request opens a connection; a worker finishing another
    row) starts a window that the sixth slot then falls inside. Seen: 6, never more. Together
    the numbers must drain at 80% or more of 2 x 5/s. A resident's text relayed to her crew
    while the bulk drains goes before the bulk queued ahead of it (answers before bulk)."""
    numbers = ("+3197010000001", "+3197010000002")
    gateway = gateway_for(
        worker=False, SENDER_MPS="5", PROXY_NUMBERS=",".join(numbers), ORGANISATION_NAME="Gemeente Ede"
    )
    # Fifteen residents, each with two cases: her second case cannot share her first one's
    # number, so the pool puts fifteen cases on each number.
    jobs = []
    for n in range(15):
        first, second = Job(800 + n), Job(850 + n)
        second.citizen = first.citizen
        jobs += [first, second]
    dispatch_all(gateway.base, jobs, together=False)
    assert Counter(job.proxy for job in jobs) == Counter({numbers[0]: 15, numbers[1]: 15})

    gateway.start_worker()
    replying = jobs[0]
    wait_until(lambda: kinds_to(fake_twilio, replying.crew.phone)["dispatch_crew"], 10, "her crew's dispatch text")
    text_from(gateway.base, replying.citizen, "Ik ben thuis tot twaalf uur, bel even aan.", replying.proxy)
    queued_at = time.monotonic()
    wait_until(lambda: len(fake_twilio.messages) >= 61, 30, "the 60 dispatch texts and the relay")
    time.sleep(0.5)

    sent = [a for a in fake_twilio.arrivals if a.status == 201]
    assert len(sent) == 61
    assert all(
        len(a.form["Body"]) <= 160 and a.form["Body"].isascii() and not set(a.form["Body"]) & set("[]{}^~\\|`")
        for a in sent
    ), "not all single-segment GSM-7"
    per_number = {number: [a.at for a in sent if a.form["From"] == number] for number in numbers}
    busiest = {number: busiest_second(times) for number, times in per_number.items()}
    span = max(a.at for a in sent) - min(a.at for a in sent)
    rate = (len(sent) - 1) / span
    [relay] = [a for a in sent if kind_of(a.form["Body"]) == "relay_to_crew"]
    bulk_after = [a for a in sent if a.form["From"] == replying.proxy and a.at > relay.at]
    print(
        f"\nrate limit 5/s x 2 numbers: {len(sent)} texts in {span:.2f}s = {rate:.2f}/s "
        f"({rate / 10:.0%} of 10/s); busiest second per number {busiest}; the relay went "
        f"{relay.at - queued_at:.2f}s after it was queued, ahead of {len(bulk_after)} bulk text(s) queued before it"
    )
    assert all(count <= 5 + 1 for count in busiest.values()), busiest
    assert rate >= 0.8 * 2 * 5
    assert len(bulk_after) >= 5, "the relay waited behind the bulk"
    assert relay.at - queued_at < 4  # slots already promised (at most 2 s ahead), then the relay's
    assert Counter((a.form["To"], a.form["Body"]) for a in sent).most_common(1)[0][1] == 1
    [message] = case_system.wait_for("case.citizen_message")
    assert message.data["case_id"] == replying.case_id
