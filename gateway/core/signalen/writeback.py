"""The gateway's callbacks, written back to the signal in Signalen, for staff to read there.

An outbox channel like the others (gateway/core/outbox/channels.py): a callback of a case that
came from Signalen is also a row of channel `signalen`, sent in order and retried as a callback
is. case.reopened moves the signal to SIGNALEN_REOPEN_STATE with her words; every other callback
adds a note in Dutch. When Signalen refuses the transition (400: the signal moved on meanwhile),
her words go in as a note instead, and the row fails for good, which the case's timeline shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.core.models import OutboxMessage
from gateway.core.names import CallbackType
from gateway.core.outbox.retry import CALLBACK_RETRY_DELAYS
from gateway.core.signalen.client import SignalenClient, SignalenError

# How she answered, in a staff member's words.
_HOW = {"sms": "sms", "whatsapp": "WhatsApp", "voice": "telefoon", None: "sms"}
_WHO = {"citizen": "de melder", "crew": "de ploeg"}
_KIND = {"sms": "sms", "call": "telefoontje", "whatsapp": "WhatsApp-bericht"}
PREFIX = "Korte Lijn: "


def _words(words: str | None) -> str:
    return f'"{words}"' if words else "(haar woorden zijn niet meer bewaard)"


def reopen_text(data: dict[str, Any]) -> str:
    """The status text of the reopened signal: her words first, as staff read them in the list."""
    return f"Melder via {_HOW[data.get('channel')]}: {_words(data.get('reply'))}. Niet opgelost volgens de melder."


def _confirmed(data: dict[str, Any]) -> str:
    return f"de melder bevestigt via {_HOW[data.get('channel')]} dat het is opgelost: {_words(data.get('reply'))}"


def _unanswered(data: dict[str, Any]) -> str:
    return "de melder heeft niet geantwoord op de vraag of het is opgelost"


def _message(data: dict[str, Any]) -> str:
    media = data.get("media") or 0
    pictures = f" (met {media} foto('s), niet doorgestuurd)" if media else ""
    return f"bericht van de melder: {_words(data.get('text'))}{pictures}. Neem zelf contact op als dat nodig is"


def _undeliverable(data: dict[str, Any]) -> str:
    what = _KIND.get(data.get("channel", ""), "bericht")
    who = _WHO.get(data.get("recipient", ""), "de melder")
    return f"een {what} aan {who} kwam niet aan ({data.get('purpose')}): {data.get('reason')}"


def _opted_out(who: str) -> Callable[[dict[str, Any]], str]:
    return lambda data: f"{who} wil geen sms meer van ons ({data.get('source')}); wij sturen geen sms meer"


def _opted_in(who: str) -> Callable[[dict[str, Any]], str]:
    return lambda data: f"{who} wil weer sms van ons ({data.get('source')})"


def _limited(data: dict[str, Any]) -> str:
    who = _WHO.get(data.get("recipient", ""), "de melder")
    return f"wij antwoorden {who} niet meer automatisch ({data.get('reason')}). Neem zelf contact op"


NOTES: dict[str, Callable[[dict[str, Any]], str]] = {
    CallbackType.CONFIRMED: _confirmed,
    CallbackType.UNANSWERED: _unanswered,
    CallbackType.CITIZEN_MESSAGE: _message,
    CallbackType.MESSAGE_UNDELIVERABLE: _undeliverable,
    CallbackType.CITIZEN_OPTED_OUT: _opted_out("de melder"),
    CallbackType.CREW_OPTED_OUT: _opted_out("de ploeg"),
    CallbackType.CITIZEN_OPTED_IN: _opted_in("de melder"),
    CallbackType.CREW_OPTED_IN: _opted_in("de ploeg"),
    CallbackType.CONVERSATION_LIMITED: _limited,
}


def note_text(event_type: str, data: dict[str, Any]) -> str:
    return PREFIX + NOTES[event_type](data) + "."


class SignalenWriteBack:
    """The outbox's way out for rows of channel `signalen`."""

    to_person: bool = False
    stops_on_opt_out: bool = False
    holds_slot_until_recorded: bool = False
    retry_delays: tuple[int, ...] = CALLBACK_RETRY_DELAYS

    def __init__(self, client: SignalenClient, reopen_state: str):
        self.client, self.reopen_state = client, reopen_state

    def cost(self, row: OutboxMessage) -> int:
        return 0

    def send(self, row: OutboxMessage) -> str | None:
        payload = row.payload or {}
        event_type, data = payload.get("type", ""), payload.get("data") or {}
        try:
            signal_id = int(data["case_id"])
        except (KeyError, TypeError, ValueError):
            raise SignalenError(f"case {data.get('case_id')!r} is not a Signalen signal id", permanent=True) from None
        if event_type != CallbackType.REOPENED:
            self.client.add_note(signal_id, note_text(event_type, data))
            return None
        try:
            self.client.set_status(signal_id, self.reopen_state, reopen_text(data))
        except SignalenError as refused:
            if refused.status != 400:
                raise
            # Her words must reach staff all the same; then the row fails, for the timeline.
            self.client.add_note(
                signal_id, f"{PREFIX}kon de melding niet naar '{self.reopen_state}' zetten. {reopen_text(data)}"
            )
            raise SignalenError(
                f"Signalen refused {self.reopen_state!r} (the signal moved on); her words were added as a note: "
                f"{refused}",
                permanent=True,
                status=400,
            ) from None
        return None

    def describe_sent(self, row: OutboxMessage) -> str:
        what = "signal reopened" if row.purpose == CallbackType.REOPENED else "note added"
        return f"{row.purpose} written back to Signalen ({what})"

    def outcome(self) -> str:
        return "sent"
