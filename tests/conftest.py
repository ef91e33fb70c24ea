"""Shared fixtures: a real database, the fakes at the network edge, and our personas.

The personas: Anna (the citizen who reported the hole), Jan (the crew), and a stranger
who somehow has a proxy number. The suite runs on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from twilio.request_validator import RequestValidator

from gateway.core import migrate
from gateway.core.db import Base, Database
from gateway.core.models import Case, OutboxMessage, Timer
from gateway.factory import create_app
from tests.log_leaks import Collector, forms, leaks, process_lines
from tests.processes import LOG_FOLDERS, Processes, embedded_env, free_port

PUBLIC_BASE_URL = "https://korte-lijn.example.org"
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"
CASE_KEY = "case-system-api-key"
CALLBACK_SECRET = "whsec_" + base64.b64encode(b"callback-secret-for-tests-32byte").decode()
EVENTS_SECRET = "whsec_" + base64.b64encode(b"events-secret-for-tests-32bytes!").decode()
PROXY_NUMBERS = ("+3197010000001", "+3197010000002", "+3197010000003")
# Our WhatsApp sender, where a test turns WhatsApp on (tests/test_whatsapp.py).
WHATSAPP_SENDER = "+3197010009999"


@dataclass(frozen=True)
class Persona:
    name: str
    phone: str  # E.164, as the gateway stores it
    national: str  # as a case system might send it


ANNA = Persona("Anna de Vries", "+31612345678", "06 12345678")
JAN = Persona("Jan Bakker", "+31687654321", "06-87654321")
STRANGER = Persona("Stranger", "+31611112222", "06 11112222")

# Every log record of the run, as the gateway prints it; searched for the personas' numbers at the end.


def seed_dispatch() -> dict:
    """The seed story's case.dispatched data, as the case system sends it: Anna's words, crew Jan."""
    return {
        "case_id": "MOR-2026-0042",
        "reference": "MOR-42",
        "address": "Kerkstraat 12",
        "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
        "citizen": {"phone": ANNA.national, "name": ANNA.name},
        "crew": {"id": "crew-noord", "phone": JAN.national, "name": JAN.name},
    }


LOG_LINES = Collector(PROXY_NUMBERS)


def pytest_configure(config):
    logging.getLogger().addHandler(LOG_LINES)
    logging.getLogger().setLevel(logging.INFO)  # the gateway's own INFO lines are what it prints


def pytest_sessionfinish(session, exitstatus):
    """Fail the run, naming the line, if any log line or process output carries a persona's number."""
    numbers = set().union(*(forms(persona.phone, persona.national) for persona in (ANNA, JAN, STRANGER)))
    from_processes = process_lines(LOG_FOLDERS)
    found = leaks([("log record", line) for line in LOG_LINES.lines] + from_processes, numbers)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"log check: {len(LOG_LINES.lines)} log records and {len(from_processes)} lines "
            f"of real processes searched for the personas' numbers; {len(found)} found"
        )
        for leak in found:
            reporter.write_line(f"PHONE NUMBER IN A LOG LINE: {leak}", red=True)
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    db = Database(url)
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    migrate.upgrade(db)
    db.dispose()
    return url


@pytest.fixture(scope="session")
def fake_twilio():
    from tests.fakes.twilio_api import FakeTwilio

    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    yield fake
    fake.server.stop()


@pytest.fixture(scope="session")
def case_system():
    from tests.fakes.case_system import FakeCaseSystem

    fake = FakeCaseSystem(CALLBACK_SECRET).start()
    yield fake
    fake.server.stop()


@pytest.fixture
def embedded(tmp_path):
    """The README's run command, `flask --app app embedded`, on a free port with nothing
    configured: yields its base URL, its environment and its log (read it from the top)."""
    port = free_port()
    processes = Processes(embedded_env(tmp_path, port), tmp_path)
    try:
        base = processes.start_embedded(port)
        with (tmp_path / "embedded.log").open() as log:
            yield base, processes.env, log
    finally:
        processes.stop_all()


@pytest.fixture
def settings(database_url, fake_twilio, case_system) -> dict[str, str]:
    """The environment a test's gateway sees; a test may change it before `app` is built."""
    return {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE_URL": fake_twilio.url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "PROXY_NUMBERS": ",".join(PROXY_NUMBERS),
        "CASE_API_KEYS": f"retired-case-system-key,{CASE_KEY}",
        "CASE_EVENTS_SECRET": EVENTS_SECRET,
        "CASE_CALLBACK_URL": case_system.url,
        "CASE_CALLBACK_SECRET": CALLBACK_SECRET,
        "ORGANISATION_NAME": "Gemeente Utrecht",
        "QUIET_HOURS": "",
        "TIMEZONE": "Europe/Amsterdam",
        # Most tests send a burst in one tick; tests/test_rate_limit.py holds numbers to the real limit.
        "SENDER_MPS": "1000",
    }


@pytest.fixture
def app(settings, fake_twilio, case_system):
    fake_twilio.reset()
    case_system.reset()
    application = create_app(settings)
    db = application.extensions["korte_lijn"].db
    _empty_tables(db)
    yield application
    db.dispose()
    # Every callback any test made the gateway send fits the contract's Callback union.
    assert case_system.off_contract == [], case_system.off_contract


def _empty_tables(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.is_postgres:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def question_open(case_api, run_worker, fast_forward) -> str:
    """Anna's case dispatched, done, and CONFIRMATION_DELAY gone by: she has the question.
    Returns her proxy number."""
    proxy = case_api.dispatch().json["proxy_number"]
    case_api.complete()
    fast_forward(1800)
    run_worker()
    return proxy


@pytest.fixture
def flow(database_url):
    """A second connection to PostgreSQL that plays another transaction: a flow that locks a
    case and then touches its rows, or a dispatch in progress (tests/row_locks.py)."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as conn:
        conn.execute("SET lock_timeout = '500ms'")
        yield conn
        conn.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    """`cli("case", "show", ...)`: a flask command of the test's app, as `flask --app app ...` runs it."""
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args))


