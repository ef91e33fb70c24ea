"""The case system's events, validated. Field errors name the field, like citizen.phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, create_model, field_validator

from gateway.core.config import Config
from gateway.core.destinations import refusal
from gateway.core.names import EventType
from gateway.core.phones import InvalidPhoneNumber, mask, normalise
from gateway.core.safe_text import unsafe_character

CASE_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
CaseId = Annotated[str, Field(min_length=1, max_length=100, pattern=rf"^{CASE_ID.pattern}$")]
ETA_YEARS = (2000, 2999)
# How far in the past an ETA may lie: the case system's clock and ours may differ a little, and
# an ETA of "now" takes a moment to arrive. Further back, the resident would be promised a crew
# at a time that has gone.
ETA_CLOCK_SKEW_MINUTES = 5
# The longest description accepted: it reaches the crew in at most four texts (flows/parts.py).
MAX_DESCRIPTION_CHARACTERS = 5000


def _context(info: ValidationInfo) -> dict[str, Any]:
    if info.context is None:
        raise RuntimeError("validate events with context=validation_context(config)")
    return info.context


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_unspeakable_characters(cls, value: object) -> object:
        # PostgreSQL refuses NUL in text, and what gets texted or spoken cannot carry what
        # XML 1.0 forbids (gateway/core/safe_text.py): refused here, so the case system hears of it.
        unsafe = unsafe_character(value) if isinstance(value, str) else None
        if unsafe:
            raise ValueError(f"contains {unsafe}, which cannot be texted or spoken")
        return value


# A language and any subtags (BCP 47's shape, with _ as phones write it): nl, tr-TR, uk_UA, zh-Hant-TW.
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*")


class _Person(_Strict):
    phone: str = Field(
        description="Dutch national (06 12345678) or international (+31612345678) format. "
        "Accepted: mobile, fixed-line and geographic VoIP numbers (such as 085) in "
        "ALLOWED_REGIONS (default NL only). Refused with 422, whatever the setting: "
        "premium-rate, shared-cost, toll-free (0800), company (UAN, 088), personal "
        "and pager numbers, short codes, Dutch 097 machine-to-machine numbers, "
        "satellite and other non-geographic numbers, and the gateway's own numbers.",
        pattern=r"^\+?[0-9][0-9 ().-]{5,30}$",
    )
    name: Annotated[str, Field(max_length=200)] | None = None
    language: str | None = Field(
        default=None,
        max_length=35,
        validate_default=True,
        description="The language of her texts and calls: nl, en, tr, ar, pl or uk, in any case and "
        "with a region too (tr-TR, uk_UA). Another language gets DEFAULT_LANGUAGE, with a "
        "language.fallback entry on the timeline; none gets DEFAULT_LANGUAGE.",
    )

    @field_validator("phone", mode="before")
    @classmethod
    def _phone(cls, value: object, info: ValidationInfo) -> str:
        try:
            number = normalise(value, _context(info)["region"])
        except InvalidPhoneNumber as exc:
            raise ValueError(str(exc)) from None
        context = _context(info)
        refused = refusal(number, context["allowed_regions"], context["own_numbers"])
        if refused:
            raise ValueError(f"{mask(number)} {refused}")
        return number

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | None) -> str | None:
        """'nl', 'NL' or 'nl-BE' become 'nl'. One we have no texts for is kept: the dispatch
        flow gives it DEFAULT_LANGUAGE and notes that on the case's timeline."""
        if value is None:
            return None
        if not LANGUAGE_TAG.fullmatch(value):
            raise ValueError("expected a language code like nl, tr or uk-UA")
        return value[:3].rstrip("-_").lower()


# The resident's schema keeps the name it had before `channel` (the contract's compatibility policy).
class Party(_Person):
    channel: Literal["sms", "whatsapp", "voice"] = Field(
        default="sms",
        description="How to reach her. sms: texts (calls on a landline). whatsapp: WhatsApp, to which she "
        "gave the municipality her consent; without WHATSAPP_SENDER, or on a landline, she gets "
        "texts or calls, with a channel.sms entry on the timeline, and when WhatsApp does not reach "
        "her the gateway texts her instead. voice: calls, even on a mobile.",
    )


