"""schemathesis against /openapi.json: generated requests to the case-system API, on the real
app and database, must never get a 5xx, nor an answer the document does not describe.

Bounded (max-examples per operation) so it adds well under a minute per database.
"""

from __future__ import annotations

import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from gateway.http.openapi import document as served_document
from tests.conftest import CASE_KEY, PUBLIC_BASE_URL

CONFIG = schemathesis.Config.from_dict(
    {
        "headers": {"Authorization": f"Bearer {CASE_KEY}"},
        "generation": {"max-examples": 100, "mode": "all", "with-security-parameters": False},
    }
)


def document() -> dict:
    """The document as the tests' gateway serves it (conftest's PUBLIC_BASE_URL and municipality)."""
    return served_document(PUBLIC_BASE_URL, "Gemeente Utrecht")


# Mostly numbers that parse (Dutch mobiles and landlines, abroad), so events get past the phone
# check into the flows; now and then anything at all.
schemathesis.openapi.format(
    "phone",
    st.one_of(
        st.from_regex(r"\A06[1-9][0-9]{7}\Z"),
        st.from_regex(r"\A030-[2-9][0-9]{6}\Z"),
        st.from_regex(r"\A\+4915[0-9]{9}\Z"),
        st.text(max_size=45),
    ),
)

# The document depends on the code only; tests/test_openapi.py checks /openapi.json serves this one.
schema = schemathesis.openapi.from_dict(document(), config=CONFIG)


@pytest.fixture
def gateway(app, case_api):
    # Anna's case exists, so the document's example case_id finds it and the 200 answer is checked too.
    assert case_api.dispatch().status_code == 202
    return app


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case, gateway):
    # webhook-id is the idempotency key: a repeated one gets the first answer back, which would
    # hide the body under test. A usable one is made unique; a missing or broken one stays.
    webhook_id = (case.headers or {}).get("webhook-id")
    if isinstance(webhook_id, str) and webhook_id.strip() and len(webhook_id) <= 200:
        case.headers["webhook-id"] = f"{webhook_id}-{uuid.uuid4().hex}"
    case.call_and_validate(
        app=gateway, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
