"""Every kind of timeline entry, what it means, and the shape of its `data`: the one list.

Effects.record checks each entry against it (a kind not listed, a key not declared or a value
of the wrong type is a bug, and raises in the flow's transaction), and /openapi.json describes
the timeline from it (gateway/http/answers.py). Add a kind or a key here first.

Each shape allows extra keys, so that a key added later is no breaking change for a case
system's generated client. Keys holding someone's words (body) are optional: RETENTION_DAYS
removes them (gateway/core/retention.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, NotRequired

from pydantic import ConfigDict, Field, TypeAdapter, with_config
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

Party = Literal["citizen", "crew"]
OutboxId = Annotated[int, Field(description="The outbox row of the text, call or callback.")]
Purpose = Annotated[str, Field(description="What the text or call is for, such as dispatch_citizen or question.")]
Words = Annotated[str, Field(description="The words as written; removed after RETENTION_DAYS.")]
Outcome = Annotated[str, Field(description="Why it went as it did, as a stable word, such as over_limit.")]
OPEN = ConfigDict(extra="allow")


@with_config(OPEN)
class NoData(TypedDict):
    """Nothing beyond the summary."""


@with_config(OPEN)
class StatusData(TypedDict):
    old: Annotated[str, Field(description="The state before.")]
    new: Annotated[str, Field(description="The state after.")]
    reason: str


@with_config(OPEN)
class QueuedData(TypedDict):
    outbox_id: OutboxId
    purpose: Purpose
    recipient: Party
    body: NotRequired[Words]


@with_config(OPEN)
class NotSentData(TypedDict):
    purpose: Purpose
    recipient: Party


@with_config(OPEN)
class WithdrawnData(TypedDict):
    outbox_ids: list[int]


@with_config(OPEN)
class ReceivedData(TypedDict):
    body: NotRequired[Words]
    media: int
    outcome: Outcome


@with_config(OPEN)
class IgnoredData(TypedDict):
    body: NotRequired[Words]  # not for a text from our own number
    outcome: Annotated[str, Field(description="echo, repeated or own_number.")]


@with_config(OPEN)
class AutoReplyData(TypedDict):
    body: NotRequired[Words]
    auto_reply: Annotated[str, Field(description="Which kind of automatic reply, such as out_of_office.")]


@with_config(OPEN)
class ReplyReadData(TypedDict):
    verdict: Annotated[str, Field(description="yes, no, unclear, opt_out, opt_in or auto_reply.")]
    by_voice: bool


@with_config(OPEN)
class ErrorCodeData(TypedDict):
    error_code: Annotated[str, Field(description="Twilio's error code.")]


@with_config(OPEN)
class ChannelData(TypedDict):
    asked: Annotated[str, Field(description="The channel the case system asked for, or the one that failed.")]
    used: Annotated[str, Field(description="The channel she is reached on now: sms or voice.")]
    error_code: NotRequired[Annotated[str, Field(description="Twilio's error code, when one made the change.")]]


@with_config(OPEN)
class TextStatusData(TypedDict):
    outbox_id: OutboxId
    status: Annotated[str, Field(description="Twilio's MessageStatus, such as delivered or undelivered.")]
    error_code: str | None


@with_config(OPEN)
class CallStatusData(TypedDict):
    outbox_id: OutboxId
    status: Annotated[str, Field(description="Twilio's final CallStatus, such as completed, busy or no-answer.")]


@with_config(OPEN)
class SharedData(TypedDict):
    proxy_number: str


@with_config(OPEN)
class OptedOutData(TypedDict):
    role: Party
    source: str


@with_config(OPEN)
class LanguageFallbackData(TypedDict):
    role: Party
    asked: Annotated[str, Field(description="The language the case system asked for, such as fr.")]
    used: Annotated[str, Field(description="DEFAULT_LANGUAGE, which the texts and calls use instead.")]


@with_config(OPEN)
class OptedInData(TypedDict):
    role: Party


@with_config(OPEN)
class OutboxData(TypedDict):
    outbox_id: OutboxId


@with_config(OPEN)
class SkippedData(TypedDict):
    purpose: Purpose


@with_config(OPEN)
class DialRefusedData(TypedDict):
    outcome: Outcome
    recipient: Party


@with_config(OPEN)
class CallRefusedData(TypedDict):
    """Both keys for an outgoing call not placed; neither for an incoming call after the job."""

    outbox_id: NotRequired[OutboxId]
    outcome: NotRequired[Outcome]


@with_config(OPEN)
class RefusedData(TypedDict):
    outbox_id: OutboxId
    outcome: Outcome


@with_config(OPEN)
class TimerSetData(TypedDict):
    timer: str
    due_at: Annotated[str, Field(description="ISO 8601, UTC.")]


@with_config(OPEN)
class TimerFiredData(TypedDict):
    timer: str
    lateness_seconds: float


@with_config(OPEN)
class CallbackRowData(TypedDict):
    outbox_id: OutboxId
    webhook_id: str


@with_config(OPEN)
class SentData(TypedDict):
    outbox_id: OutboxId
    provider_sid: Annotated[str | None, Field(description="Twilio's SID; null for a callback.")]
    attempt: NotRequired[Annotated[int, Field(description="Left out when Twilio's status callback told first.")]]


@with_config(OPEN)
class RetryData(TypedDict):
    outbox_id: OutboxId
    retry_in: Annotated[int, Field(description="Seconds until the next attempt.")]


@with_config(OPEN)
class CallRetryData(TypedDict):
    """Both keys when Twilio refused the attempt; neither when the call was busy or not answered."""

    outbox_id: NotRequired[OutboxId]
    retry_in: NotRequired[Annotated[int, Field(description="Seconds until the next attempt.")]]


@with_config(OPEN)
class SignalenStatusData(TypedDict):
    signal_id: int
    state: Annotated[str, Field(description="Signalen's state code, such as ingepland, o or a.")]
    changed_at: Annotated[str, Field(description="When the status was set in Signalen, ISO 8601.")]


@dataclass(frozen=True)
class Kind:
    description: str
    data: type = NoData
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)
    keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.data))
        object.__setattr__(self, "keys", frozenset(self.data.__annotations__))


KINDS: dict[str, Kind] = {
    "status": Kind("The case moved from one state to another, and why.", StatusData),
    "pool.shared": Kind(
        "No proxy number was free for both parties: the case shares one, and texts to it ask which case.", SharedData
    ),
    "text.queued": Kind("A text to the resident or the crew is in the outbox.", QueuedData),
    "text.suppressed": Kind("A text was not queued: its recipient opted out (STOP).", NotSentData),
    "text.limited": Kind("An automatic text was not queued: AUTO_REPLY_LIMIT was reached.", NotSentData),
    "text.cancelled": Kind("Texts and calls not yet sent were withdrawn.", WithdrawnData),
    "text.held": Kind("A text on a shared number waits until its sender says which case it is about."),
    "text.received": Kind("A text from the resident or the crew, and what the gateway did with it.", ReceivedData),
    "text.ignored": Kind(
        "A text that was not read: our own text sent back, the same words again, or one from our own number.",
        IgnoredData,
    ),
    "text.auto_reply": Kind("An automatic reply (out of office and the like): not an answer.", AutoReplyData),
    "text.retry": Kind("A text did not reach the handset: it is sent once more."),
    "text.status": Kind("Twilio's delivery status of a text.", TextStatusData),
    "whatsapp.queued": Kind("A WhatsApp message to the resident is in the outbox.", QueuedData),
    "whatsapp.status": Kind("Twilio's delivery status of a WhatsApp message.", TextStatusData),
    "whatsapp.template": Kind(
        "A free WhatsApp message fell outside her 24-hour window (63016): it is sent again as its template."
    ),
    "channel.sms": Kind(
        "WhatsApp does not reach the resident, or the gateway has no WhatsApp sender: she gets texts "
        "(or calls, on a landline) instead.",
        ChannelData,
    ),
    "reply.read": Kind("How the resident's answer to the question was read.", ReplyReadData),
    "channel.voice": Kind("Texts to the resident fail (a landline): she is called from now on.", ErrorCodeData),
    "language.fallback": Kind(
        "The case system asked for a language the gateway has no texts in: DEFAULT_LANGUAGE is used.",
        LanguageFallbackData,
    ),
    "opted_out": Kind("The resident or the crew sent STOP: no more texts to that number.", OptedOutData),
    "opted_in": Kind("The resident or the crew sent START: texts go to that number again.", OptedInData),
    "call.queued": Kind("A call to the resident is in the outbox.", QueuedData),
    "call.skipped": Kind(
        "A message that is not worth a call was not sent: the resident is on a landline.", SkippedData
    ),
    "call.answered": Kind("The resident answered a call from the gateway.", OutboxData),
    "call.status": Kind("Twilio's final status of a call from the gateway.", CallStatusData),
    "call.retry": Kind("A call from the gateway is tried again later.", CallRetryData),
    "call.connected": Kind("A call from one party to the proxy number was put through to the other."),
    "call.question": Kind("The resident called the proxy number and was asked the open question."),
    "call.refused": Kind(
        "A call not put through: an incoming call after the job, or an outgoing call the settings refuse.",
        CallRefusedData,
    ),
    "dial.refused": Kind("A call from one party was not put through to the other: a refused number.", DialRefusedData),
    "timer.set": Kind("Something is scheduled, such as the question after the job.", TimerSetData),
    "timer.fired": Kind("A scheduled step ran.", TimerFiredData),
    "session.ended": Kind("The reopen window is over: the proxy number is released."),
    "session.crew_ended": Kind("The grace period after the job is over: the crew's side of the number is released."),
    "callback.queued": Kind("A callback to the case system is in the outbox.", CallbackRowData),
    "callback.requeued": Kind("An operator put a callback back in the outbox.", CallbackRowData),
    "callback.endpoint_disabled": Kind("The case system answered 410 Gone: callbacks are on hold."),
    "signalen.queued": Kind("A write-back to the signal in Signalen is in the outbox.", CallbackRowData),
    "signalen.sent": Kind("Signalen took a write-back: a note on the signal, or the signal reopened.", SentData),
    "signalen.retry": Kind("A write-back to Signalen failed; it is tried again.", RetryData),
    "signalen.failed": Kind(
        "A write-back to Signalen failed for good, such as a transition Signalen refused (400) because the "
        "signal had moved on; her words were then added as a note.",
        OutboxData,
    ),
    "signalen.status": Kind("The signal's status in Signalen that brought this event.", SignalenStatusData),
    "sms.sent": Kind("Twilio accepted a text.", SentData),
    "call.sent": Kind("Twilio accepted a call.", SentData),
    "callback.sent": Kind("The case system accepted a callback.", SentData),
    "sms.retry": Kind("Sending a text failed; it is tried again.", RetryData),
    "callback.retry": Kind("Sending a callback failed; it is tried again.", RetryData),
    "sms.failed": Kind("A text could not be sent, for good.", OutboxData),
    "call.failed": Kind("A call could not be placed, for good.", OutboxData),
    "callback.failed": Kind("A callback could not be delivered, for good.", OutboxData),
    "sms.refused": Kind("A text was not sent: the number is refused, or over RECIPIENT_DAILY_LIMIT.", RefusedData),
    "whatsapp.sent": Kind("Twilio accepted a WhatsApp message.", SentData),
    "whatsapp.retry": Kind("Sending a WhatsApp message failed; it is tried again.", RetryData),
    "whatsapp.failed": Kind("A WhatsApp message could not be sent, for good.", OutboxData),
    "whatsapp.refused": Kind(
        "A WhatsApp message was not sent: the number is refused, or over RECIPIENT_DAILY_LIMIT.", RefusedData
    ),
}


def check(kind: str, data: Mapping[str, object]) -> None:
    """Raise ValueError when `data` is not what the list says a `kind` entry holds."""
    known = KINDS.get(kind)
    if known is None:
        raise ValueError(f"timeline kind {kind!r} is not listed in gateway/core/timeline_kinds.py")
    # Open for a case system's client, closed for our own code: every key is documented.
    undeclared = data.keys() - known.keys
    if undeclared:
        raise ValueError(f"timeline kind {kind!r} has no key {', '.join(sorted(undeclared))} in its data")
    known.adapter.validate_python(data, strict=True)  # a pydantic ValidationError is a ValueError
