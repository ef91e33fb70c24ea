"""Reading /metrics as Prometheus would, for tests that count what the gateway did."""

from __future__ import annotations

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


def families(client) -> list[Metric]:
    """One scrape of /metrics with the token, parsed as Prometheus parses it."""
    text = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    return list(text_string_to_metric_families(text))


def scrape(client, name: str, **labels: str) -> float:
    """The sum of the samples called `name` with exactly these labels."""
    return sum(
        sample.value
        for family in families(client)
        for sample in family.samples
        if sample.name == name and sample.labels == labels
    )
