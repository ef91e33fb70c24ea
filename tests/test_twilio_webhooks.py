"""Twilio's webhooks: signatures, redelivery, and whatever a hostile or odd sender posts."""

import uuid
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from gateway.core.models import InboundMessage
from tests.conftest import ANNA, AUTH_TOKEN, JAN, PROXY_NUMBERS, PUBLIC_BASE_URL, STRANGER

PATHS = ("/twilio/sms", "/twilio/voice", "/twilio/status")


@pytest.fixture
def job(case_api, run_worker, fake_twilio, case_system):
    """An open job whose dispatch texts are out; returns P and the SID of Anna's notice."""
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    [notice] = [m for m in fake_twilio.messages if m["To"] == ANNA.phone]
    fake_twilio.reset()
    case_system.reset()
    return proxy, notice["sid"]


def webhook(path: str, proxy: str, notice_sid: str) -> tuple[dict, str, str]:
    """A form that would have an effect if accepted, and the field an attacker would change."""
    forms = {
        "/twilio/sms": (
            {
                "MessageSid": "SM" + uuid.uuid4().hex,
                "From": JAN.phone,
                "To": proxy,
                "Body": "Bent u thuis?",
                "NumMedia": "0",
            },
            "Body",
            "Bel me op 0900-1234",
        ),
        "/twilio/voice": ({"CallSid": "CA" + uuid.uuid4().hex, "From": STRANGER.phone, "To": proxy}, "From", JAN.phone),
        "/twilio/status": ({"MessageSid": notice_sid, "MessageStatus": "delivered"}, "MessageStatus", "failed"),
    }
    return forms[path]


def sign(url: str, form: dict, token: str = AUTH_TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def assert_no_effect(response, run_worker, fake_twilio, case_system, case_document):
    assert response.status_code == 403
    assert b"<Dial" not in response.data
    run_worker()
    assert fake_twilio.messages == [] and case_system.deliveries == []
    kinds = {entry["kind"] for entry in case_document()["timeline"]}
    assert not kinds & {"text.received", "text.status", "call.connected", "call.refused"}


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("forgery", ["missing", "garbage", "other-token", "other-url", "tampered"])
def test_it_refuses_a_webhook_without_a_valid_signature(
    path, forgery, job, client, run_worker, fake_twilio, case_system, case_document
):
    form, field, forged_value = webhook(path, *job)
    signature = {
        "missing": None,
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "other-token": sign(PUBLIC_BASE_URL + path, form, token="someone-elses-token"),
        # What a naive check computes from the Host the request came in on.
        "other-url": sign("http://localhost" + path, form),
        "tampered": sign(PUBLIC_BASE_URL + path, form),
    }[forgery]
    if forgery == "tampered":
        form = {**form, field: forged_value}
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = client.post(path, data=form, headers=headers)
    assert_no_effect(response, run_worker, fake_twilio, case_system, case_document)


def test_it_refuses_a_status_signature_that_leaves_out_the_query(
    job, client, run_worker, fake_twilio, case_system, case_document
):
    form, _, _ = webhook("/twilio/status", *job)
    response = client.post(
        "/twilio/status?o=1", data=form, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + "/twilio/status", form)}
    )
    assert_no_effect(response, run_worker, fake_twilio, case_system, case_document)


@pytest.mark.parametrize("path", PATHS)
def test_it_accepts_a_signature_over_the_public_url_whatever_host_the_proxy_used(path, job, client):
    form, _, _ = webhook(path, *job)
    response = client.post(
        path,
        data=form,
        base_url="http://10.0.0.7:8000",
        headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, form)},
    )
    assert response.status_code == (204 if path == "/twilio/status" else 200)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("token", [AUTH_TOKEN, ""], ids=["old-token", "empty-token"])
def test_it_refuses_every_webhook_when_no_auth_token_is_configured(path, token, settings, request):
    settings.update(TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="")
    client = request.getfixturevalue("client")
    form, _, _ = webhook(path, PROXY_NUMBERS[0], "SM" + uuid.uuid4().hex)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, form, token)})
    assert response.status_code == 403


def test_it_acts_once_on_a_redelivered_message_sid(job, twilio, fake_twilio, case_system, run_worker):
    proxy, _ = job
    sid = "SM" + uuid.uuid4().hex
    assert twilio.text(ANNA, "Het gat is nog open.", to=proxy, sid=sid).status_code == 200
    run_worker()
    # Twilio redelivers after a timeout, sometimes long after the worker has sent the relay.
    assert twilio.text(ANNA, "Het gat is nog open.", to=proxy, sid=sid).status_code == 200
    run_worker()
    assert len(fake_twilio.texts_to(JAN.phone)) == 1
    assert len(case_system.of_type("case.citizen_message")) == 1


