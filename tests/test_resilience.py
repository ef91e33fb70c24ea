"""When a dependency misbehaves: a clear 503 instead of a traceback, and nothing lost."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from gateway.core.models import OutboxMessage
from gateway.factory import create_app
from tests.conftest import ANNA, CASE_KEY


@pytest.fixture
def unreachable_database_url() -> str:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/test?connect_timeout=2"


def test_it_answers_503_not_500_while_the_database_is_away(settings, unreachable_database_url):
    client = create_app({**settings, "DATABASE_URL": unreachable_database_url}).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["error"]["code"] == "database_unavailable"
    event = client.post(
        "/v1/events",
        json={"type": "case.completed", "data": {"case_id": "C-1"}},
        headers={"Authorization": f"Bearer {CASE_KEY}", "webhook-id": "evt-db-away"},
    )
    assert event.status_code == 503 and event.headers["Retry-After"]
    assert "Traceback" not in event.get_data(as_text=True)


def test_it_retries_a_text_when_the_provider_answers_nonsense(case_api, fake_twilio, runtime, run_worker, fast_forward):
    # A proxy in front of Twilio answering an HTML page: the client cannot read it. The text
    # must neither be lost nor stall the worker.
    case_api.dispatch()
    fake_twilio.fail_next(times=1, garbage=True)
    run_worker()
    with runtime.db.transaction() as session:
        rows = {row.purpose: row for row in session.scalars(select(OutboxMessage))}
    assert rows["dispatch_citizen"].status == "pending"
    assert rows["dispatch_citizen"].last_error.startswith("unexpected")
    assert rows["dispatch_crew"].status == "sent"  # the worker went on with the next row
    fast_forward(10)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1
