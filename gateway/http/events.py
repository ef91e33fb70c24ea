"""POST /v1/events: the case system tells us a crew is dispatched, done, or called off.

`webhook-id` is the idempotency key: the answer to the first delivery is stored in the
same transaction as its effects, and a redelivery gets that answer back and does nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from flows.dispatch import CaseNotFound
from flows.events import HANDLERS
from flows.states import ImpossibleTransition
from gateway.core import logs
from gateway.core.effects import Effects
from gateway.core.models import ProcessedEvent
from gateway.core.names import EventType
from gateway.core.schemas import DATA_MODELS, Dispatched, Envelope, EventData, validation_context
from gateway.http.answers import EventAccepted
from gateway.http.auth import check_case_system
from gateway.http.body import json_object
from gateway.http.errors import ApiError
from gateway.http.field_errors import reason
from gateway.runtime import runtime

log = logging.getLogger(__name__)
bp = Blueprint("events", __name__)


@bp.after_request
def _log_refusal(response: Response) -> Response:
    """One line for every event refused with a 4xx, whichever check refused it: the case system
    only sees its own side, and an operator asked "why did MOR-42 never arrive?" looks here."""
    if 400 <= response.status_code < 500:
        error = (response.get_json(silent=True) or {}).get("error") or {}
        field = f" field={error['field']}" if error.get("field") else ""
        public = frozenset(runtime().config.proxy_numbers)
        log.warning(
            "event refused: %d %s%s webhook-id=%s: %s",
            response.status_code,
            error.get("code", "-"),
            field,
            logs.masked(logs.one_line(request.headers.get("webhook-id", "") or "-", 100), public),
            # Our messages quote what was sent (a case_id, a number): masked here too, not only by the formatter.
            logs.masked(logs.one_line(str(error.get("message", "")), 500), public),
        )
    return response


@bp.post("/v1/events")
def receive_event() -> ResponseReturnValue:
    rt = runtime()
    check_case_system(request, rt.config)
    webhook_id = request.headers.get("webhook-id", "").strip()
    if not webhook_id or len(webhook_id) > 255:
        raise ApiError(400, "missing_webhook_id", "the webhook-id header is required (at most 255 characters)")
    replay = _stored_answer(webhook_id)
    if replay is not None:
        return replay
    event_type, data = _parse(request.get_data())
    try:
        with rt.db.transaction() as session:
            case = HANDLERS[event_type](Effects(session, rt.config), data)
            body = EventAccepted(
                case_id=case.case_id, status=case.status, proxy_number=case.proxy_number, round=case.round
            ).model_dump(mode="json")
            session.add(ProcessedEvent(webhook_id=webhook_id, event_type=event_type, status_code=202, response=body))
    except CaseNotFound:
        raise ApiError(404, "case_not_found", f"no case with case_id {data.case_id!r}", "case_id") from None
    except ImpossibleTransition as exc:
        raise ApiError(409, "impossible_transition", str(exc)) from None
    except IntegrityError:
        # The same webhook-id (or a new case_id) raced in on another connection and won.
        replay = _stored_answer(webhook_id)
        if replay is not None:
            return replay
        raise ApiError(
            409, "conflict", "a concurrent event for this case won; retry", headers={"Retry-After": "1"}
        ) from None
    log.info("event %s %s for case %s -> %s", webhook_id, event_type, case.case_id, case.status)
    return jsonify(body), 202


def _stored_answer(webhook_id: str) -> Response | None:
    with runtime().db.transaction() as session:
        done = session.get(ProcessedEvent, webhook_id)
        if done is None:
            return None
        response = jsonify(done.response)
    response.status_code = done.status_code
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _parse(raw: bytes) -> tuple[EventType, EventData]:
    document = json_object(raw)
    context = validation_context(runtime().config)
    try:
        envelope = Envelope.model_validate(document)
        data = DATA_MODELS[envelope.type].model_validate(envelope.data, context=context)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        if field == "type":
            raise ApiError(422, "unknown_event_type", f"type must be one of {', '.join(HANDLERS)}", "type") from None
        raise ApiError(422, "invalid_field", f"{field}: {reason(first)}", field or None) from None
    if isinstance(data, Dispatched) and data.citizen.phone == data.crew.phone:
        raise ApiError(422, "invalid_field", "crew.phone: is the citizen's own number", "crew.phone")
    return envelope.type, data
