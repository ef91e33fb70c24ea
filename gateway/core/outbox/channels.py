"""How a row of each channel goes out. The outbox looks the row's channel up here and never
branches on it: a new channel (WhatsApp) is one more class and one more entry in `channels`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from gateway.core.callbacks import CallbackSender
from gateway.core.config import Config
from gateway.core.gsm7 import segments
from gateway.core.models import OutboxMessage
from gateway.core.names import Channel
from gateway.core.outbox.retry import CALLBACK_RETRY_DELAYS, TEXT_RETRY_DELAYS
from gateway.core.phones import mask
from gateway.core.signalen.client import SignalenClient, SignalenError
from gateway.core.signalen.writeback import SignalenWriteBack
from gateway.core.transport import Transport, WhatsAppMessage


class ChannelSender(Protocol):
    # A text or call to a person: the destination rule, the number's turn and daily limit apply.
    to_person: bool
    # STOP withdraws it at send time too (texts: STOP is about texts).
    stops_on_opt_out: bool
    # The sending slot is kept until the outcome is recorded (callbacks: see sender.py).
    holds_slot_until_recorded: bool
    retry_delays: tuple[int, ...]

    def cost(self, row: OutboxMessage) -> int:
        """Turns at the number's rate (SENDER_MPS counts segments)."""
        ...

    def send(self, row: OutboxMessage) -> str | None:
        """The one network call; the provider's id, if it gives one."""
        ...

    def describe_sent(self, row: OutboxMessage) -> str: ...

    def outcome(self) -> str:
        """korte_lijn_messages_total's outcome for a row that went out: sent, or printed when
        nothing crossed the network (no Twilio account, no CASE_CALLBACK_URL)."""
        ...


class TextSender:
    to_person: bool = True
    stops_on_opt_out: bool = True
    holds_slot_until_recorded: bool = False
    retry_delays: tuple[int, ...] = TEXT_RETRY_DELAYS

    def __init__(self, transport: Transport, config: Config):
        self.transport, self.config = transport, config

    def cost(self, row: OutboxMessage) -> int:
        return segments(row.body or "")

    def send(self, row: OutboxMessage) -> str | None:
        return self.transport.send_text(
            to=row.to_number or "",
            from_=row.from_number or "",
            body=row.body or "",
            status_callback=f"{self.config.public_base_url}/twilio/status?o={row.id}",
        )

    def describe_sent(self, row: OutboxMessage) -> str:
        how = "sent" if self.config.sends_for_real else "printed (no Twilio account)"
        return f"{row.purpose} text {how} to {row.recipient} {mask(row.to_number)}"

    def outcome(self) -> str:
        return "sent" if self.config.sends_for_real else "printed"


class WhatsAppSender(TextSender):
    """From WHATSAPP_SENDER: a template (the row's payload names it) or, inside her window, free
    text. Sent, retried and stopped by STOP as a text is."""

    def cost(self, row: OutboxMessage) -> int:
        return 1  # WhatsApp has no segments: one message is one message

    def send(self, row: OutboxMessage) -> str | None:
        return self.transport.send_whatsapp(
            to=row.to_number or "",
            from_=row.from_number or "",
            message=whatsapp_message(row),
            status_callback=f"{self.config.public_base_url}/twilio/status?o={row.id}",
        )

    def describe_sent(self, row: OutboxMessage) -> str:
        how = "sent" if self.config.sends_for_real else "printed (no Twilio account)"
        what = whatsapp_message(row).describe()
        return f"{row.purpose} WhatsApp message ({what}) {how} to {row.recipient} {mask(row.to_number)}"


def whatsapp_message(row: OutboxMessage) -> WhatsAppMessage:
    """The row's message: its body, and the template its payload names (flows/whatsapp.py)."""
    template = row.payload or {}
    return WhatsAppMessage(row.body or "", template.get("content_sid"), template.get("variables"))


class CallSender:
    to_person: bool = True
    stops_on_opt_out: bool = False
    holds_slot_until_recorded: bool = False
    retry_delays: tuple[int, ...] = TEXT_RETRY_DELAYS

    def __init__(self, transport: Transport, config: Config):
        self.transport, self.config = transport, config

    def cost(self, row: OutboxMessage) -> int:
        return 1

    def send(self, row: OutboxMessage) -> str | None:
        base = self.config.public_base_url
        return self.transport.place_call(
            to=row.to_number or "",
            from_=row.from_number or "",
            url=f"{base}/twilio/ivr/call?o={row.id}",
            status_callback=f"{base}/twilio/call-status?o={row.id}",
        )

    def describe_sent(self, row: OutboxMessage) -> str:
        how = "placed" if self.config.sends_for_real else "printed (no Twilio account)"
        return f"{row.purpose} call {how} to {row.recipient} {mask(row.to_number)}"

    def outcome(self) -> str:
        return "sent" if self.config.sends_for_real else "printed"


class CallbackPoster:
    """Signed callbacks to the case system (gateway/core/callbacks.py)."""

    to_person: bool = False
    stops_on_opt_out: bool = False
    holds_slot_until_recorded: bool = True
    retry_delays: tuple[int, ...] = CALLBACK_RETRY_DELAYS

    def __init__(self, callbacks: CallbackSender):
        self.callbacks = callbacks

    def cost(self, row: OutboxMessage) -> int:
        return 0

    def send(self, row: OutboxMessage) -> str | None:
        self.callbacks.deliver(row.webhook_id or "", row.payload or {})
        return None

    def describe_sent(self, row: OutboxMessage) -> str:
        return f"{row.purpose} callback " + ("delivered" if self.callbacks.url else "printed (no CASE_CALLBACK_URL)")

    def outcome(self) -> str:
        return "sent" if self.callbacks.url else "printed"


class SignalenOff(SignalenWriteBack):
    """Write-backs queued while SIGNALEN_API_URL was set, found after it was taken away: kept and
    retried on the callbacks' schedule, in case it comes back, not dropped."""

    def __init__(self) -> None:
        pass

    def send(self, row: OutboxMessage) -> str | None:
        raise SignalenError("SIGNALEN_API_URL is not set: this write-back waits for it", permanent=False)


def senders(transport: Transport, callbacks: CallbackSender, config: Config) -> Mapping[str, ChannelSender]:
    """Each outbox channel's way out, by the name stored in the row."""
    signalen = config.signalen
    ways: dict[str, ChannelSender] = {
        Channel.SMS: TextSender(transport, config),
        Channel.CALL: CallSender(transport, config),
        Channel.CALLBACK: CallbackPoster(callbacks),
        Channel.WHATSAPP: WhatsAppSender(transport, config),
        Channel.SIGNALEN: (
            SignalenWriteBack(SignalenClient(signalen), signalen.reopen_state) if signalen else SignalenOff()
        ),
    }
    return ways
