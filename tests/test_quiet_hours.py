"""QUIET_HOURS: no unasked-for text to a resident at night, in the municipality's own time."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.core import quiet_hours
from tests.conftest import ANNA, JAN

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NIGHT = (time(21, 0), time(8, 0))
LUNCH = (time(12, 0), time(14, 0))


def local(*args) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


def next_allowed(at: datetime, quiet) -> datetime:
    return quiet_hours.next_allowed(at, quiet, AMSTERDAM)


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (local(2026, 6, 10, 12, 0), local(2026, 6, 10, 12, 0)),
        (local(2026, 6, 10, 20, 59, 59), local(2026, 6, 10, 20, 59, 59)),
        (local(2026, 6, 10, 21, 0), local(2026, 6, 11, 8, 0)),
        (local(2026, 6, 10, 23, 30), local(2026, 6, 11, 8, 0)),
        (local(2026, 6, 11, 0, 0), local(2026, 6, 11, 8, 0)),
        (local(2026, 6, 11, 3, 0), local(2026, 6, 11, 8, 0)),
        (local(2026, 6, 11, 7, 59, 59), local(2026, 6, 11, 8, 0)),
        (local(2026, 6, 11, 8, 0), local(2026, 6, 11, 8, 0)),
        (local(2026, 12, 31, 22, 0), local(2027, 1, 1, 8, 0)),
    ],
)
def test_a_window_across_midnight_holds_texts_until_the_morning(at, allowed):
    assert next_allowed(at, NIGHT) == allowed


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (local(2026, 6, 10, 11, 59), local(2026, 6, 10, 11, 59)),
        (local(2026, 6, 10, 12, 0), local(2026, 6, 10, 14, 0)),
        (local(2026, 6, 10, 13, 59, 59), local(2026, 6, 10, 14, 0)),
        (local(2026, 6, 10, 14, 0), local(2026, 6, 10, 14, 0)),
        (local(2026, 6, 10, 23, 0), local(2026, 6, 10, 23, 0)),
    ],
)
def test_a_window_within_one_day_holds_texts_until_it_ends(at, allowed):
    assert next_allowed(at, LUNCH) == allowed


def test_it_answers_in_utc_and_leaves_an_allowed_moment_untouched():
    held = next_allowed(datetime(2026, 6, 10, 22, 0, tzinfo=UTC), NIGHT)
    assert held == datetime(2026, 6, 11, 6, 0, tzinfo=UTC) and held.utcoffset() == timedelta(0)
    noon = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    assert next_allowed(noon, NIGHT) is noon


def test_none_turns_quiet_hours_off():
    night = local(2026, 6, 10, 3, 0)
    assert next_allowed(night, None) is night


@pytest.mark.parametrize(
    ("at", "allowed_utc"),
    [
        # Spring forward, 29 March 2026: 02:00 CET becomes 03:00 CEST, and 08:00 is 06:00 UTC.
        (local(2026, 3, 28, 23, 30), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        # Fall back, 25 October 2026: 03:00 CEST becomes 02:00 CET, and 08:00 is 07:00 UTC.
        (local(2026, 10, 24, 22, 0), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    ],
)
def test_a_daylight_saving_night_still_ends_at_eight_local(at, allowed_utc):
    assert next_allowed(at, NIGHT) == allowed_utc


@pytest.mark.parametrize(
    "quiet",
    [NIGHT, LUNCH, (time(22, 30), time(7, 0)), (time(0, 0), time(2, 30))],
    ids=["21:00-08:00", "12:00-14:00", "22:30-07:00", "00:00-02:30"],
)
@pytest.mark.parametrize("day", [local(2026, 3, 28, 12, 0), local(2026, 10, 24, 12, 0)], ids=["spring", "autumn"])
def test_it_never_answers_a_moment_earlier_or_still_quiet(day, quiet):
    start = day.astimezone(UTC)
    for step in range(0, 24 * 12):  # every five minutes through the DST night
        at = start + timedelta(minutes=5 * step)
        allowed = next_allowed(at, quiet)
        assert allowed >= at, f"{at} -> {allowed}"
        assert not quiet_hours.is_quiet(allowed.astimezone(AMSTERDAM).time(), quiet), f"{at} -> {allowed}"


@pytest.fixture
def quiet_now(settings):
    """QUIET_HOURS from an hour ago to an hour from now, Amsterdam time, whatever the real clock says."""
    now = datetime.now(AMSTERDAM)
    settings["QUIET_HOURS"] = f"{now - timedelta(hours=1):%H:%M}-{now + timedelta(hours=1):%H:%M}"


def test_quiet_hours_hold_the_citizens_texts_but_not_the_crews(
    quiet_now, case_api, fake_twilio, run_worker, fast_forward
):
    assert case_api.dispatch().status_code == 202
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1

    fast_forward(30 * 60)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    fast_forward(31 * 60)
    run_worker()
    [notice] = fake_twilio.texts_to(ANNA.phone)
    assert "MOR-42" in notice


def test_quiet_hours_hold_the_confirmation_question(quiet_now, case_api, fake_twilio, run_worker, fast_forward):
    case_api.dispatch()
    case_api.complete()
    fast_forward(1800)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []  # the question waits

    fast_forward(61 * 60)
    run_worker()
    # The held "crew is coming" notice was withdrawn when the job was done; only the question goes.
    [question] = fake_twilio.texts_to(ANNA.phone)
    assert question.endswith("Antwoord met JA of NEE.")


def test_quiet_hours_hold_the_crews_texts_to_the_citizen_but_not_hers_to_the_crew(
    quiet_now, case_api, twilio, fake_twilio, run_worker, fast_forward
):
    proxy = case_api.dispatch().json["proxy_number"]
    twilio.text(JAN, "We komen morgen om 8 uur.", to=proxy)
    twilio.text(ANNA, "Het gat zit links van de deur.", to=proxy)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith("Het gat zit links van de deur.")
    fast_forward(61 * 60)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("We komen morgen om 8 uur.")


def test_an_answer_to_her_own_text_goes_at_once_even_in_quiet_hours(
    quiet_now, case_api, twilio, fake_twilio, run_worker, fast_forward
):
    proxy = case_api.dispatch().json["proxy_number"]
    case_api.complete()
    twilio.text(ANNA, "Nee, het gat zit er nog", to=proxy)
    run_worker()
    # She just wrote to us: the thank-you is no surprise at this hour, so it is not held.
    [thanks] = fake_twilio.texts_to(ANNA.phone)
    assert "weer aan de slag" in thanks
