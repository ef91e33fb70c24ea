"""GET /openapi.json: a valid OpenAPI 3.1 document whose examples fit their schemas, whose webhooks
cover every callback the code can send, and whose schemas fit what is really sent."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import ValidationError

from gateway.core.callback_schemas import CALLBACKS, callback_payload
from gateway.core.config import Config
from gateway.core.names import CallbackType
from gateway.core.schemas import DATA_MODELS, Envelope, validation_context
from gateway.http.openapi import document as served_document
from tests.conftest import ANNA, CASE_KEY, JAN, PUBLIC_BASE_URL

ROOT = Path(__file__).resolve().parent.parent
BEARER = {"Authorization": f"Bearer {CASE_KEY}"}


def document() -> dict:
    """The document as the tests' gateway serves it (conftest's PUBLIC_BASE_URL and municipality)."""
    return served_document(PUBLIC_BASE_URL, "Gemeente Utrecht")


def schema_errors(value, schema: dict) -> list[str]:
    # Refs are "#/components/schemas/...": validate with the components beside the schema.
    validator = Draft202012Validator({**schema, "components": document()["components"]})
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(value)]


def examples_in(node, where=""):
    """Every (place, example, schema) in the document: media types and parameters."""
    if isinstance(node, dict):
        if "schema" in node and ("example" in node or "examples" in node):
            if "example" in node:
                yield where, node["example"], node["schema"]
            for name, example in node.get("examples", {}).items():
                yield f"{where}/{name}", example["value"], node["schema"]
        for key, value in node.items():
            yield from examples_in(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from examples_in(value, f"{where}/{index}")


def test_it_serves_a_valid_openapi_3_1_document_without_a_key(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.json == json.loads(json.dumps(document()))
    assert answer.json["openapi"] == "3.1.0"
    assert list(OpenAPIV31SpecValidator(answer.json).iter_errors()) == []


def test_it_describes_both_endpoints_with_every_answer_they_give():
    paths = document()["paths"]
    events, case = paths["/v1/events"]["post"], paths["/v1/cases/{case_id}"]["get"]
    assert set(events["responses"]) == {"202", "400", "401", "404", "409", "413", "422", "503"}
    assert set(case["responses"]) == {"200", "401", "404", "503"}
    assert events["responses"]["503"]["headers"]["Retry-After"]
    assert events["security"] == case["security"] == [{"bearerKey": []}, {"webhookSignature": []}]
    body = events["requestBody"]["content"]["application/json"]
    assert set(body["schema"]["discriminator"]["mapping"]) == set(DATA_MODELS)
    assert set(body["examples"]) == set(DATA_MODELS)


def test_every_example_fits_its_schema():
    found = list(examples_in(document()))
    assert len(found) >= 20, "examples for requests, answers, errors and every webhook"
    wrong = {place: errors for place, example, schema in found if (errors := schema_errors(example, schema))}
    assert wrong == {}


@pytest.mark.parametrize("event_type", list(DATA_MODELS))
def test_each_request_example_passes_the_gateways_own_validation(event_type):
    example = document()["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]
    value = example["examples"][event_type]["value"]
    envelope = Envelope.model_validate(value)
    DATA_MODELS[envelope.type].model_validate(envelope.data, context=validation_context(Config.from_env({})))


def test_the_request_examples_are_accepted_by_the_gateway(client, case_api):
    examples = document()["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    case_api.dispatch(case_id="MOR-2026-0043")  # the duplicate the cancel example calls off
    for number, event_type in enumerate(("case.dispatched", "case.completed", "case.cancelled")):
        answer = client.post(
            "/v1/events", json=examples[event_type]["value"], headers={**BEARER, "webhook-id": f"evt_example_{number}"}
        )
        assert answer.status_code == 202, (event_type, answer.json)


def bare_callback_types_in_code() -> list[str]:
    """Call sites that pass fx.callback(case, <type>, ...) a bare string instead of a CallbackType."""
    bare = []
    for path in [*ROOT.joinpath("flows").rglob("*.py"), *ROOT.joinpath("gateway").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "callback"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant | ast.JoinedStr)
            ):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return bare


def test_every_callback_the_code_can_send_is_a_webhook():
    """The code names callback types only as CallbackType members (mypy checks the calls), and
    every member is a webhook in the document."""
    assert bare_callback_types_in_code() == []
    assert set(document()["webhooks"]) - {"callback"} == set(CallbackType) == set(CALLBACKS)


def test_a_callback_outside_the_contract_is_refused_where_it_is_built():
    at = datetime(2026, 3, 12, 9, 40, tzinfo=UTC)
    case = {"case_id": "MOR-2026-0042", "reference": "MOR-42", "round": 1}
    with pytest.raises(ValidationError):
        callback_payload("case.confirmed", at, **case, reply="Ja", mood="blij")
    with pytest.raises(KeyError):
        callback_payload("case.forgotten", at, **case)
    assert callback_payload("case.unanswered", at, **case)["timestamp"] == "2026-03-12T09:40:00Z"


def test_the_callbacks_the_case_system_receives_fit_their_webhook_schemas(
    case_api, twilio, run_worker, fast_forward, case_system
):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(JAN, "STOP", to=proxy)
    case_api.complete(note="gat gevuld")
    fast_forward(1801)
    run_worker()
    twilio.text(ANNA, "Nee, mijn gat zit er nog", to=proxy)
    twilio.text(ANNA, "De paaltjes liggen nog op de stoep", to=proxy)
    run_worker()
    for event_type in ("crew.opted_out", "case.reopened", "case.citizen_message"):
        case_system.wait_for(event_type)
    assert case_system.rejected == []
    webhooks = document()["webhooks"]
    for delivery in case_system.deliveries:
        schema = webhooks[delivery.type]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert schema_errors(delivery.envelope, schema) == [], delivery.type
        # The one receiver's schema: the Callback union takes each of them, and only as its own type.
        assert schema_errors(delivery.envelope, {"$ref": "#/components/schemas/Callback"}) == [], delivery.type
        unknown = {**delivery.envelope, "type": "case.forgotten"}
        assert schema_errors(unknown, {"$ref": "#/components/schemas/Callback"}) != []
