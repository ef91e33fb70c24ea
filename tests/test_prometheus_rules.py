"""deploy/prometheus: the alert and recording rules, checked and unit-tested by Prometheus's promtool."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.tools import require

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "deploy" / "prometheus"
UNIT_TESTS = [RULES / "tests.yml", RULES / "tests_rates.yml"]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require("promtool", "prometheus"), *args], cwd=RULES, capture_output=True, text=True, timeout=120
    )


def alerts() -> list[dict]:
    return [rule for group in yaml.safe_load((RULES / "alerts.yml").read_text())["groups"] for rule in group["rules"]]


def test_promtool_finds_the_rules_well_formed():
    result = promtool("check", "rules", "rules.yml", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_the_example_scrape_config_is_valid():
    result = promtool("check", "config", "--syntax-only", "prometheus.example.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_passes_its_unit_tests():
    result = promtool("test", "rules", *[path.name for path in UNIT_TESTS])
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(UNIT_TESTS)


def test_every_alert_is_tested_both_firing_and_quiet():
    firing, quiet = set(), set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert names - firing == set(), "alerts never tested firing"
    assert names - quiet == set(), "alerts never tested staying quiet"


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_says_what_happened_and_what_to_do(rule):
    assert rule["labels"]["severity"] in ("page", "ticket")
    assert rule["annotations"]["summary"].strip()
    runbook = rule["annotations"]["runbook"]
    assert runbook.endswith("README.md#when-an-alert-fires"), runbook
    assert len(runbook.split(". README.md")[0]) > 30, "the runbook line says what to do, not only where to read"


def test_the_readme_has_an_entry_for_every_alert():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### When an alert fires", 1)[1].split("\n## ", 1)[0]
    explained = set(re.findall(r"\*\*(KorteLijn\w+)\*\*", section))
    assert explained == {rule["alert"] for rule in alerts()}
