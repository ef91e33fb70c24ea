"""Every endpoint, against whatever a stranger can send: never a 5xx, and nothing stored.

The endpoints come from the app's own url_map, so a new route is covered without editing
this file. Bodies, content types and headers are drawn by hypothesis; credentials are
sometimes the real ones, so the body is parsed and not just refused at the door.
"""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from gateway.core.config import EMBEDDED_TWILIO_TOKEN
from gateway.core.models import Case, InboundMessage, OutboxMessage, ProcessedEvent, TimelineEntry
from gateway.factory import create_app
from tests.conftest import ANNA, AUTH_TOKEN, CASE_KEY, PROXY_NUMBERS, PUBLIC_BASE_URL

COUNTED = (Case, OutboxMessage, InboundMessage, TimelineEntry, ProcessedEvent)
RUNS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# What a header value can carry on the wire: no CR/LF, latin-1.
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=60)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    json_like.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(
        st.sampled_from(["type", "data", "case_id", "From", "To", "Body", "Digits", "to", "body"]),
        json_like,
        max_size=4,
    ).map(lambda value: json.dumps(value).encode()),
    st.integers(1, 40).map(lambda depth: b'{"data":' * depth * 30 + b"1" + b"}" * depth * 30),
    st.integers(4301, 6000).map(lambda digits: b'{"type": "case.dispatched", "data": ' + b"7" * digits + b"}"),
)
content_types = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "text/plain",
            "application/json; charset=utf-16",
            "",
        ]
    ),
    header_text,
)
credentials = st.sampled_from([f"Bearer {CASE_KEY}", "Bearer", "Basic Og==", f"bearer  {CASE_KEY} ", ""]) | header_text
headers = st.fixed_dictionaries(
    {},
    optional={
        "Authorization": credentials,
        "X-Twilio-Signature": header_text,
        "webhook-id": header_text,
        "webhook-timestamp": st.integers(-(2**63), 2**63).map(str) | header_text,
        "webhook-signature": st.just("v1,") | header_text,
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "br"]),
        "Transfer-Encoding": st.just("chunked"),
        "Accept": header_text,
    },
)
# Half the requests carry the case system's real key, so a body gets past the door and is parsed.
headers = st.one_of(
    headers,
    headers.map(
        lambda drawn: {
            **drawn,
            "Authorization": f"Bearer {CASE_KEY}",
            "webhook-id": drawn.get("webhook-id") or "evt-any",
        }
    ),
)
# The test client writes Content-Length itself; a lie goes straight into the WSGI environ.
length_lies = st.none() | st.integers(-5, 200_000).map(str) | st.sampled_from(["", "abc", "1e3", "+5", " 7"])
segments = st.text(max_size=20).map(lambda value: quote(value, safe=""))
queries = st.dictionaries(
    st.sampled_from(["o", "case", "round", "attempt", "after", "lang"]),
    st.text(string.digits + "-x", max_size=25),
    max_size=3,
)


def endpoints(app) -> list[tuple[str, str]]:
    """(method, rule) for every route the app serves."""
    return sorted(
        (method, rule.rule) for rule in app.url_map.iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}
    )


def row_counts(app) -> tuple[int, ...]:
    with app.extensions["korte_lijn"].db.transaction() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) for model in COUNTED)


def concrete(rule: str, segment: str) -> str:
    """/v1/cases/<case_id> with a drawn segment in place of each variable."""
    parts = rule.split("<")
    return parts[0] + "".join(segment + part.split(">", 1)[1] for part in parts[1:])


@pytest.fixture
def simulator_app(database_url, app):
    # The simulator's routes exist only without a Twilio account, as `flask embedded` runs it.
    simulated = create_app(
        {
            "DATABASE_URL": database_url,
            "TWILIO_AUTH_TOKEN": EMBEDDED_TWILIO_TOKEN,
            "CASE_API_KEYS": CASE_KEY,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            "QUIET_HOURS": "",
        }
    )
    yield simulated
    simulated.extensions["korte_lijn"].db.dispose()


