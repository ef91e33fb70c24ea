"""Signed callbacks to the case system, per the Standard Webhooks spec."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from standardwebhooks.webhooks import Webhook

from gateway.core.config import Config
from gateway.core.transport import TransportError
from gateway.core.user_agent import USER_AGENT

log = logging.getLogger(__name__)

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 15
# Never wait longer than a day because a receiver asked us to.
MAX_RETRY_AFTER = 86400


class EndpointGone(TransportError):
    """The receiver answered 410 Gone: per Standard Webhooks, stop sending to it at all."""


class RetryLater(TransportError):
    """A retryable failure that carries the receiver's Retry-After, in seconds."""

    def __init__(self, message: str, *, retry_after: int | None, code: str | None):
        super().__init__(message, permanent=False, code=code)
        self.retry_after = retry_after


def envelope_body(payload: dict) -> str:
    # The exact bytes are signed, so serialise once and the same way every time.
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


class CallbackSender:
    def __init__(self, config: Config):
        self.url = config.case_callback_url
        self.signer = Webhook(config.case_callback_secret) if config.case_callback_secret else None
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def deliver(self, webhook_id: str, payload: dict) -> None:
        body = envelope_body(payload)
        if not self.url:
            log.info("CALLBACK NOT SENT (no CASE_CALLBACK_URL) %s %s: %s", webhook_id, payload["type"], body)
            return
        if self.signer is None:
            # Config refuses CASE_CALLBACK_URL without CASE_CALLBACK_SECRET: never unsigned.
            raise RuntimeError("CASE_CALLBACK_URL set without CASE_CALLBACK_SECRET")
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "webhook-id": webhook_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.signer.sign(webhook_id, now, body),
        }
        try:
            response = self.http.post(
                self.url, data=body.encode("utf-8"), headers=headers, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
            )
        except requests.RequestException as exc:
            raise RetryLater(f"case system unreachable: {type(exc).__name__}", retry_after=None, code=None) from None
        if 200 <= response.status_code < 300:
            return
        code = str(response.status_code)
        if response.status_code == 410:
            raise EndpointGone("case system answered 410 Gone", permanent=True, code=code)
        raise RetryLater(
            f"case system answered {response.status_code}",
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            code=code,
        )


def parse_retry_after(value: str | None) -> int | None:
    """Retry-After as seconds or an HTTP date; None when absent or malformed."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    seconds = int((when - datetime.now(UTC)).total_seconds())
    return max(0, min(seconds, MAX_RETRY_AFTER))
