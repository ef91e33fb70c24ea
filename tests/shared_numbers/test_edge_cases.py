"""Found in review: cases that end mid-question, postcodes, a code on its own."""

from __future__ import annotations

from tests.conftest import JAN
from tests.shared_numbers.conftest import (
    BREGJE,
    CLARA,
    FIRST,
    ORG,
    QUESTION_NL,
    SECOND,
    SESSION_GRACE,
    THIRD,
    P,
    questions_to,
    texts_to,
    voice,
)

# --- Edge cases found in review: cases that end mid-question, postcodes, a code on its own ---------


def test_a_longer_number_at_the_start_of_a_text_is_not_taken_for_a_short_code(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "1012 AB is de postcode")
    assert texts_to(fake_twilio, BREGJE) == []
    assert questions_to(fake_twilio, JAN) == [QUESTION_NL]


def test_jans_answer_releases_his_held_text_though_his_other_case_was_cancelled_meanwhile(
    jans_two_jobs, says, case_api, fake_twilio
):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    assert case_api.cancel(case_id=FIRST["case_id"], reason="dubbele melding").status_code == 202
    says(JAN, "2")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]


def test_a_text_held_for_cases_that_ended_never_reaches_a_later_resident(
    jans_two_jobs, says, case_api, dispatch, run_worker, fast_forward, fake_twilio
):
    jans_two_jobs()
    says(JAN, "Mevrouw De Vries, we komen om 10 uur")  # never answered
    case_api.cancel(case_id=FIRST["case_id"])
    case_api.complete(case_id=SECOND["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    dispatch(THIRD, CLARA, JAN)  # days later: two new jobs for Jan on P
    dispatch({"case_id": "MOR-2026-0045", "reference": "MOR-45", "address": "Laan 1"}, BREGJE, JAN)
    run_worker()
    fake_twilio.reset()
    says(JAN, "Morgen om 8 uur")
    says(JAN, "1")
    assert texts_to(fake_twilio, CLARA) == [f"{ORG}, ploeg: Morgen om 8 uur"]


def test_a_bare_short_code_sends_no_empty_text_and_picks_the_case_for_the_next_one(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "101")
    assert all(text.strip() != f"{ORG}, ploeg:" for text in texts_to(fake_twilio, BREGJE))
    assert questions_to(fake_twilio, JAN) == []
    says(JAN, "Ik ben er om 10 uur")
    assert texts_to(fake_twilio, BREGJE)[-1] == f"{ORG}, ploeg: Ik ben er om 10 uur"


def test_a_wrong_code_from_a_caller_left_with_one_case_is_not_logged_as_connected(
    jans_two_jobs, twilio, keys, case_api, kinds
):
    jans_two_jobs()
    assert voice(twilio.call(JAN, to=P)).find("Gather") is not None
    case_api.cancel(case_id=FIRST["case_id"])  # while Jan is still on the line
    root = voice(keys(JAN, "999"))
    assert root.find("Dial") is None
    assert "call.connected" not in kinds(SECOND["case_id"])
