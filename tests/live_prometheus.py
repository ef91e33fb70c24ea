"""A real Prometheus (Debian's package) on loopback, scraping a running gateway's /metrics.

It loads the repository's own rules and alerts (deploy/prometheus), scrapes and evaluates
every second, and keeps its data in a temporary folder. Used by tests/test_prometheus_live.py
and by deploy/prometheus/snapshot.py, which draws the README's picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from tests.processes import ROOT, ProcessError, Processes, free_port

RULES = ROOT / "deploy" / "prometheus"


class LivePrometheus:
    def __init__(self, processes: Processes, binary: str, folder: Path, target: str, token: str):
        """`target`: the gateway's host:port; `token`: its METRICS_TOKEN, given to Prometheus in a file."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "token").write_text(token)
        (folder / "prometheus.yml").write_text(
            "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
            f"rule_files: ['{RULES / 'rules.yml'}', '{RULES / 'alerts.yml'}']\n"
            "scrape_configs:\n"
            "  - job_name: korte_lijn\n"
            f"    static_configs: [{{targets: ['{target}']}}]\n"
            f"    authorization: {{type: Bearer, credentials_file: '{folder / 'token'}'}}\n"
        )
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.processes = processes
        processes.start(
            "prometheus",
            [
                binary,
                f"--config.file={folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
        )
        self.wait_for(lambda: requests.get(self.base + "/-/ready", timeout=2).ok, "Prometheus to be ready")

    def api(self, path: str, **params: Any) -> Any:
        answer = requests.get(f"{self.base}/api/v1/{path}", params=params, timeout=10)
        answer.raise_for_status()
        body = answer.json()
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[tuple[dict[str, str], float]]:
        """An instant query: each series' labels and value."""
        return [(row["metric"], float(row["value"][1])) for row in self.api("query", query=expr)["result"]]

    def alert_state(self, name: str) -> str:
        """inactive, pending or firing, as Prometheus's rule evaluation has it now."""
        for group in self.api("rules", type="alert")["groups"]:
            for rule in group["rules"]:
                if rule["name"] == name:
                    return rule["state"]
        raise AssertionError(f"Prometheus has no alert {name}")

    def rule_health(self) -> dict[str, str]:
        """Each rule's name and its last evaluation's health (ok, err, unknown), error included."""
        return {
            rule["name"]: rule["health"] + (f": {rule['lastError']}" if rule.get("lastError") else "")
            for group in self.api("rules")["groups"]
            for rule in group["rules"]
        }

    def wait_for(self, check: Callable[[], Any], what: str, timeout: float = 60) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            if not self.processes.alive("prometheus"):
                raise ProcessError(f"prometheus exited:\n{self.processes.log('prometheus')}")
            try:
                result = check()
            except (requests.RequestException, AssertionError):
                result = None
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout:g} s for {what}:\n{self.processes.log('prometheus')[-3000:]}")
            time.sleep(0.25)
