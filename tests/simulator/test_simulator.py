"""The phone simulator's rules and API, without a browser (that is test_simulator_browser.py).

It is on only without a Twilio account, never beside a real one; it reaches the gateway
only through the endpoints Twilio and the case system use, signed like them; and its own
API refuses what a page (or a hostile page) should not send.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Request, Response

from flows import messages
from gateway.core.config import Config, ConfigError
from gateway.core.db import utcnow
from gateway.core.models import SimulatedDelivery
from gateway.factory import create_app
from gateway.simulator import story
from gateway.simulator.forward import SELF_URL
from gateway.simulator.sink import Sink
from tests.conftest import ACCOUNT_SID, ANNA, CALLBACK_SECRET, EVENTS_SECRET, JAN, PROXY_NUMBERS, PUBLIC_BASE_URL
from tests.fakes.server import LoopbackServer
from tests.simulator.conftest import PROXY, SIM_KEY, TOKEN, api, dispatch, feed

# ---- on and off


def test_it_is_on_without_a_twilio_account():
    assert Config.from_env({}).simulator is True


def test_it_stays_off_beside_a_real_auth_token_even_without_an_account_sid():
    # A staging set-up that real Twilio webhooks reach: the page would sign for anyone.
    assert Config.from_env({"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef"}).simulator is False
    with pytest.raises(ConfigError) as refused:
        Config.from_env({"TWILIO_AUTH_TOKEN": "0123456789abcdef0123456789abcdef", "SIMULATOR": "1"})
    assert refused.value.name == "SIMULATOR"


def test_it_is_off_with_a_twilio_account(app):
    with_account = create_app(_account_settings(app))
    assert with_account.extensions["korte_lijn"].config.simulator is False
    plain = with_account.test_client()
    for path in ("/simulator", "/simulator/api/feed", "/simulator/static/simulator.js"):
        assert plain.get(path).status_code == 404
    assert plain.post("/simulator/api/events", json={"type": "case.cancelled"}).status_code == 404
    with_account.extensions["korte_lijn"].db.dispose()


def test_simulator_0_turns_it_off_without_an_account(settings):
    off = create_app({**settings, "SIMULATOR": "0"})
    assert off.test_client().get("/simulator").status_code == 404
    assert off.extensions["korte_lijn"].config.simulator is False
    off.extensions["korte_lijn"].db.dispose()


def test_it_refuses_to_start_with_simulator_1_beside_a_real_twilio_account(app):
    with pytest.raises(ConfigError) as refused:
        Config.from_env({**_account_settings(app), "SIMULATOR": "1"})
    assert refused.value.name == "SIMULATOR"
    assert "real phones" in str(refused.value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("Off", False),
    ],
)
def test_it_reads_simulator_as_a_strict_boolean(value, expected):
    assert Config.from_env({"SIMULATOR": value}).simulator is expected


@pytest.mark.parametrize("value", ["2", "maybe", "ja", "1.0"])
def test_a_malformed_simulator_value_stops_start_up(value):
    with pytest.raises(ConfigError) as refused:
        Config.from_env({"SIMULATOR": value})
    assert refused.value.name == "SIMULATOR"


def _account_settings(app) -> dict:
    config = app.extensions["korte_lijn"].config
    return {
        "DATABASE_URL": config.database_url,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PROXY_NUMBERS": ",".join(PROXY_NUMBERS),
        "CASE_API_KEYS": SIM_KEY,
        "CASE_CALLBACK_URL": "https://cs.example",
        "CASE_CALLBACK_SECRET": CALLBACK_SECRET,
    }


# ---- the page


def test_it_shows_three_phones_a_landline_and_the_seed_story(client):
    page = client.get("/simulator")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for label in ("Anna, the resident", "Jan, the crew", "A stranger", "Anna&#39;s landline", "Case system"):
        assert label in html
    assert "Seed story: dispatch crew Jan to Anna (C-1)" in html and '"case_id": "C-1"' in html
    assert "set TWILIO_AUTH_TOKEN" not in html
    with client.get("/simulator/static/simulator.css") as stylesheet:
        assert stylesheet.status_code == 200 and stylesheet.content_type.startswith("text/css")


def test_it_warns_on_the_page_and_refuses_to_sign_without_the_secrets(settings):
    bare = create_app(
        {key: value for key, value in settings.items() if key not in ("TWILIO_AUTH_TOKEN", "CASE_API_KEYS")}
    )
    client = bare.test_client()
    assert "set TWILIO_AUTH_TOKEN and CASE_API_KEYS" in client.get("/simulator").get_data(as_text=True)
    text = api(client, "/phones/anna/texts", {"to": PROXY, "body": "ja"})
    assert text.status_code == 409 and "TWILIO_AUTH_TOKEN" in text.get_json()["error"]["message"]
    event = api(client, "/events", {"type": "case.completed", "data": {"case_id": "C-1"}})
    assert event.status_code == 409 and "CASE_API_KEYS" in event.get_json()["error"]["message"]
    bare.extensions["korte_lijn"].db.dispose()


# ---- the story through the gateway's own endpoints


def test_it_plays_the_seed_story_through_the_real_endpoints(client, run_worker, fast_forward):
    answer = dispatch(client)
    assert answer["status"] == 202 and answer["answer"]["proxy_number"] == PROXY
    run_worker()
    texts = feed(client)
    assert {(item["phone"], item["from"]) for item in texts} == {("anna", PROXY), ("jan", PROXY)}
    assert "De ploeg kan u bellen" in next(item["body"] for item in texts if item["phone"] == "anna")

    relayed = api(client, "/phones/jan/texts", {"to": PROXY, "body": "Ik ben er om 10 uur."})
    assert relayed.get_json()["status"] == 200
    run_worker()
    assert [item["body"] for item in feed(client, texts[-1]["id"])] == [
        "Gemeente Voorbeeldstad, ploeg: Ik ben er om 10 uur."
    ]

    api(client, "/events", {"type": "case.completed", "data": {"case_id": "C-1"}})
    fast_forward(2)
    run_worker()
    api(client, "/phones/anna/texts", {"to": PROXY, "body": "Nee, het gat zit er nog"})
    run_worker()
    callbacks = [item for item in feed(client) if item["channel"] == "callback"]
    assert callbacks[-1]["payload"]["type"] == "case.reopened"
    assert callbacks[-1]["payload"]["data"]["reply"] == "Nee, het gat zit er nog"


def test_a_call_to_the_proxy_number_shows_who_it_would_ring(client, run_worker):
    dispatch(client)
    call = api(client, "/phones/jan/calls", {"to": PROXY}).get_json()
    assert call["status"] == 200 and call["call"]["direction"] == "inbound"
    dial = next(step for step in call["steps"] if step["kind"] == "dial")
    assert dial == {"kind": "dial", "number": ANNA.phone, "phone": "anna", "caller_id": PROXY}


def test_a_stranger_calling_a_proxy_number_is_rung_through_to_no_one(client):
    dispatch(client)
    call = api(client, "/phones/stranger/calls", {"to": PROXY}).get_json()
    assert [step["kind"] for step in call["steps"]] == ["say", "hangup"]
    assert "is niet voor u" in call["steps"][0]["text"]


def test_a_landline_resident_answers_the_call_and_presses_keys(client, run_worker, fast_forward):
    dispatch(client, "C-2", "020 123 4567")
    run_worker()
    ringing = next(item for item in feed(client) if item["channel"] == "call")
    assert ringing["phone"] == "anna-landline" and ringing["from"] == PROXY
    answered = api(client, "/phones/anna-landline/calls/answer", {"delivery": ringing["id"]}).get_json()
    gather = next(step for step in answered["steps"] if step["kind"] == "gather")
    assert "het probleem oplossen" in gather["text"] and gather["action"].startswith(PUBLIC_BASE_URL + "/twilio/ivr/")
    again = api(
        client, "/phones/anna-landline/calls/step", {"call": answered["call"], "url": gather["action"], "digits": "9"}
    ).get_json()
    assert "het probleem oplossen" in next(step for step in again["steps"] if step["kind"] == "gather")["text"]
    ended = api(client, "/phones/anna-landline/calls/end", {"delivery": ringing["id"], "status": "completed"})
    assert ended.get_json()["status"] == 204

    api(client, "/events", {"type": "case.completed", "data": {"case_id": "C-2"}})
    fast_forward(2)
    run_worker()
    question = [item for item in feed(client) if item["channel"] == "call"][-1]
    asked = api(client, "/phones/anna-landline/calls/answer", {"delivery": question["id"]}).get_json()
    action = next(step for step in asked["steps"] if step["kind"] == "gather")["action"]
    api(client, "/phones/anna-landline/calls/step", {"call": asked["call"], "url": action, "digits": "2"})
    run_worker()
    reopened = [item for item in feed(client) if item["channel"] == "callback"][-1]["payload"]
    assert reopened["type"] == "case.reopened" and reopened["data"]["reply"] == "toets 2"


def test_texts_to_numbers_that_are_not_the_simulators_are_masked(client, run_worker):
    dispatch(client, citizen="06 22223333")
    run_worker()
    other = next(item for item in feed(client) if item["phone"] is None)
    assert other["to"] == "+316****3333"


def test_the_gateway_is_not_special_cased_an_unsigned_copy_is_refused(client):
    dispatch(client)
    form = {"MessageSid": "SM1", "From": JAN.phone, "To": PROXY, "Body": "hoi"}
    assert client.post("/twilio/sms", data=form).status_code == 403
    forged = RequestValidator("another-token").compute_signature(PUBLIC_BASE_URL + "/twilio/sms", form)
    assert client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": forged}).status_code == 403


# ---- signing, over real HTTP


@pytest.fixture
def recorder():
    """A stand-in for the gateway's own address that keeps what it was sent."""
    seen = []

    def wsgi(environ, start_response):
        request = Request(environ)
        seen.append((request.full_path.rstrip("?"), request.headers, request.form.to_dict(), request.get_data()))
        return Response("<Response/>", mimetype="text/xml")(environ, start_response)

    server = LoopbackServer(wsgi).start()
    yield server, seen
    server.stop()


