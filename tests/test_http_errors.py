"""What the HTTP surface answers when a request misses: the API's JSON error shape, with werkzeug's headers kept."""

from __future__ import annotations

import pytest

ROUTES = [
    ("GET", "/v1/events", {"POST"}),
    ("PUT", "/v1/events", {"POST"}),
    ("DELETE", "/twilio/sms", {"POST"}),
    ("GET", "/twilio/voice", {"POST"}),
    ("POST", "/v1/cases/MOR-2026-0042", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/openapi.json", {"GET", "HEAD", "OPTIONS"}),
]


@pytest.mark.parametrize("method, path, allowed", ROUTES)
def test_a_wrong_method_answers_405_with_allow_and_the_json_error_shape(client, method, path, allowed):
    answer = client.open(path, method=method)
    assert answer.status_code == 405
    assert {part.strip() for part in answer.headers["Allow"].split(",")} >= allowed - {"OPTIONS"}
    assert answer.is_json
    error = answer.json["error"]
    assert error["code"] == "method_not_allowed"
    assert method in error["message"] and path in error["message"]


def test_an_unknown_path_answers_404_in_the_json_error_shape(client):
    answer = client.get("/v2/events")
    assert answer.status_code == 404 and answer.is_json
    assert set(answer.json) == {"error"} and set(answer.json["error"]) == {"code", "message"}
