"""POST /v1/events against what a case system should never send: bad credentials, bad bodies, bad fields."""

import base64
import io
import json
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from tests.conftest import ANNA, CASE_KEY, EVENTS_SECRET, JAN, seed_dispatch

BEARER = {"Authorization": f"Bearer {CASE_KEY}"}
OTHER_SECRET = "whsec_" + base64.b64encode(b"not-the-secret-we-gave-the-city!").decode()
GOOD = seed_dispatch()


def dispatch_body(**changes) -> str:
    return json.dumps({"type": "case.dispatched", "data": {**GOOD, **changes}})


def dispatch_with(field: str, value: str) -> str:
    data = json.loads(json.dumps(GOOD))
    parent, _, name = field.rpartition(".")
    (data[parent] if parent else data)[name] = value
    return json.dumps({"type": "case.dispatched", "data": data})


def post(client, body: str | bytes, headers: dict | None = None):
    return client.post(
        "/v1/events",
        data=body,
        content_type="application/json",
        headers={"webhook-id": "evt_hostile", **(headers or {})},
    )


def signed(body: str, secret: str = EVENTS_SECRET, skew: float = 0, webhook_id: str = "evt_signed") -> dict:
    moment = datetime.fromtimestamp(time.time() + skew, tz=UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, moment, body),
    }


def assert_error(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.get_data(as_text=True)
    error = answer.json["error"]
    assert error["code"] and error["message"]
    if field is not None:
        assert error.get("field") == field, error
    return error


@pytest.mark.parametrize("key", ["retired-case-system-key", CASE_KEY])
def test_it_accepts_every_key_in_case_api_keys(client, key):
    answer = post(client, dispatch_body(), {"Authorization": f"Bearer {key}"})
    assert answer.status_code == 202 and answer.json["status"] == "dispatched"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-key",
        f"Bearer {CASE_KEY}x",
        f"Bearer {CASE_KEY.upper()}",
        CASE_KEY,
        f"Token {CASE_KEY}",
        "Basic " + base64.b64encode(f"x:{CASE_KEY}".encode()).decode(),
    ],
)
def test_it_refuses_a_missing_wrong_or_malformed_bearer(client, fake_twilio, run_worker, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_error(post(client, dispatch_body(), headers), 401)
    run_worker()
    assert fake_twilio.messages == []


@pytest.mark.parametrize("skew", [0, -240, +240], ids=["in-sync", "clock-behind", "clock-ahead"])
def test_it_accepts_a_standard_webhooks_signature_instead_of_a_bearer(client, skew):
    body = dispatch_body()
    answer = client.post("/v1/events", data=body, content_type="application/json", headers=signed(body, skew=skew))
    assert answer.status_code == 202 and answer.json["case_id"] == "MOR-2026-0042"


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: (body, signed(body, secret=OTHER_SECRET)),
        lambda body: (body.replace("Kerkstraat 12", "Kerkstraat 14"), signed(body)),
        lambda body: (body, signed(body, skew=-360)),
        lambda body: (body, signed(body, skew=+360)),
        lambda body: (body, {**signed(body), "webhook-signature": "v1,not-base64!"}),
        lambda body: (body, {**signed(body), "webhook-signature": "garbage"}),
        lambda body: (body, {**signed(body), "webhook-timestamp": "yesterday"}),
        lambda body: (body, {**signed(body), "webhook-id": "evt_other"}),
    ],
    ids=[
        "other-secret",
        "tampered-body",
        "six-minutes-old",
        "six-minutes-ahead",
        "bad-base64",
        "no-version",
        "bad-timestamp",
        "id-swapped",
    ],
)
def test_it_refuses_a_bad_signature(client, fake_twilio, run_worker, forge):
    body, headers = forge(dispatch_body())
    assert_error(client.post("/v1/events", data=body, content_type="application/json", headers=headers), 401)
    run_worker()
    assert fake_twilio.messages == []


