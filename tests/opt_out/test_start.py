"""START and UNSTOP take a STOP back."""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN
from tests.opt_out.conftest import REMINDER_AFTER, callback_types

# -- START ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["START", "unstop."])
def test_it_opts_her_back_in_on_start(keyword, proxy, says, case_system):
    says(ANNA, "STOP", proxy)
    says(ANNA, keyword, proxy)
    [opted_in] = case_system.of_type("citizen.opted_in")
    assert (
        opted_in.data["source"] == "".join(ch for ch in keyword if ch.isalnum()).upper()
        and opted_in.data["case_id"] == "MOR-2026-0042"
    )


def test_it_texts_her_again_after_start(proxy, says, fake_twilio):
    says(ANNA, "STOP", proxy)
    says(JAN, "Eerste bericht.", proxy)
    says(ANNA, "START", proxy)
    says(JAN, "Tweede bericht.", proxy)
    [relayed] = fake_twilio.texts_to(ANNA.phone)[1:]
    assert relayed.endswith("Tweede bericht.")


def test_it_sends_her_the_reminder_by_text_after_start(asked, says, fast_forward, run_worker, fake_twilio):
    says(ANNA, "STOP", asked)
    says(ANNA, "START", asked)
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # the reminder


def test_it_tells_the_crews_opt_in_as_crew(proxy, says, case_system):
    says(JAN, "STOP", proxy)
    says(JAN, "UNSTOP", proxy)
    assert callback_types(case_system) == ["crew.opted_out", "crew.opted_in"]


def test_it_sends_no_opt_in_callback_to_start_from_someone_who_never_opted_out(proxy, says, case_system, fake_twilio):
    says(ANNA, "START", proxy)
    assert case_system.deliveries == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # a keyword is not relayed to the crew


@pytest.mark.parametrize("answer", ["YES", "Ja, start maar"])
def test_it_never_takes_a_yes_as_an_opt_in(answer, asked, says, case_system, fake_twilio):
    says(ANNA, "STOP", asked)
    says(ANNA, answer, asked)
    assert case_system.of_type("citizen.opted_in") == []
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