def test_it_signs_like_twilio_over_public_base_url_path_and_query(app, client, recorder):
    server, seen = recorder
    app.config[SELF_URL] = server.url
    call = {"sid": "CA" + "1" * 32, "direction": "outbound", "proxy": PROXY}
    url = PUBLIC_BASE_URL + "/twilio/ivr/answer?case=7&round=1&attempt=1"
    api(client, "/phones/anna-landline/calls/step", {"call": call, "url": url, "digits": "2"})
    path, headers, form, _ = seen[-1]
    assert path == "/twilio/ivr/answer?case=7&round=1&attempt=1"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["Digits"] == "2" and form["From"] == PROXY and form["To"] == "+31201234567"
    validator = RequestValidator(TOKEN)
    assert validator.validate(url, form, headers["X-Twilio-Signature"])
    # Signed for the public URL, not for the address the request travelled to.
    assert not validator.validate(server.url + path, form, headers["X-Twilio-Signature"])


def test_it_sends_events_with_the_case_systems_key(app, client, recorder):
    server, seen = recorder
    app.config[SELF_URL] = server.url
    api(client, "/events", {"type": "case.completed", "data": {"case_id": "C-1"}})
    path, headers, _, body = seen[-1]
    assert path == "/v1/events" and headers["Authorization"] == "Bearer " + SIM_KEY
    assert headers["webhook-id"].startswith("sim_") and json.loads(body)["type"] == "case.completed"


