"""Calls on a shared number: the caller keys the case's short code."""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL, STRANGER
from tests.shared_numbers.conftest import (
    BREGJE,
    CLARA,
    CONFIRMATION_DELAY,
    FIRST,
    PIET,
    SECOND,
    THIRD,
    P,
    dialled,
    voice,
)

# --- Calls: the short code --------------------------------------------------------------------------


def test_it_asks_a_caller_who_holds_the_number_for_several_cases_for_the_code(jans_two_jobs, twilio):
    jans_two_jobs()
    root = voice(twilio.call(JAN, to=P))
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("input") == "dtmf" and gather.get("finishOnKey") == "#"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/ivr/code?attempt=1"
    assert "code" in gather.find("Say").text
    assert root.find("Hangup") is not None  # silence ends the call


@pytest.mark.parametrize("digits", ["101", "101#"])
def test_it_connects_the_right_code_to_that_cases_resident(digits, jans_two_jobs, keys, kinds):
    jans_two_jobs()
    root = voice(keys(JAN, digits))
    [dial] = root.findall("Dial")
    assert dial.get("callerId") == P and dialled(root) == [BREGJE.phone]
    assert "call.connected" in kinds("MOR-2026-0043") and "call.connected" not in kinds("MOR-2026-0042")


def test_it_connects_a_resident_with_two_reports_to_the_crew_of_the_code_she_keys(annas_two_reports, twilio, keys):
    assert voice(twilio.call(ANNA, to=P)).find("Gather") is not None
    assert dialled(voice(keys(ANNA, "101"))) == [PIET.phone]
    assert dialled(voice(keys(ANNA, "100"))) == [JAN.phone]


def test_it_connects_a_caller_who_holds_the_shared_number_for_one_case_at_once(jans_two_jobs, twilio):
    jans_two_jobs()
    assert dialled(voice(twilio.call(BREGJE, to=P))) == [JAN.phone]


def test_a_resident_who_keys_the_code_of_her_asked_case_hears_the_question_not_the_crew(
    annas_two_reports, case_api, run_worker, fast_forward, keys, case_document
):
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    root = voice(keys(ANNA, "100"))
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/ivr/answer?")
    assert "Kerkstraat 12" in gather.find("Say").text
    assert case_document(FIRST["case_id"])["status"] == "awaiting_confirmation"


def test_a_wrong_code_asks_once_more(jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, "999"))
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/ivr/code?attempt=2"
    assert gather.get("finishOnKey") == "#"


def test_a_second_wrong_code_says_goodbye_and_hangs_up(jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, "999", attempt=2))
    assert root.find("Dial") is None and root.find("Gather") is None
    assert [child.tag for child in root][-1] == "Hangup"
    assert root.find("Say").text


def test_the_right_code_on_the_second_try_still_connects(jans_two_jobs, keys):
    jans_two_jobs()
    assert dialled(voice(keys(JAN, "100", attempt=2))) == [ANNA.phone]


@pytest.mark.parametrize(
    "digits",
    ["abc", "#", "1" * 20, "", None, "*101", "101\x00", "100 OR 1=1", "1", "00000000100"],
    ids=["letters", "hash", "twenty-digits", "empty", "missing", "star", "nul", "sql", "menu-1", "padded"],
)
def test_it_dials_nobody_on_garbage_digits(digits, jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, digits))
    assert root.find("Dial") is None
    assert [gather.get("action") for gather in root.iter("Gather")] == [f"{PUBLIC_BASE_URL}/twilio/ivr/code?attempt=2"]


def test_a_code_of_another_persons_case_connects_nobody(dispatch, jans_two_jobs, keys):
    jans_two_jobs()
    dispatch(THIRD, CLARA, PIET)  # code 102: Piet's and Clara's
    root = voice(keys(JAN, "102"))
    assert root.find("Dial") is None and CLARA.phone not in dialled(root)


def test_a_code_keyed_by_a_stranger_connects_nobody(jans_two_jobs, keys):
    jans_two_jobs()
    for attempt in (1, 2):
        root = voice(keys(STRANGER, "100", attempt=attempt))
        assert root.find("Dial") is None and root.find("Gather") is None


@pytest.mark.parametrize("attempt", ["-5", "99999999999999999999"])
def test_a_forged_attempt_number_never_dials(attempt, jans_two_jobs, twilio):
    jans_two_jobs()
    form = {"CallSid": "CA" + "2" * 32, "From": JAN.phone, "To": P, "Digits": "999"}
    root = voice(twilio.post(f"/twilio/ivr/code?attempt={attempt}", form))
    assert root.find("Dial") is None


def test_a_code_with_a_bad_signature_is_refused(jans_two_jobs, twilio):
    jans_two_jobs()
    form = {"CallSid": "CA" + "3" * 32, "From": JAN.phone, "To": P, "Digits": "101"}
    assert twilio.post("/twilio/ivr/code?attempt=1", form, signature="bm9wZQ==").status_code == 403
    # Signed for another attempt than the one posted to.
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + "/twilio/ivr/code?attempt=2", form)
    assert twilio.post("/twilio/ivr/code?attempt=1", form, signature=signature).status_code == 403


def test_a_code_never_connects_to_a_number_the_caller_forges_into_the_form(jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, "101", form={"Called": STRANGER.phone, "Number": STRANGER.phone}))
    assert dialled(root) == [BREGJE.phone]


def test_a_hostile_reference_cannot_inject_twiml_into_the_connecting_call(dispatch, keys):
    injected = 'X"/></Say><Dial><Number>+31611112222</Number></Dial><Say>'
    dispatch(FIRST, ANNA, JAN)
    dispatch({**SECOND, "reference": injected}, BREGJE, JAN)
    root = voice(keys(JAN, "101"))
    assert dialled(root) == [BREGJE.phone]
    assert len(root.findall("Dial")) == 1
    assert injected in "".join(say.text or "" for say in root.iter("Say"))
