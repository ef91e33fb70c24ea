"""What a change of a signal in Signalen means for the gateway: an event, a skip, or nothing.

Pure: a signal document (as Signalen's private API gives it) in, a decision out. The
`signalen` process (gateway/signalen/poller.py) fetches, decides here and takes it in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.core.names import EventType
from gateway.core.signalen.settings import CANCELLED_STATE, COMPLETED_STATE, SignalenSettings

# What Signalen shows instead of a phone to an account without sia_can_view_contact_details.
HIDDEN = "*****"


class MalformedSignal(ValueError):
    """A signal document without the fields every signal has: Signalen changed, or a proxy lies."""


class ContactDetailsHidden(Exception):
    """Signalen hides the reporter's phone from us: nothing can be dispatched until it shows."""


@dataclass(frozen=True)
class Change:
    """One signal as last changed: what the cursor and the event's key are made of."""

    signal_id: int
    updated_at: datetime
    state: str
    status_at: str  # when its current status was set: one status, one event, however often it is read
    document: dict[str, Any]

    @property
    def key(self) -> str:
        """The event's idempotency key (a webhook-id): the same status read twice is one event."""
        return f"signalen:{self.signal_id}:{self.state}:{self.status_at}"[:255]


@dataclass(frozen=True)
class Event:
    type: EventType
    data: dict[str, Any]


@dataclass(frozen=True)
class Skip:
    reason: str  # a metric label: no_phone, contact_not_allowed, no_crew, invalid
    detail: str  # for the log line; never a phone number


def read_change(document: object) -> Change:
    if not isinstance(document, dict):
        raise MalformedSignal("a signal is not a JSON object")
    status = document.get("status")
    try:
        signal_id = document["id"]
        updated_at = datetime.fromisoformat(document["updated_at"])
        state, status_at = status["state"], status["created_at"]  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        raise MalformedSignal(f"signal {document.get('id')!r} lacks id, updated_at or status") from None
    if not isinstance(signal_id, int) or isinstance(signal_id, bool) or not isinstance(state, str):
        raise MalformedSignal(f"signal {signal_id!r} has an id or state of the wrong type")
    if updated_at.tzinfo is None:
        raise MalformedSignal(f"signal {signal_id}: updated_at has no UTC offset")
    return Change(signal_id, updated_at, state, str(status_at), document)


def decide(change: Change, settings: SignalenSettings) -> Event | Skip | None:
    """The event this change brings: dispatch in the dispatch state, completed on o, cancelled on a."""
    case_id = str(change.signal_id)
    status_text = _text((change.document.get("status") or {}).get("text"))
    if change.state == settings.dispatch_state:
        return _dispatched(change, settings)
    if change.state == COMPLETED_STATE:
        return Event(EventType.COMPLETED, {"case_id": case_id, "note": status_text})
    if change.state == CANCELLED_STATE:
        return Event(EventType.CANCELLED, {"case_id": case_id, "reason": status_text})
    return None


def _dispatched(change: Change, settings: SignalenSettings) -> Event | Skip:
    signal = change.document
    reporter = signal.get("reporter") or {}
    phone = _text(reporter.get("phone"))
    if phone == HIDDEN:
        raise ContactDetailsHidden(f"signal {change.signal_id}: Signalen shows the reporter's phone as {HIDDEN}")
    if not phone:
        return Skip("no_phone", f"signal {signal.get('id_display')} has no phone number of the reporter")
    if reporter.get("allows_contact") is False:
        return Skip("contact_not_allowed", f"signal {signal.get('id_display')}: the reporter does not want contact")
    departments = signal.get("routing_departments") or []
    keys = [
        _text(signal.get("assigned_user_email")),
        *(_text(department.get("code")) for department in departments if isinstance(department, dict)),
        _text((signal.get("category") or {}).get("sub_slug")),
    ]
    found = settings.crew_for(keys)
    if found is None:
        return Skip("no_crew", f"signal {signal.get('id_display')}: the crews file names none of {keys}, nor default")
    _, crew = found
    return Event(
        EventType.DISPATCHED,
        {
            "case_id": str(change.signal_id),
            "reference": _text(signal.get("id_display")) or f"SIG-{change.signal_id}",
            "description": signal.get("text") if isinstance(signal.get("text"), str) else "",
            "address": _address(signal.get("location") or {}),
            "citizen": {"phone": phone, "channel": "sms"},
            "crew": {"id": crew.id, "name": crew.name, "phone": crew.phone, "language": crew.language},
        },
    )


def _address(location: dict[str, Any]) -> str:
    """Its address as Signalen writes it, else where on the map, in words a crew can use."""
    address = _text(location.get("address_text"))
    if address:
        return address
    try:
        longitude, latitude = location["geometrie"]["coordinates"]
        return f"geen adres; op de kaart {float(latitude):.5f} N, {float(longitude):.5f} O"
    except (KeyError, TypeError, ValueError):
        return "geen adres bekend"


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
