"""GET /openapi.json: the case-system contract, generated from the models that do the work.

Requests are described by the models that validate them (gateway/core/schemas.py), answers and
callbacks by the models that build them (gateway/http/answers.py, gateway/core/callback_schemas.py).
Public: it holds no secrets, and a case-system developer needs it before she has a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from gateway.core.callback_schemas import ENVELOPES
from gateway.core.schemas import CASE_ID, EVENT_MODELS
from gateway.http import openapi_examples as examples
from gateway.http.answers import CaseView, ErrorAnswer, EventAccepted
from gateway.http.error_codes import ERROR_CODES, advice
from gateway.runtime import runtime

bp = Blueprint("openapi", __name__)
# A model's place in components/schemas, as {"$ref": ...}.
Ref = Callable[..., dict[str, Any]]

BEARER: dict[str, list[str]] = {"bearerKey": []}
SIGNED: dict[str, list[str]] = {"webhookSignature": []}
CALLBACK_SIGNED: dict[str, list[str]] = {"callbackSignature": []}
# The contract's own version, not the package's: it follows the compatibility policy below.
CONTRACT_VERSION = "1.3.0"
COMPATIBILITY = (
    "Compatibility: within a major version, the gateway may add optional request fields, "
    "answer and callback fields, callback types, timeline kinds, error codes and enum values; "
    "receivers must ignore what they do not know (callback schemas allow additional properties). "
    "Removing or renaming a path, field, enum value or callback type, making a request field "
    "required, or changing a field's type needs a new major version of info.version; additions "
    "raise the minor version, corrected descriptions the patch version."
)
TAGS = [
    {
        "name": "events",
        "description": "What the case system tells the gateway: a crew is dispatched, done, called off.",
    },
    {"name": "cases", "description": "A case as the gateway holds it, with its timeline."},
    {"name": "callbacks", "description": "What the gateway tells the case system, signed, at CASE_CALLBACK_URL."},
]
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
# Per status, the codes an operation answers with it (gateway/http/error_codes.py).
ERRORS = {
    400: ("missing_webhook_id", "malformed_json"),
    401: ("unauthorized",),
    404: ("case_not_found",),
    409: ("impossible_transition", "conflict"),
    413: ("body_too_large",),
    422: ("invalid_field", "unknown_event_type"),
    503: ("database_unavailable",),
}


@bp.get("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    config = runtime().config
    return jsonify(document(config.public_base_url, config.organisation_name))


@cache
def document(server: str, organisation: str) -> dict:
    """The OpenAPI 3.1 document for the gateway at `server`; built once per process."""
    requests: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "validation") for model in EVENT_MODELS.values()]
    answered: tuple[type[BaseModel], ...] = (EventAccepted, ErrorAnswer, CaseView, *ENVELOPES.values())
    answers: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "serialization") for model in answered]
    refs, top = models_json_schema(requests + answers, ref_template="#/components/schemas/{model}")

    def ref(model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> dict[str, Any]:
        return refs[(model, mode)]

    schemas = top["$defs"]
    callbacks = {event_type: ref(model) for event_type, model in ENVELOPES.items()}
    schemas["Callback"] = {
        "title": "Callback",
        "description": "Any callback, by its type: parse a callback body with this one schema. "
        "New callback types may be added; a receiver answers 2xx to a type it does not know.",
        "oneOf": list(callbacks.values()),
        "discriminator": {"propertyName": "type", "mapping": {t: r["$ref"] for t, r in callbacks.items()}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Korte Lijn",
            "version": CONTRACT_VERSION,
            "summary": "SMS/IVR gateway between a municipality's case system and its residents.",
            "description": "Events in (POST /v1/events), the case and its timeline out (GET /v1/cases/{case_id}), "
            "and signed callbacks to CASE_CALLBACK_URL (the webhooks below). Phone numbers in "
            "answers and callbacks are masked. " + COMPATIBILITY,
            "contact": {"name": organisation, "url": server + "/"},
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": server, "description": "This gateway (its PUBLIC_BASE_URL)."}],
        "tags": TAGS,
        "paths": {"/v1/events": {"post": _events(ref)}, "/v1/cases/{case_id}": {"get": _case(ref)}},
        "webhooks": {
            "callback": {"post": _any_callback()},
            **{event_type: {"post": _webhook(event_type, schema)} for event_type, schema in callbacks.items()},
        },
        "components": {"schemas": schemas, "securitySchemes": _security()},
    }


def _events(ref: Ref) -> dict[str, Any]:
    one_of = {event_type: ref(model, "validation") for event_type, model in EVENT_MODELS.items()}
    return {
        "operationId": "postEvent",
        "tags": ["events"],
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
        "tags": ["cases"],
        "summary": "The case and its timeline, phone numbers masked",
        "description": "The case as the gateway holds it now: its state, round, proxy number, both "
        "parties (numbers masked) and its timeline, oldest first. Personal data is gone "
        "RETENTION_DAYS after the case ended; the case and its timeline stay.",
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


def _webhook(event_type: str, schema: dict, description: str | None = None) -> dict:
    signed = "Standard Webhooks headers, signed with CASE_CALLBACK_SECRET."
    return {
        "operationId": "callback_" + event_type.replace(".", "_"),
        "tags": ["callbacks"],
        "summary": event_type,
        "security": [CALLBACK_SIGNED],
        "description": (description or ENVELOPES[event_type].__doc__ or "") + " Sent to CASE_CALLBACK_URL; " + signed,
        "parameters": [
            _header("webhook-id", True, "Unique per callback; the same on every retry of it.", {"type": "string"}),
            _header("webhook-timestamp", True, "Unix seconds of this attempt.", {"type": "string"}),
            _header(
                "webhook-signature", True, "v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>.", {"type": "string"}
            ),
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema, **_callback_examples(event_type)}},
        },
        "responses": {
            "2XX": {"description": "Received. Any other answer is retried with backoff, after Retry-After if given."},
            "410": {"description": "Gone: the gateway stops sending callbacks until `flask callbacks-enable`."},
        },
    }


def _any_callback() -> dict:
    """The one receiver: CASE_CALLBACK_URL gets every type, so it parses the body as `Callback`."""
    operation = _webhook(
        "callback",
        {"$ref": "#/components/schemas/Callback"},
        "Every callback, as the one receiver gets them: its body is one of the types below, told apart by "
        "`type`. Answer 2xx to a type you do not know: new ones may be added.",
    )
    operation["summary"] = "Any callback"
    return operation


def _callback_examples(event_type: str) -> dict:
    if event_type in ENVELOPES:
        return {"example": examples.callback(event_type)}
    return {"examples": {t: {"summary": t, "value": examples.callback(t)} for t in ENVELOPES}}


def _errors(ref: Ref, statuses: Iterable[int]) -> dict[str, Any]:
    return {
        str(status): _json(
            " ".join(advice(code) for code in ERRORS[status]),
            ref(ErrorAnswer),
            examples.error(status),
            RETRY_AFTER if any(ERROR_CODES[code].retry for code in ERRORS[status]) else None,
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
        "callbackSignature": {
            "type": "apiKey",
            "in": "header",
            "name": "webhook-signature",
            "description": "How the gateway signs callbacks (Standard Webhooks): v1,<base64 HMAC-SHA256 of "
            "'{webhook-id}.{webhook-timestamp}.{body}'> with CASE_CALLBACK_SECRET (whsec_...). Verify it, "
            "and refuse a webhook-timestamp more than 5 minutes off, before trusting a callback.",
        },
        "webhookSignature": {
            "type": "apiKey",
            "in": "header",
            "name": "webhook-signature",
            "description": "Standard Webhooks: v1,<base64 HMAC-SHA256 of '{webhook-id}.{webhook-timestamp}.{body}'> "
            "with CASE_EVENTS_SECRET; send webhook-id and webhook-timestamp with it.",
        },
    }
