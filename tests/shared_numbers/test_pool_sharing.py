"""The pool shares a number rather than refuse a case, and shares only when it must."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS
from tests.shared_numbers.conftest import BREGJE, CLARA, FIRST, ORG, PIET, SECOND, THIRD, P, questions_to, texts_to

# --- The pool shares rather than refuses -----------------------------------------------------------


def test_it_accepts_jans_second_job_on_the_single_number_and_notes_that_it_is_shared(dispatch, kinds):
    first = dispatch(FIRST, ANNA, JAN)
    second = dispatch(SECOND, BREGJE, JAN)
    assert first.json["proxy_number"] == second.json["proxy_number"] == P
    assert "pool.shared" in kinds("MOR-2026-0043")
    assert "pool.shared" not in kinds("MOR-2026-0042")  # the first job had P to itself


def test_it_names_each_cases_own_short_code_in_both_dispatch_texts(dispatch, run_worker, fake_twilio):
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, BREGJE, JAN)
    run_worker()
    [for_anna] = texts_to(fake_twilio, ANNA)
    [for_bregje] = texts_to(fake_twilio, BREGJE)
    for_jan = texts_to(fake_twilio, JAN)
    assert for_anna.endswith("Uw code is 100.") and for_bregje.endswith("Uw code is 101.")
    assert [("MOR-42 (code 100)" in text, "MOR-43 (code 101)" in text) for text in for_jan] == [
        (True, False),
        (False, True),
    ]
    assert all(message["From"] == P for message in fake_twilio.messages)


def test_it_shares_the_number_when_one_resident_reports_twice(dispatch, run_worker, fake_twilio, kinds):
    dispatch(FIRST, ANNA, JAN)
    second = dispatch(SECOND, ANNA, PIET)
    assert second.json["proxy_number"] == P
    assert "pool.shared" in kinds("MOR-2026-0043")
    run_worker()
    assert sorted(text[-15:] for text in texts_to(fake_twilio, ANNA)) == ["Uw code is 100.", "Uw code is 101."]
    [for_piet] = texts_to(fake_twilio, PIET)
    assert "MOR-43 (code 101)" in for_piet


def test_it_never_refuses_a_dispatch_and_never_gives_one_persons_cases_on_the_number_the_same_code(
    dispatch, run_worker, fake_twilio
):
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, BREGJE, JAN)
    dispatch(THIRD, ANNA, JAN)
    dispatch({"case_id": "MOR-2026-0045", "reference": "MOR-45", "address": "Laan 1"}, CLARA, PIET)
    run_worker()

    def codes(persona) -> list[str]:
        return [text.rsplit("Uw code is ", 1)[1] for text in fake_twilio.texts_to(persona.phone)]

    # "Which case?" tells one person's cases apart: Anna's two, and Jan's three, differ.
    assert sorted(codes(ANNA) + codes(BREGJE)) == ["100.", "101.", "102."]
    assert codes(CLARA) == ["100."]  # Clara and Piet share no case with them: the lowest code
    for_jan = texts_to(fake_twilio, JAN)
    assert [next(code for code in ("100", "101", "102") if f"(code {code})" in text) for text in for_jan] == [
        "100",
        "101",
        "102",
    ]


# --- Enough numbers: nobody shares ------------------------------------------------------------------


class TestWithEnoughNumbers:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "PROXY_NUMBERS": ",".join(PROXY_NUMBERS)}

    def test_it_gives_the_crews_two_jobs_two_numbers(self, dispatch, kinds):
        to_anna = dispatch(FIRST, ANNA, JAN).json["proxy_number"]
        to_bregje = dispatch(SECOND, BREGJE, JAN).json["proxy_number"]
        assert to_anna != to_bregje
        assert "pool.shared" not in kinds("MOR-2026-0042") + kinds("MOR-2026-0043")

    def test_it_gives_a_resident_who_reports_twice_two_numbers(self, dispatch, kinds):
        first = dispatch(FIRST, ANNA, JAN).json["proxy_number"]
        second = dispatch(SECOND, ANNA, PIET).json["proxy_number"]
        assert first != second and "pool.shared" not in kinds("MOR-2026-0043")

    def test_it_asks_nobody_which_case_when_every_case_has_its_own_number(
        self, dispatch, twilio, run_worker, fake_twilio
    ):
        to_anna = dispatch(FIRST, ANNA, JAN).json["proxy_number"]
        to_bregje = dispatch(SECOND, BREGJE, JAN).json["proxy_number"]
        run_worker()
        fake_twilio.reset()
        twilio.text(JAN, "1", to=to_anna)
        twilio.text(JAN, "Voor mevrouw Smit", to=to_bregje)
        run_worker()
        assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: 1"]
        assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: Voor mevrouw Smit"]
        assert questions_to(fake_twilio, JAN) == []

    def test_a_call_from_the_crew_connects_at_once_on_an_unshared_number(self, dispatch, twilio):
        dispatch(FIRST, ANNA, JAN)
        to_bregje = dispatch(SECOND, BREGJE, JAN).json["proxy_number"]
        root = ET.fromstring(twilio.call(JAN, to=to_bregje).data)
        assert root.find("Gather") is None
        assert [number.text for number in root.iter("Number")] == [BREGJE.phone]
