"""Examples for /openapi.json: Anna's pothole in Utrecht, every number fictional or masked.

Answers and callbacks are built through their models here, so an example that no longer
fits its model fails when the document is built, not in a reader's integration.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.core.callback_schemas import callback_payload
from gateway.http.answers import CaseView, ErrorAnswer, ErrorDetail, EventAccepted

# The story's year lies ahead: its dispatch names an eta, and an eta that has gone is refused
# (gateway/core/schemas.py). Far ahead, so the example a reader copies is accepted while this code runs.
YEAR = 2099
AT = datetime(YEAR, 3, 12, 9, 41, 5, tzinfo=UTC)
CASE = {"case_id": "MOR-2026-0042", "reference": "MOR-42", "round": 1}
PROXY = "+3197010000001"

EVENTS = {
    "case.dispatched": {
        "type": "case.dispatched",
        "timestamp": f"{YEAR}-03-12T07:30:00Z",
        "data": {
            "case_id": "MOR-2026-0042",
            "reference": "MOR-42",
            "description": "Twee paaltjes weggehaald en een gat in de stoep voor mijn deur.",
            "address": "Kerkstraat 12, Utrecht",
            "citizen": {"phone": "06 12345678", "name": "Anna de Vries", "language": "nl", "channel": "sms"},
            "crew": {"id": "crew-noord", "phone": "06 87654321", "name": "Jan Bakker", "language": "nl"},
            "eta": f"{YEAR}-03-12T10:00:00+01:00",
        },
    },
    "case.completed": {
        "type": "case.completed",
        "timestamp": f"{YEAR}-03-12T09:10:00Z",
        "data": {"case_id": "MOR-2026-0042", "note": "Gat gevuld, paaltjes teruggezet."},
    },
    "case.cancelled": {
        "type": "case.cancelled",
        "timestamp": f"{YEAR}-03-12T08:00:00Z",
        "data": {"case_id": "MOR-2026-0043", "reason": "Dubbele melding, zie MOR-42."},
    },
}

ACCEPTED = EventAccepted(case_id="MOR-2026-0042", status="dispatched", proxy_number=PROXY, round=1)

ERRORS = {
    400: ("missing_webhook_id", "the webhook-id header is required (at most 255 characters)", None),
    401: ("unauthorized", "send Authorization: Bearer <key> or a Standard Webhooks signature", None),
    404: ("case_not_found", "no case with case_id 'MOR-2026-0042'", "case_id"),
    409: ("impossible_transition", "case MOR-2026-0042 is cancelled; it cannot become completed", None),
    413: ("body_too_large", "the body is over 64 KiB", None),
    422: ("invalid_field", "citizen.phone: +3190****4567 is a premium-rate number", "citizen.phone"),
    503: ("database_unavailable", "the database is unavailable; retry later", None),
}


def error(status: int) -> dict:
    code, message, field = ERRORS[status]
    return ErrorAnswer(error=ErrorDetail(code=code, message=message, field=field)).model_dump(
        mode="json", exclude_none=True
    )


def _entry(clock: str, kind: str, summary: str, **data: object) -> dict[str, Any]:
    hour, minute = map(int, clock.split(":"))
    return {"at": AT.replace(hour=hour, minute=minute, second=0), "kind": kind, "summary": summary, "data": data}


CASE_VIEW = CaseView(
    **CASE,
    address="Kerkstraat 12, Utrecht",
    status="reopened",
    proxy_number=PROXY,
    citizen={"phone": "+316****5678", "name": "Anna de Vries", "language": "nl", "channel": "sms"},
    crew={"id": "crew-noord", "phone": "+316****4321", "name": "Jan Bakker", "language": "nl"},
    eta=datetime(YEAR, 3, 12, 9, 0, tzinfo=UTC),
    completed_at=AT.replace(minute=10, second=0),
    reopen_until=datetime(YEAR, 3, 19, 9, 10, tzinfo=UTC),
    timeline=[
        _entry(
            "07:30",
            "status",
            "new -> dispatched: dispatched by the case system",
            old="new",
            new="dispatched",
            reason="dispatched by the case system",
        ),
        _entry(
            "07:30",
            "text.queued",
            "dispatch_citizen text to citizen +316****5678",
            outbox_id=1,
            purpose="dispatch_citizen",
            recipient="citizen",
            body=(
                "Gemeente Utrecht: we komen op 12-03 rond 10:00 uw melding MOR-42 (Kerkstraat 12, Utrecht) "
                "oplossen. De ploeg kan u bellen vanaf dit nummer. Iets uitleggen? Bel of sms dit nummer. "
                "Uw code is 417."
            ),
        ),
        _entry(
            "09:10",
            "status",
            "dispatched -> completed: the crew reports the job done",
            old="dispatched",
            new="completed",
            reason="the crew reports the job done",
        ),
        _entry(
            "09:40",
            "text.received",
            "text from citizen +316****5678: reopened",
            body="Nee, het gat zit er nog",
            media=0,
            outcome="reopened",
        ),
        _entry(
            "09:40",
            "status",
            "awaiting_confirmation -> reopened: citizen answered no",
            old="awaiting_confirmation",
            new="reopened",
            reason="citizen answered no",
        ),
        _entry(
            "09:40",
            "callback.queued",
            "case.reopened callback queued",
            outbox_id=7,
            webhook_id="msg_2f1c9a7e4b0d4e6f8a1b2c3d4e5f6a7b",
        ),
    ],
)

CALLBACK_DATA: dict[str, dict[str, Any]] = {
    "case.confirmed": {"reply": "Ja, netjes gemaakt. Dank u wel!", "channel": "sms"},
    "case.reopened": {"reply": "Nee, het gat zit er nog", "channel": "sms"},
    "case.unanswered": {},
    "case.citizen_message": {"text": "Kunnen jullie ook naar de lantaarnpaal op de hoek kijken?", "media": 1},
    "citizen.opted_out": {"source": "STOP"},
    "crew.opted_out": {"source": "twilio 21610"},
    "citizen.opted_in": {"source": "START"},
    "crew.opted_in": {"source": "UNSTOP"},
    "message.undeliverable": {
        "recipient": "citizen",
        "purpose": "question",
        "channel": "call",
        "error_code": None,
        "reason": "the call was no-answer twice",
    },
    "conversation.limited": {
        "recipient": "citizen",
        "limit": 5,
        "reason": "5 automatic texts to the citizen in 24 hours; we stay silent until a "
        "person takes over (she may have an automatic reply on)",
    },
}


def callback(event_type: str) -> dict[str, Any]:
    return callback_payload(event_type, AT, **CASE, **CALLBACK_DATA[event_type])
