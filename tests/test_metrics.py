"""GET /metrics: what operators see, true for every process, and only for those holding the token."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from gateway.core import counters
from gateway.core.config import ConfigError
from gateway.core.models import OutboxMessage
from gateway.factory import create_app
from tests.conftest import ANNA, JAN

TOKEN = "metrics-token-for-tests-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": TOKEN}


class Scrape:
    """One scrape, parsed the way Prometheus parses it."""

    def __init__(self, client):
        response = client.get("/metrics", headers=AUTH)
        assert response.status_code == 200, response.text
        assert response.content_type.startswith("text/plain; version=")
        self.text = response.text
        self.samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                self.samples[(sample.name, frozenset(sample.labels.items()))] = sample.value

    def __call__(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def sent(self, kind: str, recipient: str, outcome: str) -> float:
        return self("korte_lijn_messages_total", kind=kind, recipient=recipient, outcome=outcome)


@pytest.fixture
def scrape(client):
    return lambda: Scrape(client)


def report_status(twilio, record: dict, status: str, **extra):
    """Twilio's status callback for a text the fake accepted, to the URL the gateway gave it."""
    url = urlparse(record["StatusCallback"])
    form = {"MessageSid": record["sid"], "MessageStatus": status, **extra}
    return twilio.post(f"{url.path}?{url.query}", form)


def test_it_counts_texts_sent_and_twilios_delivery_reports(case_api, twilio, run_worker, fake_twilio, scrape):
    before = scrape()
    case_api.dispatch()
    queued = scrape()
    assert queued("korte_lijn_outbox_pending", kind="text", state="due") == 2
    assert (
        queued("korte_lijn_case_transitions_total", to="dispatched", crew="other")
        == before("korte_lijn_case_transitions_total", to="dispatched", crew="other") + 1
    )

    run_worker()
    after = scrape()
    assert after.sent("text", "citizen", "sent") == before.sent("text", "citizen", "sent") + 1
    assert after.sent("text", "crew", "sent") == before.sent("text", "crew", "sent") + 1
    assert after("korte_lijn_outbox_pending", kind="text", state="due") == 0
    assert after("korte_lijn_outbox_oldest_due_seconds", kind="text") == 0

    [to_anna] = [m for m in fake_twilio.messages if m["To"] == ANNA.phone]
    [to_jan] = [m for m in fake_twilio.messages if m["To"] == JAN.phone]
    assert report_status(twilio, to_anna, "delivered").status_code == 204
    assert report_status(twilio, to_anna, "delivered").status_code == 204  # Twilio redelivers; counted once
    assert report_status(twilio, to_jan, "undelivered", ErrorCode="30003").status_code == 204
    reported = scrape()
    assert reported.sent("text", "citizen", "delivered") == after.sent("text", "citizen", "delivered") + 1
    assert reported.sent("text", "crew", "undelivered") == after.sent("text", "crew", "undelivered") + 1
    assert reported.sent("text", "citizen", "sent") == after.sent("text", "citizen", "sent")


def test_it_counts_retries_held_rows_and_texts_given_up(case_api, run_worker, fake_twilio, scrape):
    before = scrape()
    fake_twilio.refuse(JAN.phone, status=400, code=21211)  # permanent: not a valid number
    fake_twilio.fail_next(status=500)  # Anna's text, first in line, is worth another try
    case_api.dispatch()
    run_worker()
    after = scrape()
    assert (
        after("korte_lijn_outbox_retries_total", kind="text")
        == before("korte_lijn_outbox_retries_total", kind="text") + 1
    )
    assert after("korte_lijn_outbox_pending", kind="text", state="held") == 1
    assert after.sent("text", "crew", "failed") == before.sent("text", "crew", "failed") + 1
    assert after.sent("text", "citizen", "sent") == before.sent("text", "citizen", "sent")


def test_it_counts_replies_by_interpretation_and_the_reopen_rate(case_api, twilio, run_worker, fast_forward, scrape):
    proxy = case_api.dispatch().json["proxy_number"]
    case_api.complete()
    fast_forward(1800)
    run_worker()
    before = scrape()

    def says(body: str) -> None:
        assert twilio.text(ANNA, body, to=proxy).status_code == 200

    def replies(scraped, interpretation):
        return scraped("korte_lijn_replies_total", interpretation=interpretation, channel="text")

    says("misschien")
    says("Ja, het is gemaakt")
    says("Nee, het gat is er weer")
    says("STOP")  # before the worker ran: the re-ask and both thank-you texts are withdrawn
    says("START")
    after = scrape()
    for interpretation in ("unclear", "yes", "no", "opt_out", "opt_in"):
        assert replies(after, interpretation) == replies(before, interpretation) + 1, interpretation
    assert after.sent("text", "citizen", "withdrawn") == before.sent("text", "citizen", "withdrawn") + 3

    transitions = {
        to: after("korte_lijn_case_transitions_total", to=to, crew="other")
        for to in ("completed", "confirmed", "reopened")
    }
    assert transitions == {"completed": 1, "confirmed": 1, "reopened": 1}
    # The reopen rate, as the module docstring tells Prometheus to compute it.
    assert transitions["reopened"] / transitions["completed"] == 1.0