def test_it_goes_over_real_http_through_a_running_server(app, client, run_worker):
    server = LoopbackServer(app).start()
    try:
        app.config[SELF_URL] = server.url
        assert dispatch(client)["status"] == 202
        call = api(client, "/phones/jan/calls", {"to": PROXY}).get_json()
        assert next(step for step in call["steps"] if step["kind"] == "dial")["phone"] == "anna"
    finally:
        server.stop()


def test_it_signs_events_with_the_webhook_secret_when_there_is_no_key(settings, run_worker):
    signed_only = create_app(
        {**{k: v for k, v in settings.items() if k != "CASE_API_KEYS"}, "CASE_EVENTS_SECRET": EVENTS_SECRET}
    )
    answer = api(signed_only.test_client(), "/events", {"type": "case.cancelled", "data": {"case_id": "nope"}})
    assert answer.get_json()["status"] == 404  # authenticated; the case is just unknown
    signed_only.extensions["korte_lijn"].db.dispose()


# ---- the sink


def test_callbacks_still_reach_a_configured_case_system_and_are_shown(settings, case_system):
    both = create_app({**settings, "CASE_CALLBACK_URL": case_system.url, "CASE_CALLBACK_SECRET": CALLBACK_SECRET})
    case_system.reset()
    client, rt = both.test_client(), both.extensions["korte_lijn"]
    dispatch(client)
    rt.worker.tick()
    api(client, "/phones/anna/texts", {"to": PROXY, "body": "STOP"})
    rt.worker.tick()
    shown = [item["payload"]["type"] for item in feed(client) if item["channel"] == "callback"]
    assert shown == ["citizen.opted_out"]
    assert [delivery.type for delivery in case_system.deliveries] == ["citizen.opted_out"]
    assert case_system.rejected == []
    rt.db.dispose()