@pytest.fixture
def runtime(app):
    return app.extensions["korte_lijn"]


@pytest.fixture
def run_worker(runtime):
    """One worker tick: fire due timers, send due texts and callbacks."""

    def tick(times: int = 1) -> None:
        for _ in range(times):
            runtime.worker.tick()

    return tick


@pytest.fixture
def fast_forward(runtime):
    """Let `seconds` pass for everything scheduled: timers, held texts, the reopen window."""

    def forward(seconds: float) -> None:
        delta = timedelta(seconds=seconds)
        # Row by row, in Python: SQLite has no interval arithmetic on stored timestamps.
        with runtime.db.transaction() as session:
            for timer in session.scalars(select(Timer).where(Timer.status == "pending")):
                timer.due_at -= delta
            for row in session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")):
                row.due_at -= delta
            for case in session.scalars(select(Case).where(Case.reopen_until.is_not(None))):
                case.reopen_until -= delta

    return forward


def fetch_case(client, case_id: str = "MOR-2026-0042") -> dict:
    """The case as the case system sees it, timeline included."""
    answer = client.get(f"/v1/cases/{case_id}", headers={"Authorization": f"Bearer {CASE_KEY}"})
    assert answer.status_code == 200
    return answer.json


def entries(client, kind: str, case_id: str = "MOR-2026-0042") -> list[dict]:
    """The case's timeline entries of one kind, oldest first."""
    return [entry for entry in fetch_case(client, case_id)["timeline"] if entry["kind"] == kind]


@pytest.fixture
def case_document(client):
    """`case_document(case_id)`: the case as the case system sees it, timeline included."""

    def fetch(case_id: str = "MOR-2026-0042") -> dict:
        return fetch_case(client, case_id)

    return fetch


class CaseSystemClient:
    """Sends events to /v1/events the way a case system does."""

    def __init__(self, client):
        self.client = client

    def send(self, event_type: str, data: dict, webhook_id: str | None = None, key: str = CASE_KEY):
        headers = {"Authorization": f"Bearer {key}", "webhook-id": webhook_id or "evt_" + uuid.uuid4().hex}
        return self.client.post(
            "/v1/events",
            data=json.dumps({"type": event_type, "data": data}),
            headers=headers,
            content_type="application/json",
        )

    def dispatch(
        self,
        case_id: str = "MOR-2026-0042",
        citizen: Persona = ANNA,
        crew: Persona = JAN,
        citizen_fields: dict | None = None,
        crew_fields: dict | None = None,
        **extra,
    ):
        data = {
            "case_id": case_id,
            "reference": extra.pop("reference", "MOR-42"),
            "description": extra.pop("description", "Twee paaltjes weggehaald en een gat voor mijn deur."),
            "address": extra.pop("address", "Kerkstraat 12"),
            "citizen": {"phone": citizen.national, "name": citizen.name, **(citizen_fields or {})},
            "crew": {"id": "crew-noord", "phone": crew.national, "name": crew.name, **(crew_fields or {})},
            **extra,
        }
        return self.send("case.dispatched", data)

    def complete(self, case_id: str = "MOR-2026-0042", **data):
        return self.send("case.completed", {"case_id": case_id, **data})

    def cancel(self, case_id: str = "MOR-2026-0042", **data):
        return self.send("case.cancelled", {"case_id": case_id, **data})


@pytest.fixture
def case_api(client):
    return CaseSystemClient(client)


class TwilioWebhooks:
    """Posts to our Twilio webhooks signed exactly like Twilio signs them."""

    def __init__(self, client):
        self.client = client
        self.validator = RequestValidator(AUTH_TOKEN)

    def post(self, path: str, form: dict, signature: str | None = None):
        if signature is None:
            signature = self.validator.compute_signature(PUBLIC_BASE_URL + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    def text(self, sender: Persona | str, body: str, to: str = PROXY_NUMBERS[0], sid: str | None = None, **extra):
        sender = sender.phone if isinstance(sender, Persona) else sender
        form = {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "From": sender,
            "To": to,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        return self.post("/twilio/sms", form)

    def whatsapp(
        self, sender: Persona | str, body: str = "", to: str = WHATSAPP_SENDER, sid: str | None = None, **extra
    ):
        """Her WhatsApp message to our sender, as Twilio posts it; a tapped button adds ButtonPayload."""
        sender = sender.phone if isinstance(sender, Persona) else sender
        form = {
            "MessageSid": sid or "SM" + uuid.uuid4().hex,
            "From": f"whatsapp:{sender}",
            "To": f"whatsapp:{to}",
            "Body": body,
            "NumMedia": "0",
            "ProfileName": "Anna",
            "WaId": sender.lstrip("+"),
            **extra,
        }
        return self.post("/twilio/sms", form)

    def call(self, caller: Persona | str, to: str = PROXY_NUMBERS[0]):
        caller = caller.phone if isinstance(caller, Persona) else caller
        return self.post("/twilio/voice", {"CallSid": "CA" + uuid.uuid4().hex, "From": caller, "To": to})

    def status(self, message_sid: str, status: str, outbox_id: int | None = None, error_code: str | None = None):
        path = "/twilio/status" + (f"?o={outbox_id}" if outbox_id else "")
        form = {"MessageSid": message_sid, "MessageStatus": status}
        if error_code:
            form["ErrorCode"] = error_code
        return self.post(path, form)


@pytest.fixture
def twilio(client):
    return TwilioWebhooks(client)
