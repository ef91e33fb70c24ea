"""Logs an operator can search: one JSON object a line, with the request id and the case id."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from gateway.core import logs
from gateway.core.logs import JsonFormatter
from tests.conftest import ACCOUNT_SID, ANNA, AUTH_TOKEN, CALLBACK_SECRET, CASE_KEY, JAN, PROXY_NUMBERS

ROOT = Path(__file__).resolve().parent.parent
GENERATED = re.compile(r"[0-9a-f]{32}")
CASE = "MOR-2026-0042"


@pytest.fixture
def logged(app):
    """Everything logged during the test, formatted as LOG_FORMAT=json formats it, parsed line by line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(frozenset(PROXY_NUMBERS)))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # pytest runs every test in one thread: a CLI command tested earlier (a process of its
    # own in real life, where its case id ends with it) may have left one behind.
    logs.case_id.set(None)
    logs.request_id.set(None)

    def lines() -> list[dict]:
        raw = stream.getvalue().splitlines()
        assert raw, "nothing was logged"
        return [json.loads(line) for line in raw]  # each line is one whole JSON object

    lines.raw = stream.getvalue
    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def of_request(lines: list[dict], request_id: str) -> list[dict]:
    return [line for line in lines if line.get("request_id") == request_id]


def test_every_line_is_one_json_object_with_time_level_logger_and_message(
    logged, case_api, twilio, run_worker, fast_forward, fake_twilio
):
    proxy = case_api.dispatch().json["proxy_number"]
    fake_twilio.fail_next(status=500)  # a retry logs a warning
    run_worker()
    case_api.complete()
    fast_forward(1800)
    run_worker(2)
    twilio.text(ANNA, "Nee, het gat zit er nog", to=proxy)
    run_worker()
    lines = logged()
    assert len(lines) > 10
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
        assert datetime.fromisoformat(line["time"].replace("Z", "+00:00")).tzinfo is not None
    assert {"INFO", "WARNING"} <= {line["level"] for line in lines}


def test_a_sane_request_id_is_kept_returned_and_on_every_line_with_the_case_id(logged, case_api, client):
    response = client.get(
        f"/v1/cases/{CASE}", headers={"Authorization": f"Bearer {CASE_KEY}", "X-Request-Id": "req-123abc"}
    )
    assert response.status_code == 404
    case_api.dispatch()
    response = client.get(
        f"/v1/cases/{CASE}",
        headers={"Authorization": f"Bearer {CASE_KEY}", "X-Request-Id": "9d6a2c1e-47f1-4c1b-a3a4-2d8b0a7f3e55"},
    )
    assert response.headers["X-Request-Id"] == "9d6a2c1e-47f1-4c1b-a3a4-2d8b0a7f3e55"
    [line] = of_request(logged(), "9d6a2c1e-47f1-4c1b-a3a4-2d8b0a7f3e55")
    assert line["logger"] == "gateway.access" and line["case_id"] == CASE
    [before_the_case_existed] = of_request(logged(), "req-123abc")
    assert "case_id" not in before_the_case_existed


def test_without_a_request_id_one_is_made_for_each_request(logged, client):
    first, second = client.get("/healthz"), client.get("/healthz")
    ids = [first.headers["X-Request-Id"], second.headers["X-Request-Id"]]
    assert all(GENERATED.fullmatch(request_id) for request_id in ids) and ids[0] != ids[1]
    assert [len(of_request(logged(), request_id)) for request_id in ids] == [1, 1]


@pytest.mark.parametrize(
    "hostile",
    [
        "abc\ndef",
        "abc\r\nX-Injected: 1",
        'x", "level": "CRITICAL',
        "x" * 10_000,
        "ünïcödé-id",
        "",
        " ",
        "\x00abc",
        "+31612345678",
        "../../etc/passwd;rm",
        "a\u2028b",
    ],
)
def test_a_hostile_request_id_is_replaced_by_our_own(logged, client, hostile):
    response = client.get("/healthz", environ_overrides={"HTTP_X_REQUEST_ID": hostile})
    assert response.status_code == 200
    request_id = response.headers["X-Request-Id"]
    assert GENERATED.fullmatch(request_id)
    lines = logged()
    assert len(of_request(lines, request_id)) == 1
    assert all(line["level"] != "CRITICAL" for line in lines)
    assert all(
        set(line) <= {"time", "level", "logger", "message", "request_id", "case_id", "exception"} for line in lines
    )
    if hostile.strip():
        assert hostile not in logged.raw()


