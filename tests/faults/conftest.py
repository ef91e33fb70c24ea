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

import gc
import os
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from gateway.core.config import Config
from gateway.core.outbox.claim import CLAIM_LEASE
from gateway.core.outbox.retry import CALLBACK_RETRY_DELAYS, TEXT_RETRY_DELAYS
from tests.conftest import CASE_KEY, Persona
from tests.over_http import text_form, twilio_post
from tests.processes import FLASK, ROOT, Processes, free_port

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
# Each fault test module's pytestmark.
FAULT_TEST = [
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
    ("De ploeg kan u bellen", "dispatch"),
    ("opgelost? Antwoord met JA of NEE.", "question"),
    ("We gaan weer aan de slag met melding", "thanks_no"),
    ("We sluiten melding", "thanks_yes"),
    ("doorgestuurd", "forwarded"),
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


DETAIL = "Het gat zit er nog, nu ligt er ook een bord."
