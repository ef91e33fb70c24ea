"""Loes calls the proxy number herself: she hears the open question or where to call."""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, STRANGER
from tests.twiml import query, spoken
from tests.voice.conftest import FALLBACK, LOES, hangs_up, the_question, twiml

# -- she calls us --------------------------------------------------------------------------------------


@pytest.mark.parametrize("citizen", [LOES, ANNA], ids=["landline", "mobile"])
def test_when_she_calls_back_while_the_question_is_open_she_hears_the_question(
    citizen, case_api, twilio, run_worker, fast_forward, case_document
):
    proxy = case_api.dispatch(citizen=citizen).json["proxy_number"]
    case_api.complete()
    fast_forward(1800)
    run_worker()
    root = twiml(twilio.call(citizen, to=proxy))
    params = query(the_question(root).get("action"))
    assert params["round"] == "1" and params["attempt"] == "1"
    assert "call.question" in [e["kind"] for e in case_document()["timeline"]]


def test_when_she_calls_right_after_the_job_she_can_already_say_it_is_not_fixed(
    landline_job, case_api, twilio, press, case_system, run_worker
):
    proxy = landline_job()
    case_api.complete(note="gat gevuld")
    root = twiml(twilio.call(LOES, to=proxy))
    press(the_question(root).get("action"), "2")
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "toets 2"


def test_when_she_calls_right_after_the_job_her_1_confirms_it_and_no_question_follows(
    landline_job, case_api, twilio, press, case_system, run_worker, fast_forward, fake_twilio
):
    proxy = landline_job()
    case_api.complete(note="gat gevuld")
    root = twiml(twilio.call(LOES, to=proxy))
    press(the_question(root).get("action"), "1")
    run_worker()
    assert len(case_system.of_type("case.confirmed")) == 1
    calls_before = len(fake_twilio.calls)
    fast_forward(2 * 86400)
    run_worker()
    assert len(fake_twilio.calls) == calls_before  # neither the question nor the reminder is placed


def test_her_key_on_a_call_she_made_counts_like_on_one_we_placed(
    question_action, twilio, press, case_system, run_worker, case_document
):
    question_action()
    action = the_question(twiml(twilio.call(LOES, to=case_document()["proxy_number"]))).get("action")
    press(action, "2")
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "toets 2"


def test_a_stranger_calling_during_the_question_hears_no_question(question_action, twilio, case_document):
    question_action()
    root = twiml(twilio.call(STRANGER, to=case_document()["proxy_number"]))
    assert root.find("Gather") is None and hangs_up(root)
    assert "Kerkstraat" not in spoken(root) and "MOR-42" not in spoken(root)


def test_without_a_fallback_number_she_is_told_to_call_the_municipalitys_general_number(
    question_action, press, twilio, case_document
):
    press(question_action(), "1")
    root = twiml(twilio.call(LOES, to=case_document()["proxy_number"]))
    assert "het algemene nummer van de gemeente" in spoken(root)
    assert root.find("Gather") is None and hangs_up(root)


class TestWithAFallbackNumber:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "FALLBACK_PHONE_NUMBER": FALLBACK}

    def test_after_she_answered_her_call_names_the_general_number_digit_by_digit(
        self, question_action, press, twilio, case_document
    ):
        press(question_action(), "1")
        root = twiml(twilio.call(LOES, to=case_document()["proxy_number"]))
        assert root.find("Gather") is None and hangs_up(root)
        [say] = root.findall("Say")
        assert "1 4, 0 3 0" in say.text and "MOR-42" in say.text
        assert say.get("language") == "nl-NL"

    def test_the_crew_calling_after_the_job_hears_the_general_number(self, landline_job, case_api, twilio):
        proxy = landline_job()
        case_api.complete()
        root = twiml(twilio.call(JAN, to=proxy))
        assert root.find("Gather") is None and hangs_up(root)
        assert "1 4, 0 3 0" in spoken(root)

    def test_a_stranger_hears_the_general_number(self, landline_job, twilio):
        proxy = landline_job()
        root = twiml(twilio.call(STRANGER, to=proxy))
        assert "1 4, 0 3 0" in spoken(root) and hangs_up(root)
        assert "Kerkstraat" not in spoken(root)

    def test_her_no_on_the_phone_is_answered_with_the_general_number(self, question_action, press):
        root = twiml(press(question_action(), "2"))
        assert "1 4, 0 3 0" in spoken(root)
