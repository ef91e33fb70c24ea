"""GET /v1/cases/<case_id>: the case and its timeline, with every phone number masked; and GET /healthz."""

import pytest

from tests.conftest import ANNA, CASE_KEY, JAN

BEARER = {"Authorization": f"Bearer {CASE_KEY}"}


@pytest.fixture
def story(case_api, twilio, run_worker, fast_forward):
    """Anna's case played through texts, a call, the question and her NEE; returns the proxy number."""
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(JAN, "Waar zit het gat precies?", to=proxy)
    twilio.text(ANNA, "Recht voor mijn deur.", to=proxy)
    twilio.call(JAN, to=proxy)
    run_worker()
    case_api.complete(note="gat gevuld")
    fast_forward(1801)
    run_worker()
    twilio.text(ANNA, "Nee, mijn gat zit er nog", to=proxy)
    run_worker()
    return proxy


def test_it_shows_the_case_with_its_masked_parties(client, story):
    answer = client.get("/v1/cases/MOR-2026-0042", headers=BEARER)
    assert answer.status_code == 200
    case = answer.json
    assert case["case_id"] == "MOR-2026-0042" and case["reference"] == "MOR-42"
    assert case["status"] == "reopened" and case["round"] == 1 and case["proxy_number"] == story
    assert case["citizen"]["phone"] == "+316****5678" and case["citizen"]["name"] == ANNA.name
    assert case["crew"]["phone"] == "+316****4321" and case["crew"]["id"] == "crew-noord"


def test_the_timeline_holds_texts_replies_calls_callbacks_and_status_changes(client, story):
    timeline = client.get("/v1/cases/MOR-2026-0042", headers=BEARER).json["timeline"]
    kinds = {entry["kind"] for entry in timeline}
    assert {"text.queued", "sms.sent", "text.received", "call.connected", "callback.queued", "callback.sent"} <= kinds
    changes = [(e["data"]["old"], e["data"]["new"]) for e in timeline if e["kind"] == "status"]
    assert changes == [
        ("new", "dispatched"),
        ("dispatched", "completed"),
        ("completed", "awaiting_confirmation"),
        ("awaiting_confirmation", "reopened"),
    ]
    replies = [e["data"]["body"] for e in timeline if e["kind"] == "text.received"]
    assert replies == ["Waar zit het gat precies?", "Recht voor mijn deur.", "Nee, mijn gat zit er nog"]
    assert all(entry["at"].endswith("Z") for entry in timeline)


def test_it_never_shows_a_real_phone_number(client, story):
    text = client.get("/v1/cases/MOR-2026-0042", headers=BEARER).get_data(as_text=True)
    for person in (ANNA, JAN):
        subscriber = person.phone.removeprefix("+316")
        forms = {
            person.phone,
            person.national,
            person.phone.lstrip("+"),
            "0" + person.phone.removeprefix("+31"),
            subscriber,
        }
        leaked = [form for form in forms if form in text]
        assert leaked == [], f"{person.name}'s number shows up as {leaked}"


def test_it_shows_a_new_round_with_its_number_and_the_old_rounds_history(client, case_api):
    case_api.dispatch()
    case_api.complete()
    case_api.dispatch()
    case = client.get("/v1/cases/MOR-2026-0042", headers=BEARER).json
    assert case["round"] == 2 and case["status"] == "dispatched"
    statuses = [e["data"]["new"] for e in case["timeline"] if e["kind"] == "status"]
    assert statuses == ["dispatched", "completed", "dispatched"]


def test_it_accepts_the_older_key_too(client, case_api):
    case_api.dispatch()
    assert (
        client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": "Bearer retired-case-system-key"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key"}, {"Authorization": CASE_KEY}, {"Authorization": "Bearer"}],
    ids=["none", "wrong", "no-scheme", "no-key"],
)
def test_it_shows_nothing_without_a_valid_bearer(client, case_api, headers):
    case_api.dispatch()
    answer = client.get("/v1/cases/MOR-2026-0042", headers=headers)
    assert answer.status_code == 401
    assert answer.json["error"]["code"] == "unauthorized" and "timeline" not in answer.get_data(as_text=True)


def test_it_answers_401_before_saying_whether_a_case_exists(client):
    assert client.get("/v1/cases/MOR-0000-0000").status_code == 401


@pytest.mark.parametrize("case_id", ["MOR-0000-0000", "mor-2026-0042", "MOR-2026-0042%00", "'; DROP TABLE cases; --"])
def test_it_answers_404_for_an_unknown_case(client, case_api, case_id):
    case_api.dispatch()
    answer = client.get(f"/v1/cases/{case_id}", headers=BEARER)
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "case_not_found" and answer.json["error"]["field"] == "case_id"


def test_healthz_says_ok_when_the_database_answers(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.is_json and answer.json["status"] == "ok"
