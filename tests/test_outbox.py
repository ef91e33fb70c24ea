"""The outbox's retries: what Twilio and the case system may answer, and what we do then.

Failures are scripted at the fakes (`fail_next`); time passes with `fast_forward`.
"""

import socket
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.models import DisabledEndpoint, OutboxMessage, TimelineEntry
from gateway.core.twilio_transport import REQUEST_TIMEOUT_SECONDS, TwilioTransport
from gateway.factory import flow_hooks
from gateway.worker import Worker
from tests.conftest import ANNA, JAN


def rows(runtime, **where) -> list[OutboxMessage]:
    with runtime.db.transaction() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        return list(session.scalars(query))


def the_row(runtime, **where) -> OutboxMessage:
    [row] = rows(runtime, **where)
    return row


def seconds_until(moment) -> float:
    return (moment - utcnow()).total_seconds()


@pytest.fixture
def proxy(case_api):
    answer = case_api.dispatch()
    assert answer.status_code == 202
    return answer.json["proxy_number"]


# -- texts through Twilio ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429])
def test_it_retries_a_text_twilio_could_not_take_right_now(
    status, proxy, runtime, fake_twilio, run_worker, fast_forward
):
    fake_twilio.fail_next(status=status)
    run_worker()
    held = the_row(runtime, recipient="citizen")
    assert (held.status, held.attempts, held.error_code) == ("pending", 1, str(status))
    assert 2 < seconds_until(held.due_at) <= 5
    assert fake_twilio.texts_to(ANNA.phone) == []
    # One failing recipient holds up nobody else.
    assert len(fake_twilio.texts_to(JAN.phone)) == 1

    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == [], "retried before its backoff was over"

    fast_forward(5)
    run_worker(3)
    [text] = fake_twilio.texts_to(ANNA.phone)
    assert "MOR-42" in text
    sent = the_row(runtime, recipient="citizen")
    assert (sent.status, sent.attempts) == ("sent", 2)


def test_it_backs_off_longer_after_each_failed_attempt(proxy, runtime, twilio, fake_twilio, run_worker, fast_forward):
    run_worker()
    twilio.text(JAN, "Wij komen morgen om tien uur", to=proxy)
    fake_twilio.fail_next(times=3, status=503)
    waits = []
    for _ in range(3):
        run_worker()
        waits.append(seconds_until(the_row(runtime, purpose="relay").due_at))
        fast_forward(waits[-1] + 1)
    assert [round(w) for w in waits] == [5, 30, 120]
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Wij komen morgen om tien uur")
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    assert the_row(runtime, purpose="relay").attempts == 4


def test_it_gives_up_after_the_last_retry_and_tells_the_case_system(
    proxy, runtime, twilio, fake_twilio, case_system, run_worker, fast_forward
):
    run_worker()
    twilio.text(JAN, "Wij komen morgen om tien uur", to=proxy)
    fake_twilio.fail_next(times=6, status=500)
    for _ in range(8):
        run_worker()
        fast_forward(3600)
    relay = the_row(runtime, purpose="relay")
    assert (relay.status, relay.attempts) == ("failed", 6)
    [report] = case_system.wait_for("message.undeliverable")
    assert (report.data["recipient"], report.data["purpose"], report.data["error_code"]) == ("citizen", "relay", "500")


def test_it_bounds_every_twilio_request_with_a_timeout(settings):
    # A hung socket would stall the worker for good: the client must give up by itself.
    transport = TwilioTransport(Config.from_env(settings))
    assert transport.client.http_client.timeout == REQUEST_TIMEOUT_SECONDS
    assert 0 < REQUEST_TIMEOUT_SECONDS <= 30


def test_it_keeps_texts_while_twilio_is_unreachable_and_sends_them_once_it_is_back(settings, request):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{closed_port}"
    case_api, runtime, fake_twilio = (request.getfixturevalue(name) for name in ("case_api", "runtime", "fake_twilio"))
    case_api.dispatch()
    runtime.worker.tick()
    held = [(row.status, row.attempts, row.last_error) for row in rows(runtime, channel="sms")]
    assert held == [("pending", 1, "Twilio unreachable: ConnectionError")] * 2
    assert fake_twilio.messages == []

    # Twilio is back: a worker that can reach it sends each text once the backoff is over.
    request.getfixturevalue("fast_forward")(5)
    healthy = Worker(
        Database(settings["DATABASE_URL"]),
        Config.from_env({**settings, "TWILIO_API_BASE_URL": fake_twilio.url}),
        flow_hooks(),
    )
    try:
        healthy.tick()
        healthy.tick()
    finally:
        healthy.db.dispose()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1


def test_it_keeps_a_text_when_twilio_refuses_our_credentials(proxy, runtime, fake_twilio, run_worker):
    # A wrong token is ours to fix; giving up would lose the text.
    fake_twilio.fail_next(status=401, code=20003)
    run_worker()
    row = the_row(runtime, recipient="citizen")
    assert (row.status, row.error_code) == ("pending", "20003")


@pytest.mark.parametrize("code", [21211, 21610], ids=["invalid-number", "opted-out"])
def test_it_gives_up_on_a_number_twilio_will_never_reach(
    code, proxy, runtime, fake_twilio, case_system, run_worker, fast_forward
):
    fake_twilio.fail_next(status=400, code=code)
    run_worker()
    failed = the_row(runtime, recipient="citizen")
    assert (failed.status, failed.error_code, failed.attempts) == ("failed", str(code), 1)

    fast_forward(86400)
    run_worker(2)
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert fake_twilio.requests_seen == 2, "a permanent failure was retried"
    [report] = case_system.wait_for("message.undeliverable")
    assert report.data["case_id"] == "MOR-2026-0042"
    assert (report.data["error_code"], report.data["recipient"]) == (str(code), "citizen")
    assert case_system.rejected == []


# -- callbacks to the case system ----------------------------------------------------------------


@pytest.fixture
def queued_callback(proxy, runtime, twilio, run_worker) -> OutboxMessage:
    """Anna's dispatch texts are out; her text to the crew has queued a case.citizen_message."""
    run_worker()
    twilio.text(ANNA, "Het gat zit recht voor mijn deur", to=proxy)
    return the_row(runtime, channel="callback")


def test_it_retries_a_callback_on_the_standard_webhooks_schedule_with_one_webhook_id(
    queued_callback, runtime, case_system, run_worker, fast_forward
):
    case_system.fail_next(times=3, status=503)
    run_worker()
    assert len(case_system.attempts) == 1, "the first attempt is immediate"
    for wait in (5, 300, 1800):
        row = the_row(runtime, channel="callback")
        assert row.status == "pending"
        assert wait - 1 < seconds_until(row.due_at) <= wait
        fast_forward(wait - 3)
        run_worker()
        assert len(case_system.attempts) == row.attempts, "retried before its backoff was over"
        fast_forward(3)
        run_worker()
    assert case_system.attempts == [queued_callback.webhook_id] * 4
    [delivered] = case_system.wait_for("case.citizen_message")
    assert delivered.webhook_id == queued_callback.webhook_id
    assert delivered.data["text"] == "Het gat zit recht voor mijn deur"
    assert the_row(runtime, channel="callback").status == "sent"


def test_it_waits_at_least_as_long_as_the_case_system_asks(
    queued_callback, runtime, case_system, run_worker, fast_forward
):
    case_system.fail_next(status=503, retry_after="120")
    run_worker()
    assert 118 < seconds_until(the_row(runtime, channel="callback").due_at) <= 120
    fast_forward(115)
    run_worker()
    assert len(case_system.attempts) == 1
    fast_forward(6)
    run_worker()
    assert len(case_system.wait_for("case.citizen_message")) == 1


@pytest.mark.parametrize(
    "retry_after, wait", [("soon", 5), ("-3", 5), ("Wed, 21 Oct 2015 07:28:00 GMT", 5), ("99999999", 86400)]
)
def test_it_reads_a_malformed_or_greedy_retry_after_sensibly(
    retry_after, wait, queued_callback, runtime, case_system, run_worker
):
    case_system.fail_next(status=429, retry_after=retry_after)
    run_worker()
    row = the_row(runtime, channel="callback")
    assert row.status == "pending"
    assert wait - 2 < seconds_until(row.due_at) <= wait


def test_a_410_disables_the_endpoint_loudly_and_holds_every_callback_until_it_is_enabled(
    queued_callback, app, runtime, case_system, run_worker, fast_forward
):
    case_system.fail_next(status=410)
    run_worker()
    with runtime.db.transaction() as session:
        [disabled] = session.scalars(select(DisabledEndpoint)).all()
        assert disabled.url == case_system.url and "410" in disabled.reason
        assert session.scalar(select(TimelineEntry.id).where(TimelineEntry.kind == "callback.endpoint_disabled"))
    row = the_row(runtime, channel="callback")
    assert row.status == "pending"  # held, not dropped: nothing a resident said is lost
    fast_forward(86400)
    run_worker(2)
    assert case_system.attempts == [queued_callback.webhook_id]  # no delivery tried while disabled

    result = app.test_cli_runner().invoke(args=["callbacks-enable"])
    assert "enabled" in result.output
    run_worker()
    [delivered] = case_system.deliveries
    assert delivered.webhook_id == queued_callback.webhook_id


def test_it_delivers_callbacks_of_one_case_in_order_even_when_the_first_fails(
    queued_callback, proxy, runtime, twilio, case_system, run_worker, fast_forward
):
    twilio.text(ANNA, "En de paaltjes liggen aan de overkant", to=proxy)
    first, second = rows(runtime, channel="callback")
    case_system.fail_next(times=3, status=503)
    for wait in (0, 5, 300, 1800):
        fast_forward(wait)
        run_worker()
    assert case_system.attempts == [first.webhook_id] * 4 + [second.webhook_id]
    texts = [d.data["text"] for d in case_system.wait_for("case.citizen_message", count=2)]
    assert texts == ["Het gat zit recht voor mijn deur", "En de paaltjes liggen aan de overkant"]


def test_it_keeps_a_callback_the_case_system_refuses_for_a_wrong_signature(settings, request):
    # A rotated secret on one side is a deploy fault: the callback must survive it.
    settings["CASE_CALLBACK_SECRET"] = "whsec_" + "d3JvbmctY2FsbGJhY2stc2VjcmV0LTMyLWJ5dGVz"
    queued_callback = request.getfixturevalue("queued_callback")
    runtime, case_system = request.getfixturevalue("runtime"), request.getfixturevalue("case_system")
    request.getfixturevalue("run_worker")()
    assert case_system.deliveries == []
    assert case_system.rejected == [queued_callback.webhook_id]
    row = the_row(runtime, channel="callback")
    assert (row.status, row.error_code) == ("pending", "401")
    assert timedelta(0) < row.due_at - utcnow() <= timedelta(seconds=5)
