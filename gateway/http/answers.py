"""What the case-system API answers, as models: the endpoints build their JSON through these,
and /openapi.json describes them from the same classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from flows.states import ALLOWED
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


class MaskedParty(BaseModel):
    phone: str = MaskedPhone
    name: str | None
    language: str


class MaskedCrew(MaskedParty):
    id: str


class TimelineItem(BaseModel):
    at: AwareDatetime
    kind: str = Field(description="What happened, such as status, text.queued, text.received, callback.sent.")
    summary: str = Field(description="One line for a person; phone numbers in it are masked.")
    data: dict[str, Any] = Field(description="The details, different per kind.")


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
    timeline: list[TimelineItem]
