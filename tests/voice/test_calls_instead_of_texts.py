"""Loes is called where Anna would be texted, and only with what is worth a call."""

from __future__ import annotations

import pytest

from tests.conftest import JAN, PUBLIC_BASE_URL, Persona
from tests.voice.conftest import CASE_ID, LOES, outbox_id, the_question, twiml

# -- calls instead of texts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "national, e164",
    [
        ("020 123 4567", "+31201234567"),
        ("030 286 0000", "+31302860000"),
        ("+31 30 286 0000", "+31302860000"),
        ("085 208 0000", "+31852080000"),
        ("010 123 4567", "+31101234567"),
    ],
    ids=["fixed-amsterdam", "fixed-utrecht", "fixed-international", "voip", "fixed-rotterdam"],
)
def test_it_calls_a_citizen_on_a_number_that_takes_no_texts(national, e164, case_api, run_worker, fake_twilio):
    assert case_api.dispatch(citizen=Persona("Thuis", e164, national)).status_code == 202
    run_worker()
    [call] = fake_twilio.calls
    assert call["To"] == e164
    assert [m["To"] for m in fake_twilio.messages] == [JAN.phone]


def test_it_still_texts_the_crew_when_the_citizen_is_on_a_landline(landline_job, fake_twilio):
    proxy = landline_job()
    [text] = fake_twilio.messages
    assert (text["To"], text["From"]) == (JAN.phone, proxy)
    assert "Kerkstraat 12" in text["Body"]
    assert all(call["To"] != JAN.phone for call in fake_twilio.calls)


def test_it_places_the_call_from_the_proxy_number_with_urls_that_name_the_outbox_row(landline_job, calls_to):
    proxy = landline_job()
    [call] = calls_to()
    row = outbox_id(call)
    assert (call["From"], call["To"]) == (proxy, LOES.phone)
    assert call["Url"] == f"{PUBLIC_BASE_URL}/twilio/ivr/call?o={row}"
    assert call["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/call-status?o={row}"
    assert call["Method"] == "POST" and call["StatusCallbackMethod"] == "POST"


def test_it_notes_the_placed_call_on_the_timeline_with_the_number_masked(landline_job, case_document, client):
    landline_job()
    kinds = [entry["kind"] for entry in case_document()["timeline"]]
    assert "call.queued" in kinds and "call.sent" in kinds
    raw = client.get(f"/v1/cases/{CASE_ID}", headers={"Authorization": "Bearer retired-case-system-key"}).get_data(
        as_text=True
    )
    assert LOES.phone not in raw


def test_it_calls_her_with_the_question_after_the_job_and_texts_her_nothing(asked, fake_twilio, calls_to):
    question = asked()
    assert question["To"] == LOES.phone and outbox_id(question) > outbox_id(calls_to()[0])
    assert fake_twilio.texts_to(LOES.phone) == []


def test_it_asks_nothing_before_confirmation_delay(landline_job, case_api, run_worker, fast_forward, calls_to):
    landline_job()
    case_api.complete()
    fast_forward(1790)
    run_worker()
    assert len(calls_to()) == 1


def test_it_calls_her_with_the_reminder_when_the_question_went_unanswered(
    asked, run_worker, fast_forward, calls_to, pick_up
):
    asked()
    fast_forward(86400)
    run_worker()
    [_, _, reminder] = calls_to()
    gather = the_question(twiml(pick_up(reminder)))
    assert "nog een keer" in gather.find("Say").text


def test_it_does_not_ring_her_to_say_thank_you(question_action, press, run_worker, fast_forward, fake_twilio, calls_to):
    press(question_action(), "1")
    run_worker()
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 2
    assert fake_twilio.texts_to(LOES.phone) == []


def test_it_does_not_ring_her_to_say_her_message_was_passed_on(
    question_action, press, twilio, run_worker, case_system, calls_to, case_document
):
    # Some fixed lines can text: what she texts after the job reaches the case system, no call follows.
    press(question_action(), "1")
    proxy = case_document()["proxy_number"]
    assert twilio.text(LOES, "Wie haalt het zand weg dat op de stoep ligt?", to=proxy).status_code == 200
    run_worker()
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Wie haalt het zand weg dat op de stoep ligt?"
    assert len(calls_to()) == 2
    assert "call.skipped" in [entry["kind"] for entry in case_document()["timeline"]]