def test_the_sink_keeps_nothing_longer_than_retention_days(runtime):
    sink = Sink(runtime.db, runtime.config)
    with runtime.db.transaction() as session:
        session.add(
            SimulatedDelivery(
                channel="sms",
                to_number=ANNA.phone,
                body="oud",
                at=utcnow() - timedelta(days=runtime.config.retention_days + 1),
            )
        )
    sink.record(channel="sms", to_number=ANNA.phone, body="nieuw")
    with runtime.db.transaction() as session:
        assert [row.body for row in session.scalars(select(SimulatedDelivery))] == ["nieuw"]


# ---- hostile input to the simulator's API


def test_it_refuses_a_body_that_is_not_json(client):
    assert api(client, "/events", "type=case.completed", "application/x-www-form-urlencoded").status_code == 415
    for bad in ("{not json", "[1, 2]", '"text"', "null", b"\xff\xfe{"):
        answer = api(client, "/events", bad)
        assert answer.status_code == 400, bad
        assert answer.get_json()["error"]["code"] == "malformed_json"


def test_it_hands_the_gateways_own_refusal_of_a_bad_event_back(client):
    answer = api(client, "/events", {"type": "case.exploded", "data": {}}).get_json()
    assert answer["status"] == 422 and answer["answer"]["error"]["field"] == "type"


def test_it_refuses_an_unknown_phone(client):
    for path in ("/phones/bob/texts", "/phones/../texts", "/phones/anna%00/calls"):
        answer = api(client, path, {"to": PROXY, "body": "hoi"})
        assert answer.status_code == 404, path
    assert api(client, "/phones/bob/texts", {"to": PROXY, "body": "x"}).get_json()["error"]["code"] == "unknown_phone"


def test_it_refuses_a_huge_body(client):
    answer = api(client, "/phones/anna/texts", {"to": PROXY, "body": "a" * 70_000})
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "body_too_large"
    assert api(client, "/phones/anna/texts", {"to": PROXY, "body": "a" * 1601}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"to": "+31600000000", "body": "hoi"},
        {"to": None, "body": "hoi"},
        {"to": PROXY, "body": ""},
        {"to": PROXY, "body": 12},
        {"to": [PROXY], "body": "x"},
    ],
)
def test_it_refuses_a_text_to_anything_but_a_proxy_number_or_without_words(client, body):
    assert api(client, "/phones/anna/texts", body).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/twilio/ivr/answer",
        PUBLIC_BASE_URL + ".evil.example/twilio/ivr/answer",
        PUBLIC_BASE_URL + "/v1/events",
        PUBLIC_BASE_URL + "/twilio/sms",
        12,
        None,
        PUBLIC_BASE_URL + "/twilio/ivr/" + "a" * 600,
    ],
)
def test_a_call_step_only_follows_the_gateways_own_ivr_urls(client, url):
    call = {"sid": "CA" + "1" * 32, "direction": "inbound", "proxy": PROXY}
    answer = api(client, "/phones/anna/calls/step", {"call": call, "url": url, "digits": "1"})
    assert answer.status_code == 400 and answer.get_json()["error"]["field"] == "url"


