"""Texts on a shared number: whoever holds it for several cases is asked which case she means."""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, STRANGER
from tests.shared_numbers.conftest import (
    BREGJE,
    CLARA,
    CONFIRMATION_DELAY,
    FIRST,
    ORG,
    PIET,
    QUESTION_EN,
    QUESTION_NL,
    SECOND,
    THIRD,
    P,
    questions_to,
    texts_to,
)

# --- Texts: which case? ----------------------------------------------------------------------------


def test_it_holds_jans_text_and_asks_him_from_p_which_case_he_means(jans_two_jobs, says, fake_twilio, kinds):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    [question] = fake_twilio.messages
    assert (question["From"], question["To"], question["Body"]) == (P, JAN.phone, QUESTION_NL)
    assert "text.held" in kinds("MOR-2026-0042") and "text.held" in kinds("MOR-2026-0043")


def test_it_asks_in_english_when_the_crew_reads_english(jans_two_jobs, says, fake_twilio):
    jans_two_jobs(crew_fields={"language": "en"})
    says(JAN, "We are coming at 10")
    assert questions_to(fake_twilio, JAN) == [QUESTION_EN]


@pytest.mark.parametrize("choice", ["2", " 2. "])
def test_it_relays_jans_held_text_only_to_the_resident_of_the_case_he_picks(
    choice, jans_two_jobs, says, fake_twilio, case_system
):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, choice)
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert texts_to(fake_twilio, ANNA) == []
    assert len(questions_to(fake_twilio, JAN)) == 1
    assert case_system.deliveries == []  # a crew's text is not the resident's message


def test_it_relays_to_the_first_case_when_jan_picks_1(jans_two_jobs, says, fake_twilio, kinds):
    jans_two_jobs()
    says(JAN, "Staat uw auto voor de deur?")
    says(JAN, "1")
    assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: Staat uw auto voor de deur?"]
    assert texts_to(fake_twilio, BREGJE) == []
    assert "text.received" in kinds("MOR-2026-0042") and "text.received" not in kinds("MOR-2026-0043")


def test_it_sends_annas_held_text_to_the_crew_and_the_case_system_of_the_case_she_picks(
    annas_two_reports, says, fake_twilio, case_system
):
    says(ANNA, "Het gat is dieper geworden")
    assert questions_to(fake_twilio, ANNA) == [QUESTION_NL]
    assert texts_to(fake_twilio, JAN) == texts_to(fake_twilio, PIET) == []
    says(ANNA, "2")
    assert texts_to(fake_twilio, PIET) == [f"{ORG}, melder MOR-43: Het gat is dieper geworden"]
    assert texts_to(fake_twilio, JAN) == []
    [message] = case_system.wait_for("case.citizen_message")
    assert message.data["case_id"] == "MOR-2026-0043" and message.data["text"] == "Het gat is dieper geworden"


@pytest.mark.parametrize("body", ["101 we komen om 10 uur", "  101: we komen om 10 uur"])
def test_it_sends_a_text_that_starts_with_a_short_code_straight_to_that_case_without_the_code(
    body, jans_two_jobs, says, fake_twilio
):
    jans_two_jobs()
    says(JAN, body)
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: we komen om 10 uur"]
    assert texts_to(fake_twilio, ANNA) == []
    assert questions_to(fake_twilio, JAN) == []


def test_a_short_code_answers_the_question_too(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "100")
    assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert texts_to(fake_twilio, BREGJE) == []


def test_a_short_code_text_for_a_resident_with_two_reports_reaches_that_cases_crew(
    annas_two_reports, says, fake_twilio, case_system
):
    says(ANNA, "100 de paaltjes liggen nog in de tuin")
    assert texts_to(fake_twilio, JAN) == [f"{ORG}, melder MOR-42: de paaltjes liggen nog in de tuin"]
    assert texts_to(fake_twilio, PIET) == [] and questions_to(fake_twilio, ANNA) == []
    [message] = case_system.wait_for("case.citizen_message")
    assert message.data["case_id"] == "MOR-2026-0042"


def test_a_short_code_of_a_case_jan_does_not_hold_is_no_short_cut(
    dispatch, jans_two_jobs, says, run_worker, fake_twilio
):
    jans_two_jobs()
    dispatch(THIRD, CLARA, PIET)  # code 102, Piet's and Clara's
    run_worker()
    fake_twilio.reset()
    says(JAN, "102 we komen om 10 uur")
    assert texts_to(fake_twilio, CLARA) == []
    assert questions_to(fake_twilio, JAN) != []


def test_it_asks_again_after_an_answer_that_is_no_choice_and_keeps_both_texts(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "welke?")
    assert questions_to(fake_twilio, JAN) == [QUESTION_NL, QUESTION_NL]
    assert texts_to(fake_twilio, ANNA) == texts_to(fake_twilio, BREGJE) == []
    says(JAN, "1")
    [relayed] = texts_to(fake_twilio, ANNA)
    assert "We komen om 10 uur" in relayed and "welke?" in relayed