def test_it_measures_callback_retries_and_delivery_lag(
    case_api, twilio, runtime, run_worker, fast_forward, case_system, scrape
):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(ANNA, "Het gat zit recht voor mijn deur", to=proxy)  # queues a case.citizen_message
    case_system.fail_next(status=503)
    before = scrape()
    run_worker()
    failed_once = scrape()
    assert (
        failed_once("korte_lijn_outbox_retries_total", kind="callback")
        == before("korte_lijn_outbox_retries_total", kind="callback") + 1
    )
    assert failed_once.sent("callback", "case_system", "sent") == before.sent("callback", "case_system", "sent")
    assert failed_once("korte_lijn_outbox_pending", kind="callback", state="held") == 1

    # The callback was queued 400 s ago; its retry is due now.
    with runtime.db.transaction() as session:
        for row in session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "callback")):
            row.created_at -= timedelta(seconds=400)
    fast_forward(5)
    run_worker()
    assert len(case_system.wait_for("case.citizen_message")) == 1
    after = scrape()
    lag = "korte_lijn_callback_delivery_lag_seconds"
    assert after.sent("callback", "case_system", "sent") == before.sent("callback", "case_system", "sent") + 1
    assert after(lag + "_count") == before(lag + "_count") + 1
    assert after(lag + "_bucket", le="1800.0") == before(lag + "_bucket", le="1800.0") + 1
    assert after(lag + "_bucket", le="300.0") == before(lag + "_bucket", le="300.0")
    assert 400 <= after(lag + "_sum") - before(lag + "_sum") < 460


def test_it_shows_an_overdue_timer_and_how_late_it_fired(case_api, run_worker, fast_forward, scrape):
    case_api.dispatch()
    case_api.complete()
    run_worker()
    before = scrape()
    assert before("korte_lijn_timers_overdue") == 0
    fast_forward(1800 + 100)  # the question's timer is 100 s overdue: no worker ran meanwhile
    overdue = scrape()
    assert overdue("korte_lijn_timers_overdue") == 1
    assert 100 <= overdue("korte_lijn_timers_oldest_overdue_seconds") < 160

    run_worker()
    after = scrape()
    lateness = "korte_lijn_timer_lateness_seconds"
    assert after("korte_lijn_timers_overdue") == 0
    assert after(lateness + "_count") == before(lateness + "_count") + 1
    assert after(lateness + "_bucket", le="300.0") == before(lateness + "_bucket", le="300.0") + 1
    assert after(lateness + "_bucket", le="60.0") == before(lateness + "_bucket", le="60.0")


def test_every_process_sees_the_same_numbers(settings, app, case_api, run_worker, scrape):
    """Another web process (a second app on the same database) reports what this one's worker sent."""
    case_api.dispatch()
    run_worker()
    other = create_app(settings)
    try:
        here, there = scrape(), Scrape(other.test_client())
        assert there.sent("text", "citizen", "sent") == here.sent("text", "citizen", "sent") == 1
    finally:
        other.extensions["korte_lijn"].db.dispose()


def test_no_phone_number_or_case_id_is_a_label(case_api, twilio, run_worker, scrape):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(ANNA, "Bel me op 06 12345678", to=proxy)
    run_worker()
    body = scrape().text
    for secret in (ANNA.phone, ANNA.phone[1:], JAN.phone, proxy, "MOR-2026-0042", "MOR-42"):
        assert secret not in body


def test_a_label_value_from_outside_a_closed_set_is_refused(runtime):
    with runtime.db.transaction() as session:
        with pytest.raises(ValueError):
            counters.count(session, "korte_lijn_replies", interpretation=ANNA.phone, channel="text")
        with pytest.raises(ValueError):
            counters.count(session, "korte_lijn_replies", interpretation="yes")  # a label missing


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token-0123456789",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer " + "x" * 10_000,
        "Bearer tökén",
    ],
)
def test_it_refuses_a_scrape_without_the_right_token(client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthorized"
    assert "korte_lijn" not in response.text


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_it_only_answers_get(client, method):
    assert client.open("/metrics", method=method, headers=AUTH).status_code == 405


def test_head_gives_the_headers_only(client):
    response = client.head("/metrics", headers=AUTH)
    assert response.status_code == 200 and response.data == b""


def test_without_a_token_it_does_not_exist_in_production(settings):
    app = create_app({k: v for k, v in settings.items() if k != "METRICS_TOKEN"})
    try:
        response = app.test_client().get("/metrics", headers=AUTH)
        assert response.status_code == 404
        assert response.json == app.test_client().get("/no-such-page").json  # indistinguishable
    finally:
        app.extensions["korte_lijn"].db.dispose()


def test_the_embedded_mode_shows_it_without_a_token(database_url):
    app = create_app({"DATABASE_URL": database_url})
    try:
        response = app.test_client().get("/metrics")
        assert response.status_code == 200
        assert "korte_lijn_outbox_pending" in response.text
    finally:
        app.extensions["korte_lijn"].db.dispose()


def test_the_token_may_come_from_a_file(settings, tmp_path, client):
    secret = tmp_path / "metrics_token"
    secret.write_text(TOKEN + "\n")
    env = {k: v for k, v in settings.items() if k != "METRICS_TOKEN"}
    app = create_app({**env, "METRICS_TOKEN_FILE": str(secret)})
    try:
        assert app.test_client().get("/metrics", headers=AUTH).status_code == 200
    finally:
        app.extensions["korte_lijn"].db.dispose()


@pytest.mark.parametrize("token", ["short", "has a space in it 0123456789", "tab\tinside-0123456789abc"])
def test_a_weak_or_malformed_token_stops_start_up(settings, token):
    with pytest.raises(ConfigError) as error:
        create_app({**settings, "METRICS_TOKEN": token})
    assert error.value.name == "METRICS_TOKEN"
