"""The dashboard and the rules name only metrics and labels that a live /metrics exposes.

A renamed metric or label would leave a panel blank and an alert that never fires, with
nothing to say so. Here the seed story runs, /metrics is scraped, and every expression in
deploy/grafana/korte-lijn.json and deploy/prometheus/*.yml is checked against what it shows.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from gateway.core.counters import METRICS
from tests.conftest import ANNA
from tests.metric_samples import METRICS_TOKEN, families

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "deploy" / "grafana" / "korte-lijn.json"
RULE_FILES = [ROOT / "deploy" / "prometheus" / name for name in ("rules.yml", "alerts.yml")]
# Prometheus's own series, which the rules may read beside the gateway's.
PROMETHEUS_OWN = {"up": {"job", "instance"}, "ALERTS": {"alertname", "alertstate", "severity"}}
# Label names PromQL makes itself.
PROMQL_LABELS = {"le", "__name__"}

SELECTOR = re.compile(r"\b([a-zA-Z_][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
NAME = re.compile(r"\b(korte_lijn[a-z_]*(?::[a-z0-9_]+)*|up|ALERTS)\b")
QUOTED = re.compile(r'"[^"]*"')
LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panels(panel) if "panels" in panel else [])
    return found


def dashboard_targets() -> list[dict]:
    return [target for panel in panels(json.loads(DASHBOARD.read_text())) for target in panel.get("targets", [])]


def rules() -> list[dict]:
    return [
        rule for path in RULE_FILES for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]
    ]


def recorded_labels() -> dict[str, set[str]]:
    """Each recording rule's name and the labels it keeps (its `by` clause)."""
    return {
        rule["record"]: {label.strip() for group in GROUPING.findall(rule["expr"]) for label in group.split(",")}
        - PROMQL_LABELS
        - {""}
        for rule in rules()
        if "record" in rule
    }


@pytest.fixture
def exposed(settings, question_open, twilio, runtime, run_worker, client) -> dict[str, set[str]]:
    """The seed story once through, then /metrics: each sample name and the label names it carries."""
    assert twilio.text(ANNA, "Nee, het gat zit er nog", to=question_open).status_code == 200
    run_worker()
    runtime.worker.beat()
    names: dict[str, set[str]] = {}
    for family in families(client):
        spec = METRICS.get(family.name) or METRICS.get(family.name.removesuffix("_total"))
        # A counter that has not counted yet shows only its TYPE line: take its labels from code.
        labels = set(spec.labels) if spec else set()
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"]}.get(family.type, [""])
        for suffix in suffixes:
            names.setdefault(family.name + suffix, set()).update(labels)
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": METRICS_TOKEN}


def expressions() -> list[tuple[str, str, str]]:
    """(where, expression without its quoted label values, legend) for every panel target and rule."""
    found = [(f"dashboard: {t['expr']}", t["expr"], t.get("legendFormat", "")) for t in dashboard_targets()]
    found += [(f"{rule.get('alert') or rule['record']}", rule["expr"], "") for rule in rules()]
    return [(where, QUOTED.sub('""', expr), legend) for where, expr, legend in found]


def test_the_dashboard_and_rules_have_expressions_to_check():
    assert len(dashboard_targets()) >= 20 and len(rules()) >= 20


def test_every_metric_they_name_is_exposed_or_recorded(exposed):
    recorded = recorded_labels()
    missing = [
        (where, name)
        for where, expr, _ in expressions()
        for name in NAME.findall(expr)
        if name not in exposed and name not in recorded and name not in PROMETHEUS_OWN
    ]
    assert missing == []


def test_every_label_they_select_group_or_show_exists_on_their_metrics(exposed):
    recorded = recorded_labels()
    known = {**PROMETHEUS_OWN, **recorded, **exposed}
    wrong = []
    for where, expr, legend in expressions():
        in_reach = set().union(*(known.get(name, set()) for name in NAME.findall(expr))) | PROMQL_LABELS
        for name, matchers in SELECTOR.findall(expr):
            wrong += [(where, name, label) for label in MATCHER.findall(matchers) if label not in known.get(name, ())]
        grouped = {label.strip() for group in GROUPING.findall(expr) for label in group.split(",")} - {""}
        wrong += [(where, "by", label) for label in grouped if label not in in_reach]
        wrong += [(where, "legend", label) for label in LEGEND_LABEL.findall(legend) if label not in in_reach]
    assert wrong == []


def test_every_panel_says_what_it_shows():
    for panel in panels(json.loads(DASHBOARD.read_text())):
        if panel["type"] != "row":
            assert panel["title"] and panel["description"], panel["title"]
            assert panel["datasource"]["uid"] == "${datasource}", "the dashboard asks for its Prometheus"


def test_the_issue_s_panels_are_all_there():
    shown = " ".join(target["expr"] for target in dashboard_targets())
    for metric in (
        "korte_lijn_messages_total",  # texts and calls by outcome
        "korte_lijn_replies_total",  # replies by reading
        "korte_lijn:reopen_rate:7d",
        "korte_lijn:answer_share:7d",
        "korte_lijn:answer_seconds:p50_7d",  # time from completion to answer
        "korte_lijn_outbox_pending",  # outbox depth
        "korte_lijn_outbox_oldest_due_seconds",  # outbox lag
        "korte_lijn_callback_delivery_lag_seconds_bucket",
        "korte_lijn_timer_lateness_seconds_bucket",
    ):
        assert metric in shown, metric
