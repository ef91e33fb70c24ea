"""Twilio behind the Transport interface (gateway/core/transport.py), with the official client.

TWILIO_API_BASE_URL points it at a compatible provider or the tests' fake Twilio.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from gateway.core.config import Config
from gateway.core.safe_text import clean
from gateway.core.transport import PrintTransport, Transport, TransportError, WhatsAppMessage
from gateway.core.user_agent import USER_AGENT

log = logging.getLogger(__name__)

# Twilio's client waits forever by default; a hung socket would stall a worker.
REQUEST_TIMEOUT_SECONDS = 10

# 401/403 are a configuration fault (wrong token): retrying after the fix delivers the
# text, giving up would lose it. 429 and 5xx are Twilio asking us to come back later.
RETRYABLE_HTTP = {401, 403, 408, 429}
# Twilio's address prefix for the WhatsApp channel: "whatsapp:+31612345678".
WHATSAPP = "whatsapp:"
# Long enough for someone to get to a landline in the hall; an answering machine takes over after ~25 s.
CALL_RING_SECONDS = 30


@dataclass(frozen=True)
class AccountNumber:
    """A number the Twilio account owns, with where Twilio sends what arrives at it."""

    phone_number: str
    sms_url: str
    sms_method: str
    voice_url: str
    voice_method: str
    status_callback: str
    sms_application_sid: str
    voice_application_sid: str
    capabilities: dict


class TwilioTransport:
    def __init__(self, config: Config):
        http_client = _NamedHttpClient(timeout=REQUEST_TIMEOUT_SECONDS)
        self.client = Client(config.twilio_account_sid, config.twilio_auth_token, http_client=http_client)
        # TWILIO_API_BASE_URL points the official client at a compatible provider or a test double.
        self.client.api.base_url = config.twilio_api_base_url
        # Twilio's own limit is 4 hours; a call kept open by a machine on the line costs per minute.
        self.call_time_limit = config.call_time_limit

    def send_text(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        """None asks for no delivery reports (a test text has no outbox row to report on)."""
        with _translated_errors():
            return self.client.messages.create(
                to=to, from_=from_, body=clean(body), status_callback=status_callback or values.unset
            ).sid

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Ring `to` from the proxy number; Twilio then fetches what to say from `url`."""
        with _translated_errors():
            return self.client.calls.create(
                to=to,
                from_=from_,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                timeout=CALL_RING_SECONDS,
                time_limit=self.call_time_limit,
                record=False,
            ).sid

    def send_whatsapp(self, *, to: str, from_: str, message: WhatsAppMessage, status_callback: str) -> str:
        """A template (ContentSid and its ContentVariables) or, inside her window, free text."""
        content = (
            {"content_sid": message.content_sid, "content_variables": json.dumps(message.variables or {})}
            if message.content_sid
            else {"body": clean(message.body)}
        )
        with _translated_errors():
            return self.client.messages.create(
                to=f"{WHATSAPP}{to}", from_=f"{WHATSAPP}{from_}", status_callback=status_callback, **content
            ).sid

    def account_numbers(self) -> list[AccountNumber]:
        """Every IncomingPhoneNumber of the account (the client follows Twilio's pages)."""
        with _translated_errors():
            return [
                AccountNumber(
                    phone_number=n.phone_number,
                    sms_url=n.sms_url or "",
                    sms_method=(n.sms_method or "POST").upper(),
                    voice_url=n.voice_url or "",
                    voice_method=(n.voice_method or "POST").upper(),
                    status_callback=n.status_callback or "",
                    sms_application_sid=n.sms_application_sid or "",
                    voice_application_sid=n.voice_application_sid or "",
                    capabilities=n.capabilities if isinstance(n.capabilities, dict) else {},
                )
                for n in self.client.incoming_phone_numbers.list()
            ]


@contextmanager
def _translated_errors() -> Iterator[None]:
    try:
        yield
    except TwilioRestException as exc:
        retryable = exc.status >= 500 or exc.status in RETRYABLE_HTTP
        raise TransportError(
            f"Twilio answered {exc.status}: {exc.msg}",
            permanent=not retryable,
            code=str(exc.code) if exc.code else str(exc.status),
        ) from None
    except TwilioException as exc:
        # A list's pages fail as TwilioException("Unable to fetch page", response), not as a RestException.
        response = exc.args[1] if len(exc.args) > 1 else None
        status = getattr(response, "status_code", 0)
        try:
            if response is None:
                raise ValueError("no response")
            body = json.loads(response.text)
            code, message = str(body.get("code") or status), str(body.get("message") or exc.args[0])
        except (AttributeError, TypeError, ValueError):
            code, message = str(status), str(exc.args[0] if exc.args else exc)
        raise TransportError(
            f"Twilio answered {status}: {message}", permanent=not (status >= 500 or status in RETRYABLE_HTTP), code=code
        ) from None
    except requests.RequestException as exc:
        raise TransportError(f"Twilio unreachable: {type(exc).__name__}", permanent=False) from None


def make_transport(config: Config) -> Transport:
    """Twilio when an account is configured; otherwise texts and calls are printed."""
    return TwilioTransport(config) if config.sends_for_real else PrintTransport()


class _NamedHttpClient(TwilioHttpClient):
    """twilio-python's client, naming us first in its User-Agent: korte-lijn/0.1.0 twilio-python/..."""

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        named = {**(headers or {})}
        named["User-Agent"] = f"{USER_AGENT} {named.get('User-Agent', '')}".strip()
        return super().request(method, url, params, data, named, auth, timeout, allow_redirects)
