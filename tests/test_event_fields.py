"""A refused event's 422 in the case system's terms: the field named, in our words, not a library's.

And an eta that has gone is refused: no resident is promised a crew on a day that is over.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.core.schemas import ETA_CLOCK_SKEW_MINUTES
from tests.conftest import ANNA, seed_dispatch
from tests.moments import AMSTERDAM

GOOD = seed_dispatch()
LIBRARY_WORDS = ("Value error,", "Assertion failed,", "instance of", "pydantic", "Party", "Crew")


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def with_field(field: str, value: object) -> dict:
    """GOOD with `field` (like citizen.phone) set to `value`."""
    data = {**GOOD, "citizen": {**GOOD["citizen"]}, "crew": {**GOOD["crew"]}}
    parent, _, name = field.rpartition(".")
    (data[parent] if parent else data)[name] = value
    return data


BAD = [
    ("citizen.phone", "12"),
    ("citizen.phone", "0900 1234567"),
    ("citizen.phone", 612345678),
    ("crew.phone", ANNA.national),
    ("citizen.language", "1337"),
    ("citizen.language", 31),
    ("citizen.name", ["Anna"]),
    ("eta", "morgen rond tienen"),
    ("eta", "0001-01-01T00:00:00+23:59"),
    ("eta", True),
    ("eta", "2020-01-01T10:00:00+01:00"),  # gone
    ("citizen", "Anna de Vries"),
    ("crew", ["crew-noord"]),
    ("crew.id", ""),
    ("case_id", 42),
    ("case_id", "MOR 42/../x"),
    ("description", "Gat\x00in de stoep"),
    ("description", "x" * 5001),
    ("address", {"street": "Kerkstraat"}),
]


@pytest.mark.parametrize("field, value", BAD, ids=[f"{field}={str(value)[:20]}" for field, value in BAD])
def test_it_names_the_field_in_its_own_words_without_a_librarys(case_api, field, value):
    answer = case_api.send("case.dispatched", with_field(field, value))
    assert answer.status_code == 422, answer.json
    error = answer.json["error"]
    assert error["field"] == field
    assert error["message"].startswith(f"{field}: ")
    reason = error["message"].removeprefix(f"{field}: ")
    assert reason and not any(words in reason for words in LIBRARY_WORDS), reason


def test_it_says_a_missing_field_is_required(case_api):
    data = {key: value for key, value in GOOD.items() if key != "address"}
    error = case_api.send("case.dispatched", data).json["error"]
    assert (error["field"], error["message"]) == ("address", "address: is required")


@pytest.mark.parametrize("event_type, field, value", [("case.completed", "note", 5), ("case.cancelled", "reason", [])])
def test_it_names_the_field_of_a_completion_or_a_cancellation_too(case_api, event_type, field, value):
    case_api.dispatch()
    error = case_api.send(event_type, {"case_id": "MOR-2026-0042", field: value}).json["error"]
    assert error["field"] == field and error["message"].startswith(f"{field}: ")
    assert not any(words in error["message"] for words in LIBRARY_WORDS)


# Computed in the test, not at collection: the suite runs for minutes.
@pytest.mark.parametrize("minutes", [ETA_CLOCK_SKEW_MINUTES + 1, 24 * 60, 400 * 24 * 60])
def test_it_refuses_an_eta_that_has_gone(case_api, minutes, fake_twilio, run_worker):
    answer = case_api.send("case.dispatched", {**GOOD, "eta": ago(minutes=minutes)})
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "eta"
    assert "has passed" in answer.json["error"]["message"]
    run_worker()
    assert fake_twilio.messages == []


@pytest.mark.parametrize("hours", [-1, 1, 24 * 30])
def test_it_refuses_an_eta_without_an_offset_whenever_it_is(case_api, hours):
    """10:00 without an offset is two moments a year apart in the Netherlands (summer and winter
    time), and a generated client sends it as written: the contract asks for the offset."""
    moment = datetime.now(AMSTERDAM) + timedelta(hours=hours)
    naive = moment.replace(tzinfo=None).isoformat(timespec="seconds")
    answer = case_api.send("case.dispatched", {**GOOD, "eta": naive})
    assert answer.status_code == 422 and answer.json["error"]["field"] == "eta"
    assert answer.json["error"]["message"] == f"eta: {naive} has no UTC offset; add one, like {naive}+01:00"
    with_offset = case_api.send("case.dispatched", {**GOOD, "eta": moment.isoformat(timespec="seconds")})
    assert with_offset.status_code == (422 if hours < 0 else 202), with_offset.json


@pytest.mark.parametrize("minutes", [1, -90], ids=["a-minute-ago", "in-ninety-minutes"])
def test_it_accepts_an_eta_a_minute_ago_or_to_come(case_api, minutes):
    answer = case_api.send("case.dispatched", {**GOOD, "eta": ago(minutes=minutes)})
    assert answer.status_code == 202, answer.json
