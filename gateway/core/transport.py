"""The interface every provider call goes through: send a text, place a call, send on WhatsApp.

Twilio is one implementation (gateway/core/twilio_transport.py); the embedded mode's printer
and the simulator's recorder (gateway/simulator/sink.py) are others. WhatsApp goes through
Twilio's same Messages API, as a method of its own: its addresses and templates are its own.
Every failure is a TransportError that says whether retrying can help, so the retry decision
is made in one place (gateway/core/outbox/retry.py), not at every call site.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from gateway.core.phones import mask, mask_numbers_in

log = logging.getLogger(__name__)


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool, code: str | None = None):
        # Provider errors quote the number ("The 'To' number +316... is not valid"): mask it,
        # since this text ends up in logs, the timeline and callbacks.
        super().__init__(mask_numbers_in(message))
        self.permanent = permanent
        self.code = code


class Transport(Protocol):
    def send_text(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        """Send `body` from our number `from_`; the provider's id. None asks for no delivery reports."""
        ...

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Ring `to`; the provider fetches what to say from `url`. The provider's id."""
        ...

    def send_whatsapp(self, *, to: str, from_: str, message: WhatsAppMessage, status_callback: str) -> str:
        """A WhatsApp message from our sender `from_` to `to` (both E.164, without "whatsapp:")."""
        ...


@dataclass(frozen=True)
class WhatsAppMessage:
    """Free text (`body`), inside her 24-hour window; or an approved template with its variables."""

    body: str
    content_sid: str | None = None
    variables: dict[str, str] | None = None

    def describe(self) -> str:
        return f"template {self.content_sid}" if self.content_sid else "free text"


class PrintTransport:
    """The embedded default: without a Twilio account, texts are printed, never sent."""

    def send_text(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        sid = "SMlocal" + uuid.uuid4().hex[:25]
        # Residents write numbers into their texts; the log shows them masked like any other.
        log.info("TEXT NOT SENT (no Twilio account) from %s to %s: %s", from_, mask(to), mask_numbers_in(body))
        return sid

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        sid = "CAlocal" + uuid.uuid4().hex[:25]
        log.info("CALL NOT PLACED (no Twilio account) from %s to %s; its TwiML is at %s", from_, mask(to), url)
        return sid

    def send_whatsapp(self, *, to: str, from_: str, message: WhatsAppMessage, status_callback: str) -> str:
        sid = "SMlocal" + uuid.uuid4().hex[:25]
        log.info(
            "WHATSAPP NOT SENT (no Twilio account) from %s to %s (%s): %s",
            from_,
            mask(to),
            message.describe(),
            mask_numbers_in(message.body),
        )
        return sid
