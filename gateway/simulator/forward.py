"""Sends a phone's action or a case-system event to the gateway's own endpoints, signed.

Twilio-side requests carry X-Twilio-Signature computed by Twilio's own RequestValidator
over PUBLIC_BASE_URL + path + query, exactly what gateway/http/auth.py checks; events
carry the case system's bearer key (or its Standard Webhooks signature).

Where the request goes: `flask embedded` tells us the address it listens on, and the
request then travels over real HTTP, through the server, like Twilio's. Elsewhere
(gunicorn, tests) a process does not reliably know its own address, and a sync worker
calling itself would wait for itself; there it goes through the whole WSGI app in
process: the same routing, signature check and handlers, only without the socket.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import requests
from flask import Flask
from standardwebhooks.webhooks import Webhook
from twilio.request_validator import RequestValidator

from gateway.core.config import Config

SELF_URL = "SIMULATOR_SELF_URL"  # app.config key set by `flask embedded`
TIMEOUT_SECONDS = 15


class NotConfigured(Exception):
    """The gateway lacks the secret the real caller would use, so the simulator cannot sign."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    text: str


class Forwarder:
    def __init__(self, app: Flask, config: Config):
        self.app, self.config = app, config

    def event(self, body: bytes) -> Answer:
        """POST /v1/events the way the case system does, with a fresh webhook-id."""
        webhook_id = "sim_" + uuid.uuid4().hex
        headers = {"Content-Type": "application/json", "webhook-id": webhook_id}
        if self.config.case_api_keys:
            headers["Authorization"] = f"Bearer {self.config.case_api_keys[0]}"
        elif self.config.case_events_secret:
            now = datetime.now(UTC)
            headers["webhook-timestamp"] = str(int(now.timestamp()))
            headers["webhook-signature"] = Webhook(self.config.case_events_secret).sign(
                webhook_id, now, body.decode("utf-8")
            )
        else:
            raise NotConfigured("set CASE_API_KEYS: the simulator sends events with the case system's key")
        return self._post("/v1/events", body, headers)

    def twilio(self, url: str, form: dict[str, str]) -> Answer:
        """POST `form` to `url` (under PUBLIC_BASE_URL) the way Twilio does, signed for that exact URL."""
        token = self.config.twilio_auth_token
        if not token:
            raise NotConfigured("set TWILIO_AUTH_TOKEN: the gateway refuses webhooks the simulator cannot sign")
        base = self.config.public_base_url
        if not url.startswith(base + "/"):
            raise ValueError("not a URL of this gateway")
        signature = RequestValidator(token).compute_signature(url, form)
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
        return self._post(url[len(base) :], urlencode(form).encode("utf-8"), headers)

    def _post(self, path: str, data: bytes, headers: dict[str, str]) -> Answer:
        self_url = self.app.config.get(SELF_URL)
        if self_url:
            response = requests.post(self_url + path, data=data, headers=headers, timeout=TIMEOUT_SECONDS)
            return Answer(response.status_code, response.headers.get("Content-Type", ""), response.text)
        answered = self.app.test_client().post(path, data=data, headers=headers)
        return Answer(answered.status_code, answered.content_type or "", answered.get_data(as_text=True))


def parsed(answer: Answer) -> Any:
    """The gateway's JSON answer, or its text when it is not JSON."""
    if answer.content_type.startswith("application/json"):
        try:
            return json.loads(answer.text)
        except ValueError:
            pass
    return answer.text