@pytest.mark.parametrize(
    "call, digits",
    [
        ({"sid": "CA1", "direction": "inbound", "proxy": PROXY}, "1"),
        ({"sid": "CA" + "1" * 32, "direction": "sideways", "proxy": PROXY}, "1"),
        ({"sid": "CA" + "1" * 32, "direction": "inbound", "proxy": "+31600000000"}, "1"),
        ("CA123", "1"),
        ({"sid": "CA" + "1" * 32, "direction": "inbound", "proxy": PROXY}, "1; DROP"),
        ({"sid": "CA" + "1" * 32, "direction": "inbound", "proxy": PROXY}, 1),
    ],
)
def test_a_call_step_refuses_a_made_up_call_or_keys(client, call, digits):
    url = PUBLIC_BASE_URL + "/twilio/ivr/answer?case=1&round=1"
    assert api(client, "/phones/anna/calls/step", {"call": call, "url": url, "digits": digits}).status_code == 400


def test_answering_only_works_for_a_call_that_rang_this_phone(client, run_worker):
    dispatch(client, "C-2", "020 123 4567")
    run_worker()
    ringing = next(item for item in feed(client) if item["channel"] == "call")
    assert api(client, "/phones/jan/calls/answer", {"delivery": ringing["id"]}).status_code == 404
    assert api(client, "/phones/anna-landline/calls/answer", {"delivery": 99999}).status_code == 404
    for bad in ("1", True, None, 1.5):
        assert api(client, "/phones/anna-landline/calls/answer", {"delivery": bad}).status_code == 400
    assert (
        api(client, "/phones/anna-landline/calls/end", {"delivery": ringing["id"], "status": "exploded"}).status_code
        == 400
    )


@pytest.mark.parametrize("after", ["abc", "-1", "1e9", "9" * 20])
def test_the_feed_refuses_a_bad_cursor(client, after):
    assert client.get(f"/simulator/api/feed?after={after}").status_code == 400


def test_the_language_preset_plays_the_story_in_turkish(client, app, run_worker, fast_forward):
    [dispatched, completed] = [
        preset["event"]
        for preset in story.presets(app.extensions["korte_lijn"].config)
        if preset["label"].startswith("Her language:")
    ]
    assert dispatched["data"]["citizen"]["language"] == "tr"
    assert api(client, "/events", dispatched).get_json()["status"] == 202
    run_worker()
    [notice] = [item["body"] for item in feed(client) if item["phone"] == "anna"]
    turkish = [
        messages.DEFAULT_TEXTS.render(
            "tr",
            "dispatch_citizen",
            org="Gemeente Voorbeeldstad",
            reference="MOR-3",
            address="Dorpsweg 3",
            eta="",
            code=code,
        )
        for code in re.findall(r"\b\d{3}\b", notice)
    ]
    assert notice in turkish
    api(client, "/events", completed)
    fast_forward(2)
    run_worker()
    api(client, "/phones/anna/texts", {"to": PROXY, "body": "Hayır, çukur hâlâ orada"})
    run_worker()
    callbacks = [item for item in feed(client) if item["channel"] == "callback"]
    assert callbacks[-1]["payload"]["type"] == "case.reopened"
    assert callbacks[-1]["payload"]["data"]["reply"] == "Hayır, çukur hâlâ orada"
