"""Requests to a running gateway over real HTTP, signed as Twilio and the case system sign them."""

from __future__ import annotations

import uuid

import requests
from twilio.request_validator import RequestValidator

from tests.conftest import AUTH_TOKEN, CASE_KEY


def send_event(base: str, event_type: str, data: dict) -> requests.Response:
    return requests.post(
        base + "/v1/events",
        json={"type": event_type, "data": data},
        timeout=10,
        headers={"Authorization": f"Bearer {CASE_KEY}", "webhook-id": "evt_" + uuid.uuid4().hex},
    )


def twilio_post(base: str, path: str, form: dict, signed_for: str | None = None) -> requests.Response:
    signature = RequestValidator(AUTH_TOKEN).compute_signature((signed_for or base) + path, form)
    return requests.post(base + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def text_form(sender, body: str, proxy: str) -> dict:
    return {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender.phone, "To": proxy, "Body": body, "NumMedia": "0"}
