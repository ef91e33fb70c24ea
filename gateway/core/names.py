"""The names the database stores and the case system reads, each written once.

They are StrEnums: a member equals its string, so rows, JSON and log lines keep the plain
value ("pending", "case.reopened"), and a typo in code is an AttributeError, not a silent
mismatch.
"""

from __future__ import annotations

from enum import StrEnum


def model_name(dotted: str, suffix: str) -> str:
    """A contract name as its schema's (and a generated client's) class: case.reopened -> CaseReopenedCallback."""
    return "".join(part.title() for part in dotted.replace(".", "_").split("_")) + suffix


class CaseState(StrEnum):
    """A case's states; flows/states.py holds the transitions allowed between them."""

    NEW = "new"
    DISPATCHED = "dispatched"
    COMPLETED = "completed"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"
    UNANSWERED = "unanswered"
    REOPENED = "reopened"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # withdrawn unsent: opted out, overtaken, the case cancelled


class TimerStatus(StrEnum):
    PENDING = "pending"
    FIRED = "fired"
    CANCELLED = "cancelled"
    STALE = "stale"  # set in an earlier round; a new dispatch replaced it
    FAILED = "failed"  # its handler raised: parked, and logged (gateway/core/timers.py)


class Channel(StrEnum):
    """How an outbox row goes out (gateway/core/outbox/channels.py)."""

    SMS = "sms"
    CALL = "call"
    CALLBACK = "callback"
    WHATSAPP = "whatsapp"
    # A callback's write-back to Signalen (gateway/core/signalen/writeback.py).
    SIGNALEN = "signalen"


# Case.origin of a case the Signalen connector brought (None: the case API).
ORIGIN_SIGNALEN = "signalen"


class Recipient(StrEnum):
    CITIZEN = "citizen"
    CREW = "crew"
    CASE_SYSTEM = "case_system"
    SIGNALEN = "signalen"


class EventType(StrEnum):
    """What the case system sends us (POST /events)."""

    DISPATCHED = "case.dispatched"
    COMPLETED = "case.completed"
    CANCELLED = "case.cancelled"


class CallbackType(StrEnum):
    """What we send the case system (CASE_CALLBACK_URL)."""

    CONFIRMED = "case.confirmed"
    REOPENED = "case.reopened"
    UNANSWERED = "case.unanswered"
    CITIZEN_MESSAGE = "case.citizen_message"
    CITIZEN_OPTED_OUT = "citizen.opted_out"
    CREW_OPTED_OUT = "crew.opted_out"
    CITIZEN_OPTED_IN = "citizen.opted_in"
    CREW_OPTED_IN = "crew.opted_in"
    MESSAGE_UNDELIVERABLE = "message.undeliverable"
    CONVERSATION_LIMITED = "conversation.limited"
