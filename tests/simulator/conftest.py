"""The phone simulator's tests share a gateway as `flask embedded` runs it, and the page's API."""

from __future__ import annotations

import json

import pytest

from gateway.core.config import EMBEDDED_TWILIO_TOKEN
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, PUBLIC_BASE_URL

TOKEN = EMBEDDED_TWILIO_TOKEN  # as `flask --app app embedded` runs it
PROXY = PROXY_NUMBERS[0]
SIM_KEY = "simulator-case-key"


@pytest.fixture
def settings(database_url):
    """A gateway without a Twilio account, as `flask embedded` runs it: the simulator is on."""
    return {
        "DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "CASE_API_KEYS": SIM_KEY,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "QUIET_HOURS": "",
        "CONFIRMATION_DELAY": "1s",
        "SENDER_MPS": "1000",
    }


def api(client, path: str, body, content_type: str = "application/json"):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post("/simulator/api" + path, data=data, content_type=content_type)


def feed(client, after: int = 0) -> list[dict]:
    answer = client.get(f"/simulator/api/feed?after={after}")
    assert answer.status_code == 200
    return answer.get_json()["deliveries"]


def dispatch(client, case_id: str = "C-1", citizen: str = ANNA.national) -> dict:
    event = {
        "type": "case.dispatched",
        "data": {
            "case_id": case_id,
            "reference": "MOR-1",
            "address": "Kerkstraat 12",
            "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
            "citizen": {"phone": citizen, "name": "Anna"},
            "crew": {"id": "noord", "phone": JAN.national},
        },
    }
    return api(client, "/events", event).get_json()
