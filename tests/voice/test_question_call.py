"""The question call: Loes answers with a key or in words, once per round; stale and unknown answers change nothing."""

from __future__ import annotations

import uuid

import pytest

from tests.twiml import local, query, spoken
from tests.voice.conftest import CASE_ID, LOES, hangs_up, the_question, twiml

# -- the question call ---------------------------------------------------------------------------


def test_the_question_call_gathers_a_key_or_words_for_this_case_and_round(asked, pick_up, case_document):
    root = twiml(pick_up(asked()))
    gather = the_question(root)
    params = query(gather.get("action"))
    assert params["round"] == str(case_document()["round"]) == "1" and params["attempt"] == "1"
    assert params["case"].isdigit()
    say = gather.find("Say")
    assert say.get("language") == "nl-NL" and gather.get("language") == "nl-NL"
    assert "Kerkstraat 12" in say.text and "Druk op 1" in say.text and "Druk op 2" in say.text


def test_silence_on_the_question_asks_it_once_more(asked, pick_up, twilio):
    root = twiml(pick_up(asked()))
    action = the_question(root).get("action")
    [redirect] = root.findall("Redirect")
    assert [child.tag for child in root] == ["Gather", "Redirect"]
    assert redirect.get("method") == "POST"
    assert local(redirect.text).startswith("/twilio/ivr/question?")
    assert query(redirect.text) == {**query(action), "attempt": "2"}

    again = twiml(twilio.post(local(redirect.text), {"CallSid": "CA" + uuid.uuid4().hex}))
    assert query(the_question(again).get("action"))["attempt"] == "2"


def test_silence_twice_says_goodbye_and_hangs_up(asked, pick_up, twilio, case_system, run_worker):
    redirect = twiml(pick_up(asked())).find("Redirect").text
    root = twiml(twilio.post(local(redirect), {"CallSid": "CA" + uuid.uuid4().hex}))
    the_question(root)
    assert root.find("Redirect") is None
    assert [child.tag for child in root] == ["Gather", "Say", "Hangup"]
    assert "geen keuze" in root[1].text
    run_worker()
    assert case_system.deliveries == []


def test_pressing_1_confirms_the_case_and_thanks_her_on_the_phone(
    question_action, press, case_system, run_worker, case_document
):
    root = twiml(press(question_action(), "1"))
    assert root.find("Gather") is None and hangs_up(root)
    assert "Bedankt. We sluiten uw melding." in spoken(root)
    run_worker()
    [confirmed] = case_system.of_type("case.confirmed")
    assert confirmed.data["case_id"] == CASE_ID and confirmed.data["round"] == 1
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]
    assert case_document()["status"] == "confirmed"


def test_pressing_2_reopens_the_case_with_the_key_as_her_reply(
    question_action, press, case_system, run_worker, case_document, fake_twilio
):
    root = twiml(press(question_action(), "2"))
    assert root.find("Gather") is None and hangs_up(root)
    assert "weer aan de slag" in spoken(root)
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "toets 2" and reopened.data["case_id"] == CASE_ID
    assert case_document()["status"] == "reopened"
    assert fake_twilio.texts_to(LOES.phone) == []


def test_pressing_9_asks_the_question_again_and_counts_it(question_action, press, case_system, run_worker):
    action = question_action()
    root = twiml(press(action, "9"))
    assert query(the_question(root).get("action")) == {**query(action), "attempt": "2"}
    assert "niet begrepen" not in spoken(root)
    run_worker()
    assert case_system.deliveries == []


def test_a_key_it_does_not_know_is_not_understood_and_the_question_comes_once_more(
    question_action, press, case_system, run_worker, case_document
):
    action = question_action()
    for digits in ["5", "0", "*", "#", "12", "1abc", "x", "1' OR '1'='1", "१", "1" * 40]:
        root = twiml(press(action, digits))
        gather = the_question(root)
        assert gather.find("Say").text.startswith("Dat hebben we niet begrepen."), digits
        assert query(gather.get("action")) == {**query(action), "attempt": "2"}
    run_worker()
    assert case_system.deliveries == []
    assert case_document()["status"] == "awaiting_confirmation"


def test_a_second_unknown_key_says_goodbye(question_action, press, case_system, run_worker, case_document):
    second = the_question(twiml(press(question_action(), "5"))).get("action")
    root = twiml(press(second, "7"))
    assert root.find("Gather") is None and hangs_up(root)
    assert "niet begrepen" in spoken(root) and "Tot ziens" in spoken(root)
    run_worker()
    assert case_system.deliveries == []
    assert case_document()["status"] == "awaiting_confirmation"


@pytest.mark.parametrize(
    "speech, callback, status",
    [
        ("nee het gat zit er nog", "case.reopened", "reopened"),
        ("Ja, maar het gat zit er nog steeds", "case.reopened", "reopened"),
        ("ja hoor", "case.confirmed", "confirmed"),
        ("Ja, het gat is dicht, dank u wel", "case.confirmed", "confirmed"),
    ],
)
def test_her_words_are_read_like_a_text(
    speech, callback, status, question_action, press, case_system, run_worker, case_document
):
    root = twiml(press(question_action(), speech=speech))
    assert root.find("Gather") is None and hangs_up(root)
    run_worker()
    [delivery] = case_system.deliveries
    assert delivery.type == callback and delivery.data["reply"] == speech
    assert case_document()["status"] == status


