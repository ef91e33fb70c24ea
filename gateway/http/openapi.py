"""GET /openapi.json: the case-system contract, generated from the models that do the work.

Requests are described by the models that validate them (gateway/core/schemas.py), answers and
callbacks by the models that build them (gateway/http/answers.py, gateway/core/callback_schemas.py).
Public: it holds no secrets, and a case-system developer needs it before she has a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from importlib.metadata import version
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from gateway.core.callback_schemas import ENVELOPES
from gateway.core.schemas import CASE_ID, EVENT_MODELS
from gateway.http import openapi_examples as examples
from gateway.http.answers import TIMELINE_KIND, CaseView, ErrorAnswer, EventAccepted

bp = Blueprint("openapi", __name__)
# A model's place in components/schemas, as {"$ref": ...}.
Ref = Callable[..., dict[str, Any]]

BEARER: dict[str, list[str]] = {"bearerKey": []}
SIGNED: dict[str, list[str]] = {"webhookSignature": []}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
ERRORS = {
    400: "missing_webhook_id: no webhook-id header; malformed_json: the body is not a JSON object.",
    401: "unauthorized: no valid bearer key, and no valid signature.",
    404: "case_not_found: no case with that case_id.",
    409: "impossible_transition: the case's state does not allow it (a cancelled case is final); "
    "conflict: a concurrent event for the case won, retry.",
    413: "body_too_large: the body is over 64 KiB.",
    422: "invalid_field (the field is named, like citizen.phone) or unknown_event_type.",
    503: "database_unavailable: try again after Retry-After seconds.",
}


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    return jsonify(document())


@cache
def document() -> dict:
    """The OpenAPI 3.1 document; it depends on the code only, so it is built once."""
    requests: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "validation") for model in EVENT_MODELS.values()]
    answered: tuple[type[BaseModel], ...] = (EventAccepted, ErrorAnswer, CaseView, *ENVELOPES.values())
    answers: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "serialization") for model in answered]
    refs, top = models_json_schema(requests + answers, ref_template="#/components/schemas/{model}")

    def ref(model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> dict[str, Any]:
        return refs[(model, mode)]

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Korte Lijn",
            "version": version("korte-lijn"),
            "summary": "SMS/IVR gateway between a municipality's case system and its residents.",
            "description": "Events in (POST /v1/events), the case and its timeline out (GET /v1/cases/{case_id}), "
            "and signed callbacks to CASE_CALLBACK_URL (the webhooks below). Phone numbers in "
            "answers and callbacks are masked.",
        },
        "paths": {"/v1/events": {"post": _events(ref)}, "/v1/cases/{case_id}": {"get": _case(ref)}},
        "webhooks": {event_type: {"post": _webhook(event_type, ref(model))} for event_type, model in ENVELOPES.items()},
        "components": {"schemas": {**top["$defs"], "TimelineKind": TIMELINE_KIND}, "securitySchemes": _security()},
    }


def _events(ref: Ref) -> dict[str, Any]:
    one_of = {event_type: ref(model, "validation") for event_type, model in EVENT_MODELS.items()}
    return {
        "operationId": "postEvent",
        "summary": "Tell the gateway a crew is dispatched, done, or called off",
        "description": "Idempotent on webhook-id: a redelivery gets the first answer back, with "
        "Idempotent-Replayed: true, and changes nothing.",
        "security": [BEARER, SIGNED],
        "parameters": [
            _header(
                "webhook-id",
                True,
                "The event's unique id; the idempotency key.",
                {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "\\S"},
            ),
            _header(
                "webhook-timestamp",
                False,
                "Unix seconds; required with webhook-signature, within 5 minutes.",
                {"type": "string", "pattern": "^[0-9]+$"},
            ),
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": list(one_of.values()),
                        "discriminator": {"propertyName": "type", "mapping": {t: r["$ref"] for t, r in one_of.items()}},
                    },
                    "examples": {t: {"summary": t, "value": value} for t, value in examples.EVENTS.items()},
                }
            },
        },
        "responses": {
            "202": _json(
                "Handled; texts and callbacks are queued.",
                ref(EventAccepted),
                examples.ACCEPTED.model_dump(mode="json"),
                {
                    "Idempotent-Replayed": {
                        "description": "true when this answers a redelivery.",
                        "schema": {"type": "string", "enum": ["true"]},
                    }
                },
            ),
            **_errors(ref, (400, 401, 404, 409, 413, 422, 503)),
        },
    }


def _case(ref: Ref) -> dict[str, Any]:
    return {
        "operationId": "getCase",
        "summary": "The case and its timeline, phone numbers masked",
        "security": [BEARER, SIGNED],
        "parameters": [
            {
                "name": "case_id",
                "in": "path",
                "required": True,
                "example": examples.CASE["case_id"],
                "schema": {"type": "string", "pattern": f"^{CASE_ID.pattern}$"},
            }
        ],
        "responses": {
            "200": _json("The case.", ref(CaseView), examples.CASE_VIEW.model_dump(mode="json")),
            **_errors(ref, (401, 404, 503)),
        },
    }


def _webhook(event_type: str, schema: dict) -> dict:
    signed = "Standard Webhooks headers, signed with CASE_CALLBACK_SECRET."
    return {
        "operationId": "callback_" + event_type.replace(".", "_"),
        "summary": event_type,
        "description": (ENVELOPES[event_type].__doc__ or "") + " Sent to CASE_CALLBACK_URL; " + signed,
        "parameters": [
            _header("webhook-id", True, "Unique per callback; the same on every retry of it.", {"type": "string"}),
            _header("webhook-timestamp", True, "Unix seconds of this attempt.", {"type": "string"}),
            _header(
                "webhook-signature", True, "v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>.", {"type": "string"}
            ),
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, "example": examples.callback(event_type)}},
        },
        "responses": {
            "2XX": {"description": "Received. Any other answer is retried with backoff, after Retry-After if given."},
            "410": {"description": "Gone: the gateway stops sending callbacks until `flask callbacks-enable`."},
        },
    }


def _errors(ref: Ref, statuses: Iterable[int]) -> dict[str, Any]:
    return {
        str(status): _json(
            ERRORS[status], ref(ErrorAnswer), examples.error(status), RETRY_AFTER if status == 503 else None
        )
        for status in statuses
    }


def _json(description: str, schema: dict, example: dict, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema, "example": example}}}
    if headers:
        answer["headers"] = headers
    return answer


def _header(name: str, required: bool, description: str, schema: dict) -> dict:
    return {"name": name, "in": "header", "required": required, "description": description, "schema": schema}


def _security() -> dict:
    return {
        "bearerKey": {"type": "http", "scheme": "bearer", "description": "One of CASE_API_KEYS."},
        "webhookSignature": {
            "type": "apiKey",
            "in": "header",
            "name": "webhook-signature",
            "description": "Standard Webhooks: v1,<base64 HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}'> "
            "with CASE_EVENTS_SECRET; send webhook-id and webhook-timestamp with it.",
        },
    }
