"""The interface every provider call goes through: send a text, place a call.

Twilio is one implementation (gateway/core/twilio_transport.py); the embedded mode's printer
and the simulator's recorder (gateway/simulator/sink.py) are others, and a WhatsApp sender
would be one more. Every failure is a TransportError that says whether retrying can help, so
the retry decision is made in one place (gateway/core/outbox/retry.py), not at every call site.
"""

from __future__ import annotations

import logging
import uuid
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