NOT_AN_OBJECT = {
    "truncated": b"{",
    "text": b"not json",
    "empty": b"",
    "not-utf8": b"\xff\xfe{}",
    "array": b"[1, 2]",
    "string": b'"case.dispatched"',
    "number": b"42",
    "null": b"null",
    "nested-too-deep": b"[" * 30000 + b"]" * 30000,
}


@pytest.mark.parametrize("body", list(NOT_AN_OBJECT.values()), ids=list(NOT_AN_OBJECT))
def test_it_answers_400_to_a_body_that_is_not_a_json_object(client, body):
    assert_error(post(client, body, BEARER), 400)


@pytest.mark.parametrize("webhook_id", [None, "", "   ", "x" * 256])
def test_it_answers_400_without_a_usable_webhook_id(client, webhook_id):
    headers = dict(BEARER)
    if webhook_id is not None:
        headers["webhook-id"] = webhook_id
    answer = client.post("/v1/events", data=dispatch_body(), content_type="application/json", headers=headers)
    assert_error(answer, 400)


def test_it_answers_413_to_a_body_over_64_kib(client):
    answer = post(client, dispatch_body(description="x" * (64 * 1024)), BEARER)
    assert assert_error(answer, 413)["code"] == "body_too_large"


def test_it_answers_413_to_a_signed_body_over_64_kib(client):
    body = dispatch_body(description="x" * (64 * 1024))
    assert_error(client.post("/v1/events", data=body, content_type="application/json", headers=signed(body)), 413)


@pytest.mark.parametrize("phone", ["12", "abc", "+999", "0612345678" * 5, 612345678, None, "", ["06 12345678"]])
def test_it_names_citizen_phone_when_it_is_not_a_phone_number(client, phone):
    answer = post(client, dispatch_body(citizen={"phone": phone}), BEARER)
    assert_error(answer, 422, "citizen.phone")
    assert client.get("/v1/cases/MOR-2026-0042", headers=BEARER).status_code == 404


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"crew": {"id": "crew-noord", "phone": "06 1234"}}, "crew.phone"),
        ({"crew": {"phone": JAN.national}}, "crew.id"),
        ({"description": None}, "description"),
        ({"description": "   "}, "description"),
        ({"address": ""}, "address"),
        ({"case_id": "MOR 42/../x"}, "case_id"),
        ({"eta": "morgen rond tienen"}, "eta"),
        # Found by schemathesis: a year-1 ETA with an offset overflowed on its way to UTC (a 500).
        ({"eta": "0001-01-01T00:00:00+23:59"}, "eta"),
        ({"eta": "9999-12-31T23:59:59-23:59"}, "eta"),
        ({"citizen": {"phone": ANNA.national, "language": "1337"}}, "citizen.language"),
    ],
    ids=[
        "crew-phone",
        "crew-id",
        "description-missing",
        "description-blank",
        "address-empty",
        "case-id",
        "eta",
        "eta-year-1",
        "eta-year-9999",
        "language",
    ],
)
def test_it_names_the_field_that_is_wrong(client, changes, field):
    data = {key: value for key, value in {**GOOD, **changes}.items() if value is not None}  # None drops the field
    answer = post(client, json.dumps({"type": "case.dispatched", "data": data}), BEARER)
    assert_error(answer, 422, field)


