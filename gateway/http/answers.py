"""What the case-system API answers, as models: the endpoints build their JSON through these,
and /openapi.json describes them from the same classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import AwareDatetime, BaseModel, Field, RootModel, create_model

from flows.states import ALLOWED
from gateway.core.names import model_name
from gateway.core.timeline_kinds import KINDS, Kind
from gateway.http import error_codes

if TYPE_CHECKING:
    CaseStatus = str
else:
    # Every state a case system can see (not "new"), from the one list; a Literal built at
    # run time, which pydantic reads and mypy cannot.
    CaseStatus = Literal[tuple(status for status in ALLOWED if status != "new")]
MaskedPhone = Field(description="Masked, like +316****5678; '-' once RETENTION_DAYS removed it.")


class EventAccepted(BaseModel):
    """The event is handled; its texts and callbacks are queued."""

    case_id: str
    status: CaseStatus
    proxy_number: str | None = Field(description="The number both parties text and call; null once released.")
    round: int = Field(ge=1)


class ErrorDetail(BaseModel):
    # A str at run time (the simulator's own page answers its own codes); the contract's enum
    # is what the case-system endpoints answer (gateway/http/error_codes.py).
    code: str = Field(description=error_codes.described(), json_schema_extra={"enum": list(error_codes.ERROR_CODES)})
    message: str = Field(description="For a person reading logs.")
    field: str | None = Field(default=None, description="The field at fault, dotted, like citizen.phone.")


class ErrorAnswer(BaseModel):
    error: ErrorDetail


class _MaskedPerson(BaseModel):
    phone: str = MaskedPhone
    name: str | None
    language: str


# The resident's schema keeps the name it had before `channel` (the contract's compatibility policy).
class MaskedParty(_MaskedPerson):
    channel: Literal["sms", "whatsapp", "voice"] = Field(
        description="How she is reached now: sms, whatsapp, or voice (a landline, texts that failed, "
        "or the case system asked for calls). It changes when WhatsApp or texts do not reach her."
    )


class MaskedCrew(_MaskedPerson):
    id: str


class _Entry(BaseModel):
    at: AwareDatetime


def _entry(kind: str, known: Kind) -> type[BaseModel]:
    return create_model(
        model_name(kind, "Entry"),
        __base__=_Entry,
        __doc__=known.description,
        # A Literal of a value known at run time: pydantic reads it, mypy cannot.
        # A const per entry, so a generated client parses each entry as its own kind's class; the
        # discriminator's mapping is the list of kinds.
        kind=(Literal[kind], ...),  # type: ignore[arg-type]
        summary=(str, Field(description="One line for a person; phone numbers in it are masked.")),
        data=(known.data, ...),
    )


if TYPE_CHECKING:
    AnyEntry = BaseModel
else:
    # One schema per kind, told apart by `kind`: a generated client gets each kind's `data` typed.
    ENTRIES = tuple(_entry(kind, known) for kind, known in KINDS.items())
    AnyEntry = Annotated[Union[ENTRIES], Field(discriminator="kind")]  # noqa: UP007 (a union built at run time)


class TimelineEntry(RootModel[AnyEntry]):
    """Something that happened to the case; `data` holds its details, a shape per `kind`.

    New kinds, and new keys in `data`, may be added without a new API version: accept
    (and skip) an entry of a kind you do not know."""


class CaseView(BaseModel):
    """The case and everything that happened to it, phone numbers masked."""

    case_id: str
    reference: str
    address: str
    status: CaseStatus
    round: int = Field(ge=1)
    proxy_number: str | None
    citizen: MaskedParty
    crew: MaskedCrew
    eta: AwareDatetime | None
    completed_at: AwareDatetime | None
    reopen_until: AwareDatetime | None
    timeline: list[TimelineEntry]
