"""Every error code the case-system API answers with, its status, and whether to retry.

The contract's `error.code` is this enum (gateway/http/answers.py, /openapi.json): a case
system branches on the code, never on the message. "Retry" means: send the same request again,
with the same webhook-id, after Retry-After; the gateway then does it once (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    status: int | None  # None: whichever status werkzeug answered
    retry: bool
    meaning: str


ERROR_CODES: dict[str, ErrorCode] = {
    "missing_webhook_id": ErrorCode(400, False, "no webhook-id header (at most 255 characters)"),
    "malformed_json": ErrorCode(400, False, "the body is not a JSON object"),
    "bad_request": ErrorCode(400, False, "the request could not be read"),
    "unauthorized": ErrorCode(401, False, "no valid bearer key, and no valid signature"),
    "case_not_found": ErrorCode(404, False, "no case with that case_id"),
    "not_found": ErrorCode(404, False, "no such path"),
    "method_not_allowed": ErrorCode(405, False, "the path does not take this method; Allow names those it does"),
    "impossible_transition": ErrorCode(
        409, False, "the case's state does not allow this event (a cancelled case is final); read the case"
    ),
    "conflict": ErrorCode(409, True, "a concurrent event for the same case won; send this one again"),
    "body_too_large": ErrorCode(413, False, "the body is over 64 KiB"),
    "invalid_field": ErrorCode(422, False, "a field is wrong; `field` names it, like citizen.phone"),
    "unknown_event_type": ErrorCode(422, False, "type is not one of the event types"),
    "database_unavailable": ErrorCode(503, True, "the gateway's database is away"),
    "internal_server_error": ErrorCode(500, True, "a fault in the gateway; it is logged"),
    "http_error": ErrorCode(None, False, "another HTTP error; the status says which"),
}


def advice(code: str) -> str:
    found = ERROR_CODES[code]
    return f"{code}: {found.meaning}; " + ("retry after Retry-After." if found.retry else "do not retry as is.")


def described() -> str:
    """The enum's description: one line per code."""
    return "Stable and machine-readable; new codes may be added. " + " ".join(
        f"`{code}` ({found.status or 'any status'}{', retry' if found.retry else ''}): {found.meaning}."
        for code, found in ERROR_CODES.items()
    )