class Crew(_Person):
    id: Annotated[str, Field(min_length=1, max_length=100)]


class Dispatched(_Strict):
    """A crew is on its way: the resident and the crew get a text with the proxy number."""

    case_id: CaseId
    reference: Annotated[str, Field(min_length=1, max_length=100)]
    description: str = Field(
        min_length=1,
        max_length=MAX_DESCRIPTION_CHARACTERS,
        description=f"What the resident reported, in her own words: at most {MAX_DESCRIPTION_CHARACTERS:,} "
        "characters. When the crew's text would pass Twilio's 1,600 characters, it goes out as "
        "consecutive numbered texts: (1/3), (2/3), (3/3).",
    )
    address: Annotated[str, Field(min_length=1, max_length=300)]
    citizen: Party
    crew: Crew
    eta: datetime | None = Field(
        default=None,
        description="When the crew expects to be there, with its UTC offset (2026-12-05T10:00:00+01:00 "
        "or ...09:00:00Z): a time without one is refused with 422, as it could mean two moments. "
        "Named in the resident's text, in TIMEZONE. Refused with 422 when it is more "
        f"than {ETA_CLOCK_SKEW_MINUTES} minutes in the past (clock skew between the systems); "
        "send no eta rather than one that has gone.",
    )

    @field_validator("eta")
    @classmethod
    def _eta(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        # Year 1 or 9999 with an offset cannot be held in UTC; no crew comes then anyway.
        if not ETA_YEARS[0] <= value.year <= ETA_YEARS[1]:
            raise ValueError(f"expected a year from {ETA_YEARS[0]} to {ETA_YEARS[1]}")
        if value.tzinfo is None:
            raise ValueError(f"{value.isoformat()} has no UTC offset; add one, like {value.isoformat()}+01:00")
        if value < datetime.now(UTC) - timedelta(minutes=ETA_CLOCK_SKEW_MINUTES):
            raise ValueError(
                f"{value.isoformat()} has passed; send a time to come (at most "
                f"{ETA_CLOCK_SKEW_MINUTES} minutes ago, for clock skew), or no eta"
            )
        return value


class Completed(_Strict):
    """The crew reports the job done: after CONFIRMATION_DELAY the resident is asked if it is."""

    case_id: CaseId
    note: Annotated[str, Field(max_length=5000)] | None = None


class Cancelled(_Strict):
    """The job is called off: unsent texts are withdrawn and the proxy number is released. Final."""

    case_id: CaseId
    reason: Annotated[str, Field(max_length=5000)] | None = None


class Envelope(_Strict):
    type: EventType
    timestamp: datetime | None = None
    data: dict


EventData = Dispatched | Completed | Cancelled
DATA_MODELS: dict[EventType, type[EventData]] = {
    EventType.DISPATCHED: Dispatched,
    EventType.COMPLETED: Completed,
    EventType.CANCELLED: Cancelled,
}


def _typed(event_type: str, data: type[EventData]) -> type[Envelope]:
    # For /openapi.json: the envelope with its data model filled in. Requests are validated
    # by Envelope, then DATA_MODELS, so a field's error names it as citizen.phone, not data.citizen.phone.
    return create_model(
        f"{data.__name__}Event",
        __base__=Envelope,
        __doc__=data.__doc__,
        # A Literal of a value known at run time: pydantic reads it, mypy cannot.
        # Required, as a discriminator must be; its documented default spares a generated
        # client passing type_ by hand.
        type=(Literal[event_type], Field(json_schema_extra={"default": event_type})),  # type: ignore[arg-type]
        data=(data, ...),
    )


def validation_context(config: Config) -> dict[str, Any]:
    """What the validators read from the settings (a gateway.core.config.Config)."""
    return {
        "region": config.default_region,
        "allowed_regions": config.allowed_regions,
        "own_numbers": config.proxy_numbers,
        "timezone": config.timezone,
    }


EVENT_MODELS = {event_type: _typed(event_type, data) for event_type, data in DATA_MODELS.items()}