def test_words_that_do_not_answer_ask_once_more(question_action, press, case_system, run_worker):
    action = question_action()
    for speech in ["weet ik niet", "ja nee", "wie is dit?", "STOP", "   "]:
        gather = the_question(twiml(press(action, speech=speech)))
        assert gather.find("Say").text.startswith("Dat hebben we niet begrepen."), speech
        assert query(gather.get("action"))["attempt"] == "2"
    run_worker()
    assert case_system.deliveries == []


def test_a_flood_of_words_is_cut_and_still_read(question_action, press, case_system, run_worker):
    speech = "nee het gat zit er nog " + "bla " * 5000
    assert twiml(press(question_action(), speech=speech)).find("Gather") is None
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"].startswith("nee het gat zit er nog")
    assert len(reopened.data["reply"]) <= 500


def test_a_nul_byte_in_her_words_does_no_harm(question_action, press, case_system, run_worker):
    root = twiml(press(question_action(), speech="nee\x00 het gat zit er nog"))
    assert root.find("Gather") is None
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert "\x00" not in reopened.data["reply"]


def test_a_replayed_answer_counts_once(question_action, press, case_system, run_worker):
    action = question_action()
    press(action, "1")
    replay = twiml(press(action, "1"))
    assert "al klaar" in spoken(replay) and replay.find("Gather") is None
    run_worker()
    assert len(case_system.of_type("case.confirmed")) == 1


def test_a_replayed_answer_with_another_key_cannot_turn_a_yes_into_a_no(
    question_action, press, case_system, run_worker, case_document
):
    action = question_action()
    press(action, "1")
    assert "al klaar" in spoken(twiml(press(action, "2")))
    run_worker()
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]
    assert case_document()["status"] == "confirmed"


def test_the_reminder_call_after_she_answered_is_never_placed(
    question_action, press, run_worker, fast_forward, calls_to
):
    press(question_action(), "2")
    fast_forward(3 * 86400)
    run_worker()
    assert len(calls_to()) == 2


# -- stale and unknown -----------------------------------------------------------------------------


def test_an_answer_for_a_case_it_does_not_know_says_goodbye_and_changes_nothing(
    question_action, twilio, case_system, run_worker, case_document
):
    question_action()
    before = case_document()
    for params in [
        "?case=999999&round=1&attempt=1",
        "?case=0&round=1&attempt=1",
        "?case=abc&round=1&attempt=1",
        "?case=-1&round=1",
        "?round=1",
        "",
    ]:
        root = twiml(twilio.post(f"/twilio/ivr/answer{params}", {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "1"}))
        assert spoken(root) == "Tot ziens." and root.find("Gather") is None and hangs_up(root), params
    run_worker()
    assert case_system.deliveries == []
    assert case_document() == before


def test_an_answer_for_an_earlier_round_says_goodbye_and_changes_nothing(
    question_action, press, case_api, case_system, run_worker, case_document
):
    action = question_action()
    assert case_api.dispatch(citizen=LOES).status_code == 202  # the case system sends a crew once more
    run_worker()
    root = twiml(press(action, "1"))
    assert spoken(root) == "Tot ziens." and root.find("Gather") is None
    run_worker()
    assert case_system.of_type("case.confirmed") == []
    assert case_document()["status"] == "dispatched" and case_document()["round"] == 2


def test_a_forged_round_in_the_question_url_says_goodbye(question_action, twilio):
    action = question_action()
    params = {**query(action), "round": "7", "attempt": "2"}
    root = twiml(
        twilio.post(
            "/twilio/ivr/question?" + "&".join(f"{k}={v}" for k, v in params.items()),
            {"CallSid": "CA" + uuid.uuid4().hex},
        )
    )
    assert spoken(root) == "Tot ziens." and root.find("Gather") is None


def test_a_question_call_picked_up_after_she_answered_by_text_says_it_is_dealt_with(
    asked, twilio, pick_up, case_system, run_worker, case_document
):
    question = asked()
    assert twilio.text(LOES, "ja", to=case_document()["proxy_number"]).status_code == 200
    root = twiml(pick_up(question))
    assert root.find("Gather") is None and hangs_up(root)
    assert "al klaar" in spoken(root) and "Kerkstraat 12" in spoken(root)
    run_worker()
    assert len(case_system.of_type("case.confirmed")) == 1


def test_the_second_question_after_she_answered_elsewhere_says_it_is_dealt_with(asked, pick_up, twilio, case_document):
    redirect = twiml(pick_up(asked())).find("Redirect").text
    twilio.text(LOES, "nee", to=case_document()["proxy_number"])
    root = twiml(twilio.post(local(redirect), {"CallSid": "CA" + uuid.uuid4().hex}))
    assert root.find("Gather") is None and "al klaar" in spoken(root)
