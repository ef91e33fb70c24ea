"""The contract changes only as the compatibility policy allows, and info.version says how."""

from __future__ import annotations

import copy
import json

import pytest

from tests.contract.compat import SNAPSHOT, breaking_changes, contract_of, version_problem

UPDATE = "after raising info.version, run: .venv/bin/python -m tests.contract.compat --update"


@pytest.fixture
def snapshot() -> dict:
    return json.loads(SNAPSHOT.read_text())


def served(client) -> dict:
    return client.get("/openapi.json").json


def test_the_served_document_is_the_committed_contract(client, snapshot):
    document = served(client)
    assert version_problem(snapshot, document) is None
    assert contract_of(document) == snapshot, "the contract changed: " + UPDATE


def with_version(document: dict, version: str) -> dict:
    changed = copy.deepcopy(document)
    changed["info"]["version"] = version
    return changed


def test_removing_a_path_a_callback_field_or_an_enum_value_is_breaking(snapshot):
    no_case = copy.deepcopy(snapshot)
    del no_case["paths"]["/v1/cases/{case_id}"]
    assert breaking_changes(snapshot, no_case) == ["paths /v1/cases/{case_id} GET removed"]

    no_reply = copy.deepcopy(snapshot)
    del no_reply["components"]["schemas"]["CaseReopened"]["properties"]["reply"]
    assert breaking_changes(snapshot, no_reply) == ["schema CaseReopened: property reply removed"]

    fewer_codes = copy.deepcopy(snapshot)
    fewer_codes["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"].remove("conflict")
    assert breaking_changes(snapshot, fewer_codes) == [
        "schema ErrorDetail: property code lost enum values ['conflict']"
    ]

    no_type = copy.deepcopy(snapshot)
    del no_type["webhooks"]["case.reopened"]
    assert "webhooks case.reopened POST removed" in breaking_changes(snapshot, no_type)
    assert "major" in version_problem(snapshot, with_version(no_type, "1.1.0"))
    assert version_problem(snapshot, with_version(no_type, "2.0.0")) is None


def test_a_new_required_request_field_or_a_changed_type_is_breaking(snapshot):
    required = copy.deepcopy(snapshot)
    required["components"]["schemas"]["Dispatched"]["required"].append("eta")
    assert breaking_changes(snapshot, required) == ["schema Dispatched: request property eta became required"]

    retyped = copy.deepcopy(snapshot)
    retyped["components"]["schemas"]["CitizenMessage"]["properties"]["media"]["type"] = "string"
    assert breaking_changes(snapshot, retyped) == [
        "schema CitizenMessage: property media changed type ('integer',) -> ('string',)"
    ]


def test_a_new_optional_field_a_new_enum_value_or_a_new_callback_type_is_compatible_with_a_minor_version(snapshot):
    grown = copy.deepcopy(snapshot)
    schemas = grown["components"]["schemas"]
    schemas["Dispatched"]["properties"]["priority"] = {"type": "string"}
    schemas["CaseConfirmed"]["properties"]["stars"] = {"type": "integer"}
    schemas["CaseConfirmed"]["required"].append("stars")  # an answer field always there: fine
    schemas["ErrorDetail"]["properties"]["code"]["enum"].append("rate_limited")
    grown["webhooks"]["case.rated"] = copy.deepcopy(grown["webhooks"]["case.confirmed"])
    assert breaking_changes(snapshot, grown) == []
    assert "minor" in version_problem(snapshot, grown)
    major, minor, _ = snapshot["info"]["version"].split(".")
    assert version_problem(snapshot, with_version(grown, f"{major}.{int(minor) + 1}.0")) is None


def test_a_version_raised_without_a_change_is_refused(snapshot):
    major, minor, patch = snapshot["info"]["version"].split(".")
    assert "did not" in version_problem(snapshot, with_version(snapshot, f"{major}.{minor}.{int(patch) + 1}"))
