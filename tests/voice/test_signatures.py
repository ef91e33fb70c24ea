"""Every voice endpoint refuses a request Twilio did not sign for exactly these parameters."""

from __future__ import annotations

import uuid

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import JAN, PUBLIC_BASE_URL
from tests.twiml import local, query
from tests.voice.conftest import LOES, outbox_id, the_question, twiml

# -- signatures ----------------------------------------------------------------------------------------


def voice_endpoints(action: str, call: dict) -> dict[str, tuple[str, dict]]:
    """Every voice endpoint, with a form that would have an effect if it were accepted."""
    params = query(action)
    case_query = f"case={params['case']}&round={params['round']}&attempt=1"
    base = {"CallSid": call["sid"], "From": LOES.phone, "To": call["From"]}
    return {
        "voice": ("/twilio/voice", base),
        "call": (local(call["Url"]), base),
        "question": (f"/twilio/ivr/question?{case_query}", base),
        "answer": (f"/twilio/ivr/answer?{case_query}", {**base, "Digits": "1"}),
        "repeat": (f"/twilio/ivr/repeat?o={outbox_id(call)}", {**base, "Digits": "9"}),
        "code": ("/twilio/ivr/code?attempt=1", {**base, "Digits": "1234#"}),
        "call-status": (local(call["StatusCallback"]), {**base, "CallStatus": "failed"}),
    }


@pytest.mark.parametrize("endpoint", ["voice", "call", "question", "answer", "repeat", "code", "call-status"])
def test_every_voice_endpoint_refuses_a_missing_or_bad_signature(
    endpoint, asked, pick_up, client, twilio, run_worker, case_system, case_document
):
    question = asked()
    action = the_question(twiml(pick_up(question))).get("action")
    path, form = voice_endpoints(action, question)[endpoint]
    before = case_document()
    forgeries = {
        "missing": None,
        "empty": "",
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "other-token": RequestValidator("someone-elses-token").compute_signature(PUBLIC_BASE_URL + path, form),
        # What a naive check computes from the Host the request came in on.
        "other-url": twilio.validator.compute_signature("http://localhost" + path, form),
        "tampered-form": twilio.validator.compute_signature(PUBLIC_BASE_URL + path, {**form, "From": JAN.phone}),
    }
    for forgery, signature in forgeries.items():
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        response = client.post(path, data=form, headers=headers)
        assert response.status_code == 403, forgery
        assert b"<Gather" not in response.data and b"<Say" not in response.data
    run_worker()
    assert case_system.deliveries == []
    assert case_document() == before


def test_an_answer_url_with_a_tampered_query_is_refused(
    question_action, client, twilio, run_worker, case_system, case_document
):
    action = question_action()
    params = query(action)
    signed_path = local(action)
    forged_path = signed_path.replace(f"case={params['case']}", f"case={int(params['case']) + 1}")
    assert forged_path != signed_path
    form = {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "1"}
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + signed_path, form)
    assert client.post(forged_path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 403
    # The same signature on the URL it was made for is accepted: the refusal was about the query.
    assert client.post(signed_path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
    run_worker()
    [confirmed] = case_system.deliveries
    assert confirmed.type == "case.confirmed"


def test_an_answer_url_signed_for_other_parameters_is_refused(
    question_action, client, twilio, case_system, run_worker, case_document
):
    action = question_action()
    signed_path = local(action)
    form = {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "2"}
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + signed_path, form)
    for forged_path in [
        signed_path.replace("round=1", "round=2"),
        signed_path.replace("attempt=1", "attempt=2"),
        signed_path.split("?")[0],
        signed_path + "&case=1",
        signed_path.replace("/answer?", "/question?"),
    ]:
        assert forged_path != signed_path
        response = client.post(forged_path, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403, forged_path
    run_worker()
    assert case_system.deliveries == [] and case_document()["status"] == "awaiting_confirmation"


def test_a_key_tampered_after_signing_is_refused(question_action, client, twilio, case_system, run_worker):
    action = question_action()
    signature = twilio.validator.compute_signature(action, {"CallSid": "CA1234", "Digits": "5"})
    response = client.post(
        local(action), data={"CallSid": "CA1234", "Digits": "1"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    run_worker()
    assert case_system.deliveries == []
