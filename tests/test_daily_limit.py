"""RECIPIENT_DAILY_LIMIT: no number gets more than so many texts and calls in 24 hours, whatever the cause."""

import logging
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.config import Config, ConfigError
from gateway.core.models import OutboxMessage
from gateway.factory import create_app
from tests.conftest import CASE_KEY, JAN, Persona
from tests.metric_samples import METRICS_TOKEN, scrape

LIMIT = 20


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": METRICS_TOKEN}


def resident(i: int) -> Persona:
    return Persona(f"Bewoner {i}", f"+3164{i:07d}", f"06 4{i:07d}")


def dispatch_jan(case_api, jobs: int, first: int = 0) -> None:
    """`jobs` cases for crew Jan, each with its own resident: Jan gets a dispatch text for each."""
    for i in range(first, first + jobs):
        assert case_api.dispatch(f"MOR-{i}", citizen=resident(i)).status_code == 202


def test_it_has_a_default_of_twenty_and_refuses_a_malformed_limit_by_name():
    assert Config.from_env({}).recipient_daily_limit == LIMIT
    assert Config.from_env({"RECIPIENT_DAILY_LIMIT": "50"}).recipient_daily_limit == 50
    for value in ("0", "twenty", "-1", "20.5", "100000"):
        with pytest.raises(ConfigError) as refused:
            Config.from_env({"RECIPIENT_DAILY_LIMIT": value})
        assert refused.value.name == "RECIPIENT_DAILY_LIMIT"


def test_the_21st_text_to_one_number_in_a_day_is_not_sent_and_the_case_system_hears_it(
    case_api, run_worker, fake_twilio, case_system, caplog
):
    caplog.set_level(logging.INFO)
    dispatch_jan(case_api, LIMIT + 1)
    run_worker()

    assert len(fake_twilio.texts_to(JAN.phone)) == LIMIT
    assert all(len(fake_twilio.texts_to(resident(i).phone)) == 1 for i in range(LIMIT + 1))
    [report] = case_system.of_type("message.undeliverable")  # the proxy numbers send side by side: any case
    assert (report.data["recipient"], report.data["purpose"]) == ("crew", "dispatch_crew")
    assert report.data["reason"] == (
        "daily limit: +316****4321 already got 20 texts and calls in 24 hours (RECIPIENT_DAILY_LIMIT)"
    )
    assert scrape(case_api.client, "korte_lijn_recipient_limit_hits_total", recipient="crew") == 1
    assert (
        scrape(case_api.client, "korte_lijn_messages_total", kind="text", recipient="crew", outcome="over_limit") == 1
    )
    [critical] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "RECIPIENT_DAILY_LIMIT reached" in critical.getMessage() and "+316****4321" in critical.getMessage()
    assert JAN.phone not in caplog.text and "87654321" not in caplog.text
    timeline = case_api.client.get(
        f"/v1/cases/{report.data['case_id']}", headers={"Authorization": "Bearer " + CASE_KEY}
    ).json["timeline"]
    assert "sms.refused" in [entry["kind"] for entry in timeline]


def test_texts_sent_more_than_24_hours_ago_no_longer_count(case_api, run_worker, fake_twilio, runtime):
    dispatch_jan(case_api, LIMIT)
    run_worker()
    with runtime.db.transaction() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == JAN.phone)):
            row.sent_at -= timedelta(hours=24, seconds=1)
    dispatch_jan(case_api, 1, first=LIMIT)
    run_worker()
    assert len(fake_twilio.texts_to(JAN.phone)) == LIMIT + 1


def test_a_text_twilio_refused_does_not_count(settings, request, fake_twilio):
    settings["RECIPIENT_DAILY_LIMIT"] = "1"
    case_api, run_worker = request.getfixturevalue("case_api"), request.getfixturevalue("run_worker")
    fake_twilio.fail_next(times=2, status=400, code=21211)  # both texts of the first case
    dispatch_jan(case_api, 1)
    run_worker()
    assert fake_twilio.messages == []
    dispatch_jan(case_api, 1, first=1)
    run_worker()
    assert len(fake_twilio.texts_to(JAN.phone)) == 1


def test_the_limit_holds_exactly_with_several_workers_sending_at_once(settings, request, fake_twilio):
    # Many proxy numbers and workers, so many texts to Jan are decided at the same moment.
    settings.update(RECIPIENT_DAILY_LIMIT="5", PROXY_NUMBERS=",".join(f"+31970100000{i:02d}" for i in range(12)))
    case_api, runtime = request.getfixturevalue("case_api"), request.getfixturevalue("runtime")
    dispatch_jan(case_api, 40)
    others = [create_app(settings) for _ in range(2)]
    fake_twilio.slow(0.01)
    try:
        workers = [
            threading.Thread(target=app.extensions["korte_lijn"].worker.tick)
            for app in (case_api.client.application, *others)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
    finally:
        for app in others:
            app.extensions["korte_lijn"].db.dispose()
    assert len(fake_twilio.texts_to(JAN.phone)) == 5
    with runtime.db.transaction() as session:
        dropped = session.scalars(
            select(OutboxMessage.last_error).where(
                OutboxMessage.to_number == JAN.phone, OutboxMessage.status == "failed"
            )
        ).all()
    assert len(dropped) == 35 and all(error.startswith("daily limit:") for error in dropped)


def test_calls_count_toward_the_limit_like_texts(settings, request, fake_twilio, case_system):
    settings["RECIPIENT_DAILY_LIMIT"] = "2"
    case_api, run_worker = request.getfixturevalue("case_api"), request.getfixturevalue("run_worker")
    landline = Persona("Loes Jansen", "+31201234567", "020 123 4567")
    for i in range(3):
        assert case_api.dispatch(f"MOR-{i}", citizen=landline, crew=resident(i)).status_code == 202
    run_worker()
    assert [call["To"] for call in fake_twilio.calls] == [landline.phone] * 2
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["channel"]) == ("citizen", "call")