@pytest.mark.parametrize("crew_phone", [ANNA.national, "0031612345678"])
def test_it_refuses_a_crew_with_the_residents_own_number(client, crew_phone):
    answer = post(client, dispatch_body(crew={"id": "crew-noord", "phone": crew_phone}), BEARER)
    assert_error(answer, 422, "crew.phone")


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x1b[2J", "\x08"], ids=["nul", "bell", "escape", "backspace"])
def test_it_refuses_control_characters_in_the_description(client, control):
    answer = post(client, dispatch_with("description", f"Gat{control}in de stoep"), BEARER)
    assert_error(answer, 422, "description")


@pytest.mark.parametrize("control", ["\x7f", "\x9b"], ids=["delete", "c1-escape"])
def test_it_refuses_control_characters_outside_ascii_too(client, control):
    # DEL and the C1 controls are as unprintable as the C0 ones and are not GSM-7 either.
    answer = post(client, dispatch_with("description", f"Gat{control}in de stoep"), BEARER)
    assert_error(answer, 422, "description")


@pytest.mark.parametrize("field", ["address", "reference", "citizen.name", "crew.name", "crew.id"])
def test_it_refuses_a_nul_in_any_text_field(client, field):
    answer = post(client, dispatch_with(field, "Kerk\x00straat"), BEARER)
    assert_error(answer, 422, field)


@pytest.mark.parametrize("event_type, field", [("case.completed", "note"), ("case.cancelled", "reason")])
def test_it_refuses_a_nul_in_a_note_or_a_reason(case_api, event_type, field):
    case_api.dispatch()
    # PostgreSQL refuses NUL in text: letting it through turns a bad event into a 503 the sender retries forever.
    assert_error(case_api.send(event_type, {"case_id": "MOR-2026-0042", field: "klaar\x00"}), 422, field)


@pytest.mark.parametrize(
    "envelope",
    [
        {"type": "case.reopened", "data": {"case_id": "MOR-2026-0042"}},
        {"type": "CASE.DISPATCHED", "data": GOOD},
        {"type": "", "data": GOOD},
        {"type": 42, "data": GOOD},
        {"data": GOOD},
    ],
    ids=["our-own-callback-type", "upper-case", "empty", "number", "missing"],
)
def test_it_answers_422_naming_type_for_an_unknown_event_type(client, envelope):
    assert_error(post(client, json.dumps(envelope), BEARER), 422, "type")


@pytest.mark.parametrize("event_type", ["case.completed", "case.cancelled"])
def test_it_answers_404_for_an_unknown_case(case_api, event_type):
    assert_error(case_api.send(event_type, {"case_id": "MOR-0000-0000"}), 404, "case_id")


@pytest.mark.parametrize(
    "steps",
    [("complete", "complete"), ("cancel", "complete"), ("cancel", "dispatch")],
    ids=["complete-twice", "complete-after-cancel", "dispatch-after-cancel"],
)
def test_it_answers_409_to_an_impossible_transition_and_changes_nothing(case_api, steps):
    case_api.dispatch()
    first, then = steps
    assert getattr(case_api, first)().status_code == 202
    assert_error(getattr(case_api, then)(), 409)
    case = case_api.client.get("/v1/cases/MOR-2026-0042", headers=BEARER).json
    assert case["status"] == {"complete": "completed", "cancel": "cancelled"}[first] and case["round"] == 1


def test_it_answers_400_not_500_to_a_json_number_of_5000_digits(client):
    body = '{"type": "case.dispatched", "data": {"case_id": ' + "9" * 5000 + "}}"
    assert assert_error(post(client, body, BEARER), 400)["code"] == "malformed_json"


def test_it_answers_400_to_objects_nested_too_deeply(client):
    assert assert_error(post(client, '{"a":' * 5000 + "1" + "}" * 5000, BEARER), 400)["code"] == "malformed_json"


def test_it_answers_413_not_400_to_a_chunked_body_over_64_kib(client):
    # No Content-Length: werkzeug used to cut the body off at 64 KiB and call it malformed JSON.
    body = dispatch_body(description="x" * (64 * 1024)).encode()
    answer = client.post(
        "/v1/events",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={**BEARER, "webhook-id": "evt_chunked", "Transfer-Encoding": "chunked"},
    )
    assert assert_error(answer, 413)["code"] == "body_too_large"


def test_it_reads_a_chunked_body_under_the_limit_whole(client, fake_twilio, run_worker):
    answer = client.post(
        "/v1/events",
        input_stream=io.BytesIO(dispatch_body().encode()),
        content_type="application/json",
        headers={**BEARER, "webhook-id": "evt_chunked", "Transfer-Encoding": "chunked"},
    )
    assert answer.status_code == 202, answer.get_data(as_text=True)
