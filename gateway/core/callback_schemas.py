"""What the gateway tells the case system: one model per callback type.

gateway.core.effects builds every callback payload through these models, and /openapi.json
lists them as webhooks, so the contract and what is sent cannot drift apart. A field a
flow passes that is not in its model is a bug, and fails loudly in the flow's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from gateway.core.names import CallbackType, model_name

# Words the resident wrote. gateway/core/retention.py removes them from a callback still unsent
# RETENTION_DAYS after the case ended, so a receiver must not count on them.
Words = Annotated[
    str | None,
    Field(
        description="Her words, as she wrote or said them. Left out of a callback "
        "that was still unsent when RETENTION_DAYS removed them."
    ),
]


# Built by the gateway, so an unknown field is our bug (forbid); described as open, so the day a
# field is added, receivers generated from this document still take the callback.
OPEN_SCHEMA = ConfigDict(extra="forbid", json_schema_extra={"additionalProperties": True})


class CallbackData(BaseModel):
    model_config = OPEN_SCHEMA

    case_id: str = Field(description="The case system's own id of the case.")
    reference: str = Field(description="The reference the resident knows, as named in her texts.")
    round: int = Field(ge=1, description="Which dispatch of the case this is about; a new case.dispatched adds one.")


AnswerChannel = Annotated[
    Literal["sms", "whatsapp", "voice"],
    Field(description="How she answered: by text, on WhatsApp (a tapped JA or NEE button too), or on the phone."),
]


class CaseConfirmed(CallbackData):
    """The resident answered yes: the job is done."""

    reply: Words = None
    channel: AnswerChannel


class CaseReopened(CallbackData):
    """The resident answered no within REOPEN_WINDOW: the job is not done; send a crew again."""

    reply: Words = None
    channel: AnswerChannel


class CaseUnanswered(CallbackData):
    """No answer to the question within CONFIRMATION_TIMEOUT."""


class CitizenMessage(CallbackData):
    """The resident wrote something that is not an answer: pass it on to a person."""

    text: Words = None
    media: int = Field(ge=0, description="How many pictures came with it; they are not forwarded.")


class OptedOut(CallbackData):
    """The resident or the crew sent STOP (or Twilio refused a text with 21610): no texts go to that number."""

    source: str = Field(
        description="The keyword (STOP, ...), 'twilio 21610', or 'earlier' for a STOP sent during an earlier case."
    )


class OptedIn(CallbackData):
    """The resident or the crew sent START or UNSTOP: texts go to that number again."""

    source: str = Field(description="The keyword that did it (START, UNSTOP).")


class MessageUndeliverable(CallbackData):
    """A text or call did not reach the resident or the crew, not even by the fallback."""

    recipient: Literal["citizen", "crew"]
    purpose: str = Field(description="What the text or call was for, such as dispatch_citizen or question.")
    channel: Literal["sms", "call", "whatsapp"]
    error_code: str | None = Field(description="Twilio's error code, when Twilio gave one.")
    reason: str = Field(
        description="Why, in words: Twilio's error, 'the call was busy twice', 'destination "
        "refused: <masked number> is a premium-rate number' (a number the gateway "
        "no longer texts or calls under its current settings), or 'daily limit: "
        "...' (the number had RECIPIENT_DAILY_LIMIT texts and calls in 24 hours)."
    )


class ConversationLimited(CallbackData):
    """We stopped answering the resident or the crew by ourselves: AUTO_REPLY_LIMIT automatic texts
    (re-ask, thanks, "forwarded", "which case?") went to them for this case in 24 hours, as happens
    with a phone that answers automatically. Sent at most once a day per case; a person should take over."""

    recipient: Literal["citizen", "crew"]
    limit: int = Field(ge=1, description="AUTO_REPLY_LIMIT: automatic texts per person per case in 24 hours.")
    reason: str


CALLBACKS: dict[str, type[CallbackData]] = {
    CallbackType.CONFIRMED: CaseConfirmed,
    CallbackType.REOPENED: CaseReopened,
    CallbackType.UNANSWERED: CaseUnanswered,
    CallbackType.CITIZEN_MESSAGE: CitizenMessage,
    CallbackType.CITIZEN_OPTED_OUT: OptedOut,
    CallbackType.CREW_OPTED_OUT: OptedOut,
    CallbackType.CITIZEN_OPTED_IN: OptedIn,
    CallbackType.CREW_OPTED_IN: OptedIn,
    CallbackType.MESSAGE_UNDELIVERABLE: MessageUndeliverable,
    CallbackType.CONVERSATION_LIMITED: ConversationLimited,
}


def _envelope(event_type: str, data: type[CallbackData]) -> type[BaseModel]:
    return create_model(
        model_name(event_type, "Callback"),
        __config__=OPEN_SCHEMA,
        __doc__=data.__doc__,
        # A Literal of a value known at run time: pydantic reads it, mypy cannot.
        type=(Literal[event_type], ...),  # type: ignore[arg-type]
        timestamp=(AwareDatetime, Field(description="When it happened (UTC).")),
        data=(data, ...),
    )


ENVELOPES: dict[str, type[BaseModel]] = {
    event_type: _envelope(event_type, data) for event_type, data in CALLBACKS.items()
}


def callback_payload(event_type: str, at: datetime, **data: Any) -> dict[str, Any]:
    """The JSON body of one callback; a type or field outside the contract raises."""
    envelope = ENVELOPES[event_type](type=event_type, timestamp=at, data=CALLBACKS[event_type](**data))
    return envelope.model_dump(mode="json")
