"""Data minimisation: RETENTION_DAYS after a case ends, phone numbers and words are gone."""

from datetime import timedelta

from sqlalchemy import select

from gateway.core import retention
from gateway.core.db import utcnow
from gateway.core.models import Case, InboundMessage, OptOut, OutboxMessage, TimelineEntry
from tests.conftest import ANNA, JAN

DAY = 86400
REOPEN_WINDOW = 14 * DAY


def lived_a_whole_case(case_api, twilio, run_worker, fast_forward, case_id="MOR-2026-0042"):
    proxy = case_api.dispatch(case_id=case_id).json["proxy_number"]
    twilio.text(ANNA, "Het gat zit links van mijn deur, bel me op 06 12345678", to=proxy)
    case_api.complete(case_id=case_id)
    fast_forward(1800)
    run_worker()
    twilio.text(ANNA, "Nee, het gat zit er nog", to=proxy)
    run_worker()
    fast_forward(REOPEN_WINDOW + 1)
    run_worker()  # the reopen window closes: the case has ended


def purge(app, days_later: float) -> int:
    """The nightly purge as the worker runs it, but `days_later` days from now."""
    rt = app.extensions["korte_lijn"]
    return retention.purge(rt.db, rt.config.retention_days, utcnow() + timedelta(days=days_later))


def everything_stored(runtime) -> str:
    with runtime.db.transaction() as session:
        rows = [
            *session.scalars(select(Case)),
            *session.scalars(select(TimelineEntry)),
            *session.scalars(select(OutboxMessage)),
            *session.scalars(select(InboundMessage)),
        ]
        return " ".join(str(vars(row)) for row in rows)


def test_it_removes_numbers_names_and_words_a_retention_period_after_the_case_ended(
    app, runtime, case_api, twilio, run_worker, fast_forward, client
):
    lived_a_whole_case(case_api, twilio, run_worker, fast_forward)
    before = everything_stored(runtime)
    assert ANNA.phone in before and "het gat zit er nog" in before.lower()

    result = app.test_cli_runner().invoke(args=["purge"])
    assert "0 case(s)" in result.output  # ended today: not yet

    removed = purge(app, days_later=31)
    assert removed == 1
    after = everything_stored(runtime)
    for personal in (
        ANNA.phone,
        JAN.phone,
        "Anna de Vries",
        "Jan Bakker",
        "het gat zit er nog",
        "06 12345678",
        "Twee paaltjes",
    ):
        assert personal.lower() not in after.lower(), personal
    # The anonymous timeline stays: what happened, and when.
    timeline = client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": "Bearer retired-case-system-key"}).json[
        "timeline"
    ]
    assert {"status", "text.received", "callback.queued", "session.ended"} <= {e["kind"] for e in timeline}


def test_it_keeps_an_open_case_and_a_recently_ended_one(app, runtime, case_api, twilio, run_worker, fast_forward):
    lived_a_whole_case(case_api, twilio, run_worker, fast_forward)
    case_api.dispatch(case_id="MOR-2026-0099")  # still open
    removed = purge(app, days_later=29)
    assert removed == 0
    assert ANNA.phone in everything_stored(runtime)


def test_a_cancelled_case_ends_at_once_and_is_purged_after_the_period(app, runtime, case_api):
    case_api.dispatch()
    case_api.cancel()
    assert purge(app, days_later=29) == 0
    assert purge(app, days_later=31) == 1
    with runtime.db.transaction() as session:
        case = session.scalar(select(Case))
        assert case.citizen_phone is None and case.personal_data_removed_at is not None


def test_a_new_dispatch_reopens_an_ended_case_and_its_data_stays(
    app, runtime, case_api, twilio, run_worker, fast_forward
):
    lived_a_whole_case(case_api, twilio, run_worker, fast_forward)
    assert case_api.dispatch().status_code == 202  # the case system sends the crew again
    assert purge(app, days_later=31) == 0


def test_it_purges_each_case_once(app, case_api):
    case_api.dispatch()
    case_api.cancel()
    assert purge(app, days_later=31) == 1
    assert purge(app, days_later=62) == 0


def test_it_keeps_an_opt_out_so_stop_is_honoured_after_the_purge(app, runtime, case_api, twilio):
    proxy = case_api.dispatch().json["proxy_number"]
    twilio.text(ANNA, "STOP", to=proxy)
    case_api.cancel()
    purge(app, days_later=31)
    with runtime.db.transaction() as session:
        assert session.get(OptOut, ANNA.phone) is not None


def test_the_retention_period_is_configurable(settings, request):
    settings["RETENTION_DAYS"] = "7"
    app = request.getfixturevalue("app")
    case_api = request.getfixturevalue("case_api")
    case_api.dispatch()
    case_api.cancel()
    assert purge(app, days_later=8) == 1
