"""The document the running gateway serves, as integrators' own tools read it: Redocly CLI and
Spectral (spectral:oas), pinned, from npm. Neither may report an error or a warning."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from tests.processes import free_port, procfile_running
from tests.tools import require

pytestmark = pytest.mark.e2e

REDOCLY = "@redocly/cli@2.77.0"
SPECTRAL = "@stoplight/spectral-cli@6.16.3"
RULESET = Path(__file__).with_name("spectral.yaml")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Path:
    """/openapi.json from the Procfile's gunicorn, for a gateway at a real-looking address."""
    folder = tmp_path_factory.mktemp("lint")
    port = free_port()
    settings = {
        "DATABASE_URL": f"sqlite:///{folder / 'lint.sqlite3'}",
        "PUBLIC_BASE_URL": "https://meldingen.voorbeeldstad.nl",
        "ORGANISATION_NAME": "Gemeente Voorbeeldstad",
        "WEB_CONCURRENCY": "1",
    }
    with procfile_running(settings, folder, port):
        answer = requests.get(f"http://127.0.0.1:{port}/openapi.json", timeout=10)
    assert answer.status_code == 200
    path = folder / "openapi.json"
    path.write_text(answer.text)
    return path


def npx(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require("npx", "npm"), "--yes", *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_redocly_finds_no_error_and_no_warning(served):
    result = npx(REDOCLY, "lint", "--format=json", served.name, cwd=served.parent)
    report = json.loads(result.stdout[result.stdout.index("{") :])
    problems = [(p["ruleId"], p["message"]) for p in report["problems"]]
    assert report["totals"]["errors"] == report["totals"]["warnings"] == 0, problems
    assert result.returncode == 0, result.stderr


def test_spectral_finds_nothing(served):
    result = npx(SPECTRAL, "lint", "-r", str(RULESET), "-f", "json", "-q", served.name, cwd=served.parent)
    findings = json.loads(result.stdout or "[]")
    assert [(f["code"], f["message"], ".".join(map(str, f["path"]))) for f in findings] == []
    assert result.returncode == 0, result.stderr
