"""Every event refused with a 4xx leaves one log line saying why; an accepted one leaves none."""

from __future__ import annotations

import json
import logging

import pytest

from tests.conftest import ANNA, CASE_KEY, seed_dispatch
from tests.log_leaks import forms

BEARER = {"Authorization": f"Bearer {CASE_KEY}"}
DISPATCH = seed_dispatch()


def refusals(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "gateway.http.events" and record.getMessage().startswith("event refused")
    ]


def post(client, body, headers=None, webhook_id="evt_refused"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        "/v1/events",
        data=raw,
        content_type="application/json",
        headers={**BEARER, "webhook-id": webhook_id, **(headers or {})},
    )


REFUSED = [
    ("not-json", b"{not json", {}, 400, "malformed_json", None),
    ("no-key", {"type": "case.completed", "data": {}}, {"Authorization": ""}, 401, "unauthorized", None),
    ("wrong-key", {"type": "case.completed", "data": {}}, {"Authorization": "Bearer nope"}, 401, "unauthorized", None),
    (
        "bad-signature",
        {"type": "case.completed", "data": {}},
        {"Authorization": "", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
        401,
        "unauthorized",
        None,
    ),
    ("no-webhook-id", {"type": "case.completed", "data": {}}, {"webhook-id": ""}, 400, "missing_webhook_id", None),
    (
        "bad-phone",
        {"type": "case.dispatched", "data": {**DISPATCH, "citizen": {"phone": "12"}}},
        {},
        422,
        "invalid_field",
        "citizen.phone",
    ),
    ("unknown-type", {"type": "case.reopened", "data": {}}, {}, 422, "unknown_event_type", "type"),
    ("unknown-case", {"type": "case.completed", "data": {"case_id": "MOR-0"}}, {}, 404, "case_not_found", "case_id"),
    ("too-large", {"type": "case.completed", "data": {"note": "x" * 70_000}}, {}, 413, "body_too_large", None),
]


@pytest.mark.parametrize("body, headers, status, code, field", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_it_logs_one_line_with_status_code_reason_and_field(client, caplog, body, headers, status, code, field):
    answer = post(client, body, headers)
    assert answer.status_code == status
    [line] = refusals(caplog)
    assert f" {status} {code}" in line
    assert answer.json["error"]["message"] in line
    if field:
        assert f" field={field} " in line
    else:
        assert " field=" not in line


def test_it_logs_an_impossible_transition_once(case_api, caplog):
    case_api.dispatch()
    case_api.cancel()
    caplog.clear()
    assert case_api.complete().status_code == 409
    [line] = refusals(caplog)
    assert " 409 impossible_transition " in line and line.endswith("is cancelled; it cannot become completed")


def test_a_hostile_number_in_a_refused_event_is_masked_in_its_line(client, caplog):
    # A case_id may be all digits, and a webhook-id anything: both are quoted in the line.
    answer = post(client, {"type": "case.completed", "data": {"case_id": "0612345678"}}, webhook_id=ANNA.phone)
    assert answer.status_code == 404
    [line] = refusals(caplog)
    assert "+316****5678" in line
    assert not [number for number in forms(ANNA.phone, ANNA.national) if number in line], line


def test_an_accepted_event_and_its_redelivery_log_no_refusal(client, caplog):
    body = {"type": "case.dispatched", "data": DISPATCH}
    assert post(client, body, webhook_id="evt_accepted").status_code == 202
    assert post(client, body, webhook_id="evt_accepted").status_code == 202  # replayed
    assert refusals(caplog) == []
    assert any(
        record.levelno == logging.INFO and "event evt_accepted" in record.getMessage() for record in caplog.records
    )
