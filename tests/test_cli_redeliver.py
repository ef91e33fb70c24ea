"""`flask --app app callbacks redeliver`: callbacks the worker gave up on go out again, with
their original webhook-id, and wait like every other callback while the endpoint is disabled (410)."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from gateway.core.models import OutboxMessage, TimelineEntry
from gateway.core.outbox.retry import CALLBACK_RETRY_DELAYS
from tests.conftest import ANNA, Persona


@pytest.fixture
def give_up(case_system, run_worker, fast_forward):
    """The case system is down for the whole retry schedule: the worker gives up on what is queued."""

    def down_for_good() -> None:
        case_system.down(503)
        run_worker()
        for delay in CALLBACK_RETRY_DELAYS:
            fast_forward(delay)
            run_worker()
        case_system.up()

    return down_for_good


def resident_writes(case_api, twilio, case_id="MOR-2026-0042", citizen=ANNA, words="Het gat zit links"):
    proxy = case_api.dispatch(case_id=case_id, citizen=citizen).json["proxy_number"]
    twilio.text(citizen, words, to=proxy)


def callbacks(runtime) -> list[OutboxMessage]:
    with runtime.db.transaction() as session:
        return list(
            session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "callback").order_by(OutboxMessage.id))
        )


@pytest.fixture
def failed(case_api, twilio, run_worker, give_up, runtime) -> OutboxMessage:
    resident_writes(case_api, twilio)
    give_up()
    [row] = callbacks(runtime)
    assert (row.status, row.attempts) == ("failed", len(CALLBACK_RETRY_DELAYS) + 1)
    return row


def test_it_redelivers_a_given_up_callback_with_its_original_webhook_id(cli, failed, case_system, run_worker, runtime):
    result = cli("callbacks", "redeliver")
    assert result.exit_code == 0, result.output
    assert "1 failed callback(s) back in the outbox, due now" in result.output
    run_worker()
    [delivered] = case_system.deliveries
    assert (delivered.webhook_id, delivered.type) == (failed.webhook_id, "case.citizen_message")
    assert delivered.data["text"] == "Het gat zit links"
    with runtime.db.transaction() as session:
        assert (
            session.scalar(select(TimelineEntry.summary).where(TimelineEntry.kind == "callback.requeued"))
            == "case.citizen_message callback put back in the outbox by an operator"
        )
    assert "0 failed callback(s)" in cli("callbacks", "redeliver").output  # once is enough


def test_a_dry_run_lists_the_failed_callbacks_and_changes_nothing(cli, failed, case_system, run_worker, runtime):
    result = cli("callbacks", "redeliver", "--dry-run")
    assert result.exit_code == 0
    [line, summary] = result.output.splitlines()
    assert (
        f"{failed.id}  MOR-2026-0042  case.citizen_message  {failed.webhook_id}  8 attempt(s)  "
        "case system answered 503" in line
    )
    assert summary == "dry run: 1 failed callback(s) would be redelivered; nothing changed"
    run_worker()
    assert case_system.deliveries == []
    assert callbacks(runtime)[0].status == "failed"


def test_it_redelivers_only_the_case_asked_for(cli, case_api, twilio, run_worker, give_up, case_system):
    resident_writes(case_api, twilio, case_id="MOR-1")
    resident_writes(
        case_api, twilio, case_id="MOR-2", citizen=Persona("Bea", "+31620000001", "0620000001"), words="Ook bij mij"
    )
    give_up()
    result = cli("callbacks", "redeliver", "--case", "MOR-2")
    assert "1 failed callback(s) back in the outbox" in result.output
    run_worker()
    assert [d.data["case_id"] for d in case_system.deliveries] == ["MOR-2"]


def test_it_redelivers_only_callbacks_queued_since_a_moment(cli, failed, app):
    local_now = datetime.now(app.extensions["korte_lijn"].config.timezone).replace(tzinfo=None)
    earlier, later, tomorrow = (local_now + timedelta(minutes=m) for m in (-10, 10, 1440))
    for since, count in (
        ("1h", 1),
        (earlier.isoformat(timespec="minutes"), 1),
        (later.isoformat(timespec="minutes"), 0),
        (tomorrow.date().isoformat(), 0),
    ):
        result = cli("callbacks", "redeliver", "--dry-run", "--since", since)
        assert result.exit_code == 0
        assert f"dry run: {count} failed callback(s)" in result.output, since


def test_redelivered_callbacks_wait_for_callbacks_enable_after_a_410(
    cli, failed, case_api, twilio, case_system, run_worker, runtime
):
    twilio.text(ANNA, "En de paaltjes liggen aan de overkant", to=case_api.dispatch().json["proxy_number"])
    case_system.fail_next(status=410)
    run_worker()  # the case system says Gone: every callback is held from now on
    later = callbacks(runtime)[-1]

    result = cli("callbacks", "redeliver")
    assert result.exit_code == 0
    assert "1 failed callback(s) back in the outbox" in result.stdout
    assert "answered 410 Gone" in result.stderr and "flask --app app callbacks-enable" in result.stderr
    run_worker()
    assert case_system.deliveries == []  # held, like every callback while disabled

    assert "enabled" in cli("callbacks-enable").output
    run_worker(2)
    assert [d.webhook_id for d in case_system.deliveries] == [failed.webhook_id, later.webhook_id]  # in order


def test_it_redelivers_a_long_run_in_batches_behind_a_progress_bar(cli, case_api, twilio, runtime):
    proxy = case_api.dispatch().json["proxy_number"]
    for i in range(105):  # more than one batch of 100
        twilio.text(ANNA, f"Nog iets, nummer {i}", to=proxy)
    # Given up on, as the worker marks it after the whole schedule (the tests above go through
    # that schedule for real; 105 times over would take a minute).
    with runtime.db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.channel == "callback")
            .values(status="failed", attempts=8, last_error="case system answered 503")
        )
    result = cli("callbacks", "redeliver")  # no terminal: the label once, then the summary
    assert result.output.splitlines() == [
        "redelivering callbacks",
        "105 failed callback(s) back in the outbox, due now; the worker sends them",
    ]
    rows = callbacks(runtime)
    assert len(rows) == 105 and {(row.status, row.attempts) for row in rows} == {("pending", 0)}


def test_it_refuses_to_redeliver_without_a_callback_url(settings, request):
    for name in ("CASE_CALLBACK_URL", "CASE_CALLBACK_SECRET", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        settings.pop(name)
    result = request.getfixturevalue("cli")("callbacks", "redeliver")
    assert result.exit_code == 1
    assert "CASE_CALLBACK_URL is not set: there is nowhere to redeliver to" in result.output


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--case", "MOR 1; DROP TABLE outbox", "is not a case_id"),
        ("--case", "x" * 101, "is not a case_id"),
        ("--since", "yesterday", "expected a date (2026-11-28)"),
        ("--since", "2026-13-45", "expected a date (2026-11-28)"),
        ("--since", "99999999999999999999d", "expected a date (2026-11-28)"),
    ],
)
def test_it_refuses_a_malformed_filter(cli, option, value, problem):
    result = cli("callbacks", "redeliver", "--dry-run", option, value)
    assert result.exit_code == 2
    assert problem in result.output
