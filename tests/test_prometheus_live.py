"""A real Prometheus scrapes the Procfile's real processes, evaluates deploy/prometheus, and sees the story.

Debian's `prometheus` package; .ci/run installs it (tests/tools.py skips or fails without it).
"""

from __future__ import annotations

import pytest
import requests

from tests.conftest import ANNA, CASE_KEY, seed_dispatch
from tests.live_prometheus import LivePrometheus
from tests.metric_samples import METRICS_TOKEN
from tests.over_http import send_event, text_form, twilio_post
from tests.processes import free_port, procfile_running
from tests.tools import require

pytestmark = pytest.mark.e2e

REOPEN_RATE = (
    'sum(increase(korte_lijn_case_transitions_total{to="reopened"}[1h]))'
    ' / sum(increase(korte_lijn_case_transitions_total{to="completed"}[1h]))'
)


def test_prometheus_sees_a_reopen_and_fires_the_alert_for_callbacks_on_hold(
    settings, request, tmp_path, fake_twilio, case_system
):
    binary = require("prometheus", "prometheus")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.update(PUBLIC_BASE_URL=base, CONFIRMATION_DELAY="1s", METRICS_TOKEN=METRICS_TOKEN)
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    with procfile_running(settings, tmp_path, port) as processes:
        prometheus = LivePrometheus(processes, binary, tmp_path / "prometheus", f"127.0.0.1:{port}", METRICS_TOKEN)
        prometheus.wait_for(lambda: prometheus.query('up{job="korte_lijn"} == 1'), "the first scrape with the token")
        prometheus.wait_for(lambda: prometheus.query("korte_lijn_workers == 1"), "the worker's heartbeat")
        assert prometheus.alert_state("KorteLijnWorkerGone") == "inactive"
        assert prometheus.alert_state("KorteLijnDatabaseAway") == "inactive"

        dispatched = send_event(
            base,
            "case.dispatched",
            seed_dispatch(),
        )
        assert dispatched.status_code == 202, dispatched.text
        proxy = dispatched.json()["proxy_number"]
        fake_twilio.wait_for_messages(2, timeout=15)
        # Prometheus must see the counters before the job is done, as it would in production.
        prometheus.wait_for(
            lambda: prometheus.query('korte_lijn_case_transitions_total{to="dispatched"} == 1'), "the dispatch"
        )
        assert send_event(base, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202
        fake_twilio.wait_for_messages(3, timeout=15)  # the question

        case_system.down(status=410)  # the case system's endpoint is gone: callbacks are held
        assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Nee, het gat zit er nog", proxy)).status_code == 200
        case = requests.get(base + "/v1/cases/MOR-2026-0042", headers={"Authorization": f"Bearer {CASE_KEY}"})
        assert case.json()["status"] == "reopened"

        [(_, rate)] = prometheus.wait_for(lambda: prometheus.query(REOPEN_RATE + " > 0"), "the reopen rate")
        assert rate == pytest.approx(1.0)
        [(_, recorded)] = prometheus.wait_for(lambda: prometheus.query("korte_lijn:reopen_rate:7d > 0"), "the rule")
        assert recorded == pytest.approx(1.0)
        [(labels, answered)] = prometheus.query('korte_lijn_answers_total{answer="no"} > 0')
        assert labels["crew"] == "other" and answered == 1

        prometheus.wait_for(
            lambda: prometheus.alert_state("KorteLijnCallbacksOnHold") == "firing", "KorteLijnCallbacksOnHold to fire"
        )
        firing = {alert["labels"]["alertname"] for alert in prometheus.api("alerts")["alerts"]}
        assert firing == {"KorteLijnCallbacksOnHold"}
        # Every rule and alert evaluated without an error against the real numbers.
        assert set(prometheus.rule_health().values()) == {"ok"}