@pytest.mark.parametrize("sid", [None, "", "   ", "SM" + "0" * 100], ids=["missing", "empty", "blank", "too-long"])
def test_it_refuses_a_text_without_a_usable_message_sid(sid, job, twilio, fake_twilio, run_worker):
    form = {"From": ANNA.phone, "To": job[0], "Body": "Hallo", "NumMedia": "0"}
    if sid is not None:
        form["MessageSid"] = sid
    assert twilio.post("/twilio/sms", form).status_code == 400
    run_worker()
    assert fake_twilio.messages == []


def test_it_does_not_blame_the_database_for_a_mangled_message_sid(job, twilio):
    # PostgreSQL refuses NUL in text; a 503 would make Twilio retry what can never succeed.
    assert twilio.text(ANNA, "Hallo", to=job[0], sid="SM\x00" + uuid.uuid4().hex).status_code in (200, 400)


@pytest.mark.parametrize(
    "body",
    [
        "Het gat\x00 is nog open",
        "\u202bRTL-tekst \u200fمرحبا\u200e en terug",
        "Het gat \U0001f573\ufe0f is er nog \U0001f621\U0001f44d\U0001f3fd",
        "x" * 2500,
    ],
    ids=["nul", "rtl", "emoji", "2500-chars"],
)
def test_it_relays_odd_bodies_without_failing(body, job, twilio, fake_twilio, case_system, run_worker):
    response = twilio.text(ANNA, body, to=job[0])
    assert response.status_code == 200
    run_worker()
    [relayed] = fake_twilio.texts_to(JAN.phone)
    [callback] = case_system.of_type("case.citizen_message")
    assert "\x00" not in relayed and "\x00" not in callback.data["text"]
    if len(body) < 1600 and "\x00" not in body:
        assert relayed.endswith(body) and callback.data["text"] == body


def test_it_keeps_a_relayed_long_text_within_twilios_limit(job, twilio, fake_twilio, run_worker):
    # Twilio refuses a body over 1600 characters (error 21617): the crew would get nothing.
    twilio.text(ANNA, "Het gat is heel diep. " * 100, to=job[0])
    run_worker()
    [relayed] = fake_twilio.texts_to(JAN.phone)
    assert len(relayed) <= 1600


@pytest.mark.parametrize("num_media", ["abc", "-1", "9" * 40])
def test_it_survives_a_nonsense_media_count(num_media, job, twilio, fake_twilio, run_worker):
    assert twilio.text(ANNA, "Zie foto", to=job[0], NumMedia=num_media).status_code == 200
    run_worker()
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith("Zie foto")


MMS = {
    "NumMedia": "1",
    "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
    "MediaContentType0": "image/jpeg",
}


@pytest.mark.parametrize("sender, reader", [(ANNA, JAN), (JAN, ANNA)], ids=["citizen-sends", "crew-sends"])
def test_it_tells_the_other_party_a_picture_was_not_forwarded(sender, reader, job, twilio, fake_twilio, run_worker):
    assert twilio.text(sender, "", to=job[0], **MMS).status_code == 200
    run_worker()
    [notice] = fake_twilio.texts_to(reader.phone)
    assert "foto" in notice and "niet doorgestuurd" in notice
    assert "api.twilio.com" not in notice  # the media URL needs our credentials; it must not leak


def test_it_mentions_the_picture_that_came_with_a_caption(job, twilio, fake_twilio, run_worker):
    # The crew should know a photo of the hole exists, even though it is not forwarded.
    twilio.text(ANNA, "Zo ziet het gat eruit", to=job[0], **MMS)
    run_worker()
    [relayed] = fake_twilio.texts_to(JAN.phone)
    assert "Zo ziet het gat eruit" in relayed and "foto" in relayed


@pytest.mark.parametrize(
    "sender, to",
    [
        (STRANGER.phone, None),
        ("anonymous", None),
        ("KPN", None),
        ("", None),
        (JAN.phone, "+3197010000009"),
        (JAN.phone, PROXY_NUMBERS[2]),
    ],
    ids=["stranger", "anonymous", "alphanumeric-sender", "no-sender", "not-our-number", "not-his-number"],
)
def test_it_ignores_a_text_that_belongs_to_no_job_and_keeps_no_words(
    sender, to, job, twilio, fake_twilio, case_system, runtime, run_worker
):
    sid = "SM" + uuid.uuid4().hex
    response = twilio.text(sender, "Mijn pincode is 1234", to=to or job[0], sid=sid)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and len(root) == 0
    run_worker()
    assert fake_twilio.messages == [] and case_system.deliveries == []
    with runtime.db.transaction() as session:
        stored = session.scalars(select(InboundMessage.body).where(InboundMessage.message_sid == sid)).all()
    assert stored in ([], [None])


def test_it_answers_a_signed_hook_with_a_row_id_past_the_integer_range_without_a_500(client):
    # PostgreSQL refused the lookup ("integer out of range") and the hook answered 500.
    path = "/twilio/ivr/call?o=" + "9" * 30
    answer = client.post(path, data={}, headers={"X-Twilio-Signature": sign(PUBLIC_BASE_URL + path, {})})
    assert answer.status_code < 500
