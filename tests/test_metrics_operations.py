"""The numbers on-call people alert on: answers per crew team, the worker's heartbeat, the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.config import ConfigError
from gateway.core.models import Case, WorkerHeartbeat
from gateway.factory import create_app
from tests.conftest import ANNA
from tests.metric_samples import METRICS_TOKEN, families, scrape
from tests.processes import free_port


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": METRICS_TOKEN, "METRICS_CREWS": "crew-noord, Team-Zuid"}


def completed_an_hour_ago(case_api, run_worker, fast_forward, runtime, crew_id: str = "crew-noord") -> str:
    proxy = case_api.dispatch(crew_fields={"id": crew_id}).json["proxy_number"]
    case_api.complete()
    fast_forward(1800)
    run_worker()  # the question goes out
    with runtime.db.transaction() as session:
        for case in session.scalars(select(Case)):
            case.completed_at -= timedelta(hours=1)
    return proxy


def test_a_crew_named_in_metrics_crews_gets_its_own_label_and_any_other_counts_as_other(case_api, client):
    case_api.dispatch(crew_fields={"id": "CREW-NOORD"})
    case_api.dispatch(case_id="MOR-2", crew_fields={"id": "piet-de-vries-0612345678"})
    assert scrape(client, "korte_lijn_case_transitions_total", to="dispatched", crew="crew-noord") == 1
    assert scrape(client, "korte_lijn_case_transitions_total", to="dispatched", crew="other") == 1
    assert "piet" not in client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text


def test_her_first_answer_counts_once_with_how_long_after_the_job_she_gave_it(
    case_api, twilio, client, run_worker, fast_forward, runtime
):
    proxy = completed_an_hour_ago(case_api, run_worker, fast_forward, runtime)
    assert twilio.text(ANNA, "Ja hoor, netjes", to=proxy).status_code == 200
    assert scrape(client, "korte_lijn_answers_total", answer="yes", crew="crew-noord") == 1
    seconds = "korte_lijn_answer_seconds"
    assert scrape(client, seconds + "_count", crew="crew-noord") == 1
    assert 3600 <= scrape(client, seconds + "_sum", crew="crew-noord") < 3700
    assert scrape(client, seconds + "_bucket", crew="crew-noord", le="3600.0") == 0
    assert scrape(client, seconds + "_bucket", crew="crew-noord", le="7200.0") == 1

    # A NO after her YES reopens the case, but she had already answered.
    assert twilio.text(ANNA, "Nee toch niet, het gat is terug", to=proxy).status_code == 200
    assert scrape(client, "korte_lijn_answers_total", answer="no", crew="crew-noord") == 0
    assert scrape(client, "korte_lijn_case_transitions_total", to="reopened", crew="crew-noord") == 1
    assert scrape(client, seconds + "_count", crew="crew-noord") == 1


def test_a_no_before_we_ask_is_her_answer_and_an_unclear_one_is_not(case_api, twilio, client, run_worker):
    proxy = case_api.dispatch(crew_fields={"id": "team-zuid"}).json["proxy_number"]
    run_worker()
    case_api.complete()
    assert twilio.text(ANNA, "misschien", to=proxy).status_code == 200
    assert scrape(client, "korte_lijn_answers_total", answer="no", crew="team-zuid") == 0
    assert twilio.text(ANNA, "Nee, ze hebben het gat aan de overkant gevuld", to=proxy).status_code == 200
    assert scrape(client, "korte_lijn_answers_total", answer="no", crew="team-zuid") == 1
    assert scrape(client, "korte_lijn_answer_seconds_count", crew="team-zuid") == 1


@pytest.mark.parametrize(
    "crews, problem",
    [
        ("crew noord", "not a crew id"),
        ("crew-noord,0612345678", "not a crew id"),
        ("crew-ñ", "not a crew id"),
        ("x" * 41, "not a crew id"),
        (",".join(f"team-{n}" for n in range(51)), "at most 50"),
    ],
)
def test_a_malformed_or_unbounded_metrics_crews_stops_start_up(settings, crews, problem):
    with pytest.raises(ConfigError) as error:
        create_app({**settings, "METRICS_CREWS": crews})
    assert error.value.name == "METRICS_CREWS" and problem in str(error.value)


def test_a_worker_that_beats_counts_as_running_until_it_falls_silent(client, runtime, run_worker):
    assert scrape(client, "korte_lijn_workers") == 0
    run_worker()
    runtime.worker.beat()
    assert scrape(client, "korte_lijn_workers") == 1
    for job in ("fire_timers", "send_outbox"):
        assert 0 <= scrape(client, "korte_lijn_worker_task_age_seconds", task=job) < 30

    # Two minutes without a heartbeat: gone, and its jobs last finished two minutes ago.
    with runtime.db.transaction() as session:
        [row] = session.scalars(select(WorkerHeartbeat))
        row.seen_at -= timedelta(minutes=2)
        row.timers_at -= timedelta(minutes=2)
    assert scrape(client, "korte_lijn_workers") == 0
    assert 120 <= scrape(client, "korte_lijn_worker_task_age_seconds", task="fire_timers") < 150


def test_a_heartbeat_forgets_workers_gone_for_a_day(runtime, run_worker):
    with runtime.db.transaction() as session:
        now = runtime.worker.heartbeat.started_at
        session.add(WorkerHeartbeat(worker="old-host:1", started_at=now, seen_at=now - timedelta(days=2)))
        session.add(WorkerHeartbeat(worker="last-deploy:2", started_at=now, seen_at=now - timedelta(hours=3)))
    runtime.worker.beat()
    with runtime.db.transaction() as session:
        names = set(session.scalars(select(WorkerHeartbeat.worker)))
    assert names == {"last-deploy:2", runtime.worker.heartbeat.name}


def test_a_database_that_does_not_answer_is_a_number_not_a_failed_scrape(settings, caplog):
    """Nothing listens on the port: the scrape answers 200 with database_up 0 and nothing else."""
    app = create_app({**settings, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/gone"})
    try:
        response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert response.status_code == 200
        assert scrape(app.test_client(), "korte_lijn_database_up") == 0
        assert "korte_lijn_outbox_pending" not in response.text
        assert "korte_lijn_database_up 0.0" in response.text
        assert "database did not answer (OperationalError)" in caplog.text
    finally:
        app.extensions["korte_lijn"].db.dispose()


def test_a_database_that_answers_is_up(client):
    assert scrape(client, "korte_lijn_database_up") == 1
    assert scrape(client, "korte_lijn_scrape_database_seconds") > 0


def test_the_series_rates_and_alerts_divide_exist_at_0_before_their_first_count(client):
    """increase() cannot see a counter's first step from nothing to 1: it must start at 0."""
    for labels in ({"to": "reopened", "crew": "crew-noord"}, {"to": "completed", "crew": "other"}):
        assert ("korte_lijn_case_transitions_total", labels) in samples(client)
    assert ("korte_lijn_messages_total", {"kind": "callback", "recipient": "case_system", "outcome": "failed"}) in (
        samples(client)
    )
    assert ("korte_lijn_answer_seconds_bucket", {"crew": "team-zuid", "le": "+Inf"}) in samples(client)
    assert all(value == 0 for _, _, value in samples_with_values(client))


def samples_with_values(client) -> list[tuple[str, dict, float]]:
    counted = ("_total", "_bucket", "_sum", "_count")
    return [
        (sample.name, sample.labels, sample.value)
        for family in families(client)
        for sample in family.samples
        if sample.name.endswith(counted)
    ]


def samples(client) -> list[tuple[str, dict]]:
    return [(name, labels) for name, labels, _ in samples_with_values(client)]