def send_anything(app, method_and_rule, segment, query, body, content_type, drawn_headers, length_lie=None):
    method, rule = method_and_rule
    before = row_counts(app)
    lie = {} if length_lie is None else {"CONTENT_LENGTH": length_lie}
    answer = app.test_client().open(
        concrete(rule, segment),
        method=method,
        query_string=query,
        data=body,
        content_type=content_type,
        headers=drawn_headers,
        environ_overrides=lie,
    )
    assert answer.status_code < 500, (method, rule, answer.status_code, answer.get_data()[:300])
    assert row_counts(app) == before, (method, rule, answer.status_code)


def test_it_lists_every_endpoint_it_tries(app, simulator_app):
    rules = {rule for _, rule in endpoints(app) + endpoints(simulator_app)}
    for rule in (
        "/v1/events",
        "/v1/cases/<case_id>",
        "/twilio/sms",
        "/twilio/ivr/answer",
        "/metrics",
        "/healthz",
        "/openapi.json",
        "/simulator/api/phones/<key>/texts",
    ):
        assert rule in rules


@RUNS
@given(
    data=st.data(),
    segment=segments,
    query=queries,
    body=bodies,
    content_type=content_types,
    drawn_headers=headers,
    length_lie=length_lies,
)
def test_no_endpoint_answers_5xx_or_stores_anything_for_arbitrary_input(
    app, data, segment, query, body, content_type, drawn_headers, length_lie
):
    target = data.draw(st.sampled_from(endpoints(app)))
    send_anything(app, target, segment, query, body, content_type, drawn_headers, length_lie)


@RUNS
@given(data=st.data(), segment=segments, query=queries, body=bodies, content_type=content_types, drawn_headers=headers)
def test_no_simulator_route_answers_5xx_or_stores_anything_for_arbitrary_input(
    simulator_app, data, segment, query, body, content_type, drawn_headers
):
    target = data.draw(st.sampled_from(endpoints(simulator_app)))
    send_anything(simulator_app, target, segment, query, body, content_type, drawn_headers)


@RUNS
@given(body=bodies, content_type=content_types, drawn_headers=headers, length_lie=length_lies)
def test_the_events_endpoint_answers_4xx_to_any_body_from_the_case_system(
    app, body, content_type, drawn_headers, length_lie
):
    send_anything(
        app,
        ("POST", "/v1/events"),
        "",
        {},
        body,
        content_type,
        {**drawn_headers, "Authorization": f"Bearer {CASE_KEY}", "webhook-id": "evt-any"},
        length_lie,
    )


twilio_fields = st.dictionaries(
    st.sampled_from(
        [
            "From",
            "To",
            "Body",
            "MessageSid",
            "CallSid",
            "MessageStatus",
            "CallStatus",
            "ErrorCode",
            "Digits",
            "SpeechResult",
            "NumMedia",
            "AccountSid",
            "CallDuration",
        ]
    ),
    st.text(max_size=40) | st.sampled_from([ANNA.phone, PROXY_NUMBERS[0], "anonymous", "+", "completed"]),
    max_size=6,
)


@RUNS
@given(data=st.data(), query=queries, form=twilio_fields)
def test_no_twilio_hook_answers_5xx_to_a_correctly_signed_odd_form(app, data, query, form):
    # Signed, so the form reaches the flows; a stored inbound text is then allowed, a 5xx is not.
    method, rule = data.draw(st.sampled_from([target for target in endpoints(app) if target[1].startswith("/twilio")]))
    path = rule + ("?" + "&".join(f"{key}={quote(value)}" for key, value in query.items()) if query else "")
    try:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + path, form)
    except UnicodeEncodeError:
        return  # a lone surrogate cannot be sent as a form at all
    answer = app.test_client().post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code < 500, (rule, form, answer.get_data()[:300])