def test_the_worker_names_the_case_of_each_row_it_sends_and_each_timer_it_fires(
    logged, case_api, run_worker, fast_forward
):
    case_api.dispatch()
    case_api.dispatch(case_id="MOR-2026-0043", citizen=JAN, crew=ANNA)
    run_worker()
    case_api.complete()
    fast_forward(1800)
    run_worker()
    worker_lines = [
        line for line in logged() if line["logger"].startswith(("gateway.core.outbox", "gateway.core.timers"))
    ]
    sent = [line for line in worker_lines if "sent to" in line["message"]]
    assert sorted(line["case_id"] for line in sent) == [CASE, CASE, CASE, "MOR-2026-0043", "MOR-2026-0043"]
    [fired] = [line for line in worker_lines if line["logger"] == "gateway.core.timers"]
    assert fired["case_id"] == CASE and "ask" in fired["message"]
    assert all("request_id" not in line for line in worker_lines)


def test_no_id_lingers_after_a_request_or_a_tick(logged, case_api, run_worker):
    case_api.dispatch()
    run_worker()
    logging.getLogger("tests.after").info("between requests")
    [after] = [line for line in logged() if line["logger"] == "tests.after"]
    assert "request_id" not in after and "case_id" not in after


def test_no_real_number_appears_but_our_own_proxy_numbers_stay_readable(logged, case_api, twilio, run_worker):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(ANNA, f"Bel me op {ANNA.national} of {ANNA.phone}", to=proxy)
    twilio.text("+31699998888", "Wie is dit?", to=proxy)
    run_worker()
    # A database error quoting its parameters: the formatter masks what the code did not.
    try:
        raise RuntimeError(f"duplicate key (phone)=({ANNA.phone})")
    except RuntimeError:
        logging.getLogger("tests.db").exception("insert failed for %s", JAN.phone)
    text = logged.raw()
    for number in (ANNA.phone, ANNA.national, JAN.phone, "612345678", "687654321", "+31699998888"):
        assert number not in text, number
    assert "+316****5678" in text and proxy in text
    [failure] = [line for line in logged() if line["logger"] == "tests.db"]
    assert "RuntimeError" in failure["exception"] and "+316****5678" in failure["exception"]


def run_app(env: dict[str, str]) -> subprocess.CompletedProcess:
    """A fresh process, as the Procfile starts one: it builds the app, serves one request and logs an error."""
    script = (
        "import logging\n"
        "from gateway.factory import create_app\n"
        "app = create_app()\n"
        "app.test_client().get('/healthz', headers={'X-Request-Id': 'from-the-load-balancer'})\n"
        "logging.getLogger('gateway.check').warning('line\\nbreak \"quoted\"')\n"
    )
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def production(database_url):
    return {
        "DATABASE_URL": database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PROXY_NUMBERS": PROXY_NUMBERS[0],
        "CASE_API_KEYS": CASE_KEY,
        "CASE_CALLBACK_URL": "https://cases.example.org/hook",
        "CASE_CALLBACK_SECRET": CALLBACK_SECRET,
    }


def test_production_logs_json_by_default(production):
    result = run_app(production)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert any(line.get("request_id") == "from-the-load-balancer" for line in lines)
    assert any(line["message"] == 'line\nbreak "quoted"' for line in lines)


def test_the_embedded_mode_logs_text_unless_told_otherwise(database_url):
    text = run_app({"DATABASE_URL": database_url})
    assert text.returncode == 0, text.stderr
    assert "WARNING gateway.check: line" in text.stderr
    assert "[request=from-the-load-balancer]" in text.stderr
    as_json = run_app({"DATABASE_URL": database_url, "LOG_FORMAT": "json"})
    assert [json.loads(line)["level"] for line in as_json.stderr.splitlines()][-1] == "WARNING"


def test_an_unknown_log_format_stops_start_up_and_is_named(production):
    result = run_app({**production, "LOG_FORMAT": "xml"})
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr
