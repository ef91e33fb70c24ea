"""30006 and 21614: she is on a line that takes no texts, so what still matters becomes a call."""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL, entries
from tests.fallback.conftest import (
    CALLED_PURPOSES,
    CONFIRMATION_DELAY,
    REMINDER_AFTER,
    called_purposes,
    outbox_id,
    placed_call_twiml,
    texts_to,
)
from tests.twiml import spoken

# -- 30006 and 21614: she is on a line that takes no texts ------------------------------------------


@pytest.mark.parametrize(
    "purpose, code",
    [
        *((purpose, "30006") for purpose in CALLED_PURPOSES),
        ("dispatch_citizen", "21614"),
        ("question", "21614"),
    ],
)
def test_it_calls_her_with_the_same_message_when_her_text_cannot_reach_a_landline(
    purpose, code, texted, fails, fake_twilio, case_system, client
):
    text = texted(purpose)
    fails(text, code)
    [call] = fake_twilio.calls
    assert (call["To"], call["From"]) == (ANNA.phone, text["From"])
    assert called_purposes(client) == [purpose]
    [switched] = entries(client, "channel.voice")
    assert switched["data"]["error_code"] == code and ANNA.phone not in switched["summary"]
    assert case_system.of_type("message.undeliverable") == []


def test_it_calls_her_when_twilio_reports_the_text_failed_rather_than_undelivered(
    texted, fails, fake_twilio, case_system
):
    fails(texted("dispatch_citizen"), "30006", status="failed")
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone]
    assert case_system.of_type("message.undeliverable") == []


def test_it_asks_for_the_fallback_calls_status_and_what_to_say_by_its_outbox_row(texted, fails, fake_twilio):
    fails(texted("dispatch_citizen"), "30006")
    [call] = fake_twilio.calls
    row = outbox_id(call)
    assert call["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/call-status?o={row}"
    assert call["Url"] == f"{PUBLIC_BASE_URL}/twilio/ivr/call?o={row}"


def test_it_reads_out_the_dispatch_notice_in_the_fallback_call(texted, fails, fake_twilio, twilio):
    fails(texted("dispatch_citizen"), "30006")
    root = placed_call_twiml(twilio, fake_twilio.calls[0])
    assert "Gemeente Utrecht" in spoken(root) and "Kerkstraat 12" in spoken(root)
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/ivr/repeat?")


def test_it_asks_the_question_in_the_fallback_call_and_listens_for_her_answer(texted, fails, fake_twilio, twilio):
    fails(texted("question"), "30006")
    root = placed_call_twiml(twilio, fake_twilio.calls[0])
    [gather] = root.findall("Gather")
    assert set(gather.get("input").split()) == {"dtmf", "speech"}
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/ivr/answer?")
    assert "Kerkstraat 12" in spoken(gather)


def test_it_reads_out_the_crews_own_words_in_the_fallback_call(texted, fails, fake_twilio, twilio):
    fails(texted("relay"), "21614")
    assert "We staan om 10 uur bij u." in spoken(placed_call_twiml(twilio, fake_twilio.calls[0]))


def test_it_introduces_the_crews_words_only_once_in_the_fallback_call(texted, fails, fake_twilio, twilio):
    fails(texted("relay"), "30006")
    said = spoken(placed_call_twiml(twilio, fake_twilio.calls[0]))
    assert said.count("Gemeente Utrecht") == 1


@pytest.mark.parametrize(
    "words",
    [
        '</Say><Dial callerId="+3197010000001">+31611112222</Dial><Say>',
        "]]><Play>https://evil.example/x.mp3</Play><Redirect>https://evil.example/</Redirect>",
    ],
    ids=["dial", "cdata-play-redirect"],
)
def test_it_reads_markup_in_the_crews_words_aloud_rather_than_obeying_it(
    words, case_api, twilio, run_worker, fails, fake_twilio
):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(JAN, words, to=proxy)
    run_worker()
    fails(texts_to(fake_twilio)[-1], "30006")
    root = placed_call_twiml(twilio, fake_twilio.calls[0])
    assert {element.tag for element in root.iter()} <= {"Response", "Say", "Gather", "Hangup"}
    assert words in spoken(root)


def test_it_calls_rather_than_texts_her_from_then_on(
    texted, fails, twilio, case_api, run_worker, fast_forward, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    fails(notice, "30006")
    twilio.text(JAN, "We zijn er over een kwartier.", to=notice["From"])
    run_worker()
    case_api.complete()
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert texts_to(fake_twilio) == [notice]
    assert called_purposes(client) == ["dispatch_citizen", "relay", "question", "reminder"]
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone] * 4


def test_it_does_not_call_to_say_thank_you_once_she_is_on_voice(texted, fails, twilio, fake_twilio, client):
    question = texted("question")
    fails(question, "30006")
    assert twilio.text(ANNA, "ja", to=question["From"]).status_code == 200  # she got a text through after all
    assert len(fake_twilio.calls) == 1
    [skipped] = entries(client, "call.skipped")
    assert skipped["data"]["purpose"] == "thanks_yes"


def test_it_keeps_texting_the_crew_after_she_went_over_to_voice(texted, fails, twilio, run_worker, fake_twilio):
    notice = texted("dispatch_citizen")
    fails(notice, "30006")
    twilio.text(ANNA, "Ik ben thuis vanaf 9 uur.", to=notice["From"])
    run_worker()
    assert texts_to(fake_twilio, JAN)[-1]["Body"].endswith("Ik ben thuis vanaf 9 uur.")


def test_it_falls_back_to_a_call_when_twilio_refuses_the_text_with_21614(
    case_api, run_worker, fake_twilio, case_system, client
):
    proxy = case_api.dispatch().json["proxy_number"]
    fake_twilio.fail_next(status=400, code=21614)  # the first text out is Anna's dispatch notice
    run_worker(2)
    assert texts_to(fake_twilio) == []
    [call] = fake_twilio.calls
    assert (call["To"], call["From"]) == (ANNA.phone, proxy)
    assert called_purposes(client) == ["dispatch_citizen"]
    assert entries(client, "channel.voice")[0]["data"]["error_code"] == "21614"
    assert case_system.of_type("message.undeliverable") == []


def test_it_calls_with_the_crews_message_when_twilio_refuses_the_relay_with_21614(
    texted, twilio, run_worker, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    fake_twilio.fail_next(status=400, code=21614)
    twilio.text(JAN, "Mag de auto even weg?", to=notice["From"])
    run_worker(2)
    assert called_purposes(client) == ["relay"]
    assert "Mag de auto even weg?" in spoken(placed_call_twiml(twilio, fake_twilio.calls[0]))
