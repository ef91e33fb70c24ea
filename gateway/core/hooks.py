"""What the core asks of the flows above it.

The core never imports flows/. The app factory (gateway/factory.py) hands it these: what
to do when a text or call did not arrive, and what each kind of timer does when it fires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from gateway.core.effects import Effects
from gateway.core.models import Case, OutboxMessage
from gateway.core.timers import Handler as TimerHandler


class DeliveryOutcomes(Protocol):
    def undeliverable(self, fx: Effects, case: Case, row: OutboxMessage, code: str | None, reason: str) -> None:
        """Twilio said it did not arrive: try again, call instead, or tell the case system."""

    def refused(self, fx: Effects, case: Case, row: OutboxMessage, reason: str) -> None:
        """The gateway would not send it (destination rule, daily limit)."""


@dataclass(frozen=True)
class FlowHooks:
    outcomes: DeliveryOutcomes
    timers: Mapping[str, TimerHandler]