@pytest.mark.parametrize(
    "answer",
    ["7", "0", "-1", "99999999999999999999", "\U0001f44d", "", "1 2", "1; DROP TABLE cases", "1\x002"],
    ids=["seven", "zero", "minus-one", "huge", "emoji", "empty", "two-numbers", "sql", "nul"],
)
def test_it_releases_nothing_on_a_hostile_choice_and_asks_again(answer, jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, answer)
    assert len(questions_to(fake_twilio, JAN)) == 2
    assert texts_to(fake_twilio, ANNA) == texts_to(fake_twilio, BREGJE) == []
    says(JAN, "1")  # the held text is still there to be released
    [relayed] = texts_to(fake_twilio, ANNA)
    assert relayed.startswith(f"{ORG}, ploeg: We komen om 10 uur")


def test_the_question_is_gone_once_answered(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "2")
    says(JAN, "1")  # an ordinary text now: held and asked about, not an answer
    assert texts_to(fake_twilio, ANNA) == []
    assert len(questions_to(fake_twilio, JAN)) == 2
    says(JAN, "2")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur", f"{ORG}, ploeg: 1"]


def test_a_redelivered_held_text_is_held_and_asked_about_once(jans_two_jobs, says, fake_twilio, kinds):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur", sid="SM" + "a" * 32)
    says(JAN, "We komen om 10 uur", sid="SM" + "a" * 32)
    assert len(questions_to(fake_twilio, JAN)) == 1
    assert kinds("MOR-2026-0042").count("text.held") == 1
    says(JAN, "1")
    assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: We komen om 10 uur"]


def test_a_redelivered_choice_releases_the_held_text_once(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "2", sid="SM" + "b" * 32)
    says(JAN, "2", sid="SM" + "b" * 32)
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert len(questions_to(fake_twilio, JAN)) == 1


def test_a_choice_with_a_bad_signature_releases_nothing(jans_two_jobs, twilio, says, run_worker, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    form = {"MessageSid": "SM" + "c" * 32, "From": JAN.phone, "To": P, "Body": "2", "NumMedia": "0"}
    assert twilio.post("/twilio/sms", form, signature="bm90LWEtc2lnbmF0dXJl").status_code == 403
    assert twilio.post("/twilio/sms", form, signature="").status_code == 403
    run_worker()
    assert texts_to(fake_twilio, BREGJE) == []
    says(JAN, "2", sid="SM" + "c" * 32)  # the same delivery, signed this time
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]


def test_a_held_picture_is_announced_with_the_released_text(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "Zo ziet het er nu uit", NumMedia="1")
    says(JAN, "2")
    [relayed] = texts_to(fake_twilio, BREGJE)
    assert "Zo ziet het er nu uit" in relayed and "(foto of bijlage, niet doorgestuurd)" in relayed


def test_a_resident_who_holds_the_shared_number_for_one_case_is_not_asked(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(BREGJE, "Ik ben thuis vanaf 9 uur")
    assert texts_to(fake_twilio, JAN) == [f"{ORG}, melder MOR-43: Ik ben thuis vanaf 9 uur"]
    assert questions_to(fake_twilio, BREGJE) == []


def test_a_stranger_texting_the_shared_number_is_neither_asked_nor_relayed(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(STRANGER, "1")
    says(STRANGER, "100 hallo")
    assert fake_twilio.messages == []


def test_one_persons_open_question_is_not_answered_by_another(dispatch, says, run_worker, fake_twilio):
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, ANNA, PIET)
    dispatch(THIRD, BREGJE, JAN)  # Jan holds P for Anna's first report and for Bregje
    run_worker()
    fake_twilio.reset()
    says(ANNA, "Het gat is dieper geworden")
    says(JAN, "2")  # Jan has no question open: his "2" is held and he is asked himself
    assert texts_to(fake_twilio, PIET) == [] and texts_to(fake_twilio, BREGJE) == []
    assert len(questions_to(fake_twilio, JAN)) == 1
    says(ANNA, "2")  # her own question is still open
    assert texts_to(fake_twilio, PIET) == [f"{ORG}, melder MOR-43: Het gat is dieper geworden"]


# --- The confirmation question on a shared number ---------------------------------------------------


def test_a_resident_with_two_cases_on_the_number_says_which_one_her_nee_is_about(
    annas_two_reports, case_api, says, run_worker, fast_forward, fake_twilio, case_system
):
    assert case_api.complete(case_id="MOR-2026-0042", note="gat gevuld").status_code == 202
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    [asked] = texts_to(fake_twilio, ANNA)
    assert "MOR-42" in asked and asked.endswith("Antwoord met JA of NEE.")
    says(ANNA, "nee")
    assert questions_to(fake_twilio, ANNA) == [QUESTION_NL]
    assert case_system.deliveries == []
    says(ANNA, "1")
    [reopened] = case_system.wait_for("case.reopened")
    assert reopened.data["case_id"] == "MOR-2026-0042" and reopened.data["reply"] == "nee"
    assert [d.type for d in case_system.deliveries] == ["case.reopened"]
    assert "MOR-42" in texts_to(fake_twilio, ANNA)[-1]  # her thank-you names the reopened case


def test_a_ja_for_the_other_report_does_not_confirm_the_asked_one(
    annas_two_reports, case_api, says, run_worker, fast_forward, fake_twilio, case_system, case_document
):
    case_api.complete(case_id="MOR-2026-0042")
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    says(ANNA, "ja")
    says(ANNA, "2")  # the still open job: her "ja" goes to Piet, the first case stays asked
    assert case_system.of_type("case.confirmed") == []
    assert texts_to(fake_twilio, PIET) == [f"{ORG}, melder MOR-43: ja"]
    assert case_document("MOR-2026-0042")["status"] == "awaiting_confirmation"
