"""The crew's side of a shared number after the job, released after the session grace."""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN
from tests.shared_numbers.conftest import (
    BREGJE,
    FIRST,
    ORG,
    SECOND,
    SESSION_GRACE,
    P,
    dialled,
    questions_to,
    texts_to,
    voice,
)

# --- The crew's side of the number after the job ----------------------------------------------------


def test_it_releases_the_crews_side_session_grace_after_completion(dispatch, case_api, run_worker, fast_forward, kinds):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE - 60)
    run_worker()
    assert "session.crew_ended" not in kinds("MOR-2026-0042")
    fast_forward(60)
    run_worker()
    assert "session.crew_ended" in kinds("MOR-2026-0042")


def test_a_crew_text_before_the_grace_is_over_gets_the_job_is_done_notice(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE - 60)
    run_worker()
    fake_twilio.reset()
    says(JAN, "Vergeten: de paaltjes komen morgen")
    [notice] = texts_to(fake_twilio, JAN)
    assert "MOR-42" in notice and "paaltjes" not in notice
    assert texts_to(fake_twilio, ANNA) == []


def test_a_crew_text_after_the_grace_is_ignored_as_a_strangers(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio, kinds
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    fake_twilio.reset()
    says(JAN, "Vergeten: de paaltjes komen morgen")
    assert fake_twilio.messages == []
    assert "text.received" not in kinds("MOR-2026-0042")


def test_the_resident_still_reaches_the_case_after_the_crews_side_is_released(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio, case_system
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    says(ANNA, "nee")
    [reopened] = case_system.wait_for("case.reopened")
    assert reopened.data["case_id"] == "MOR-2026-0042"


def test_a_call_from_the_crew_after_the_grace_dials_nobody(dispatch, case_api, run_worker, fast_forward, twilio):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    root = voice(twilio.call(JAN, to=P))
    assert root.find("Dial") is None and root.find("Gather") is None


def test_the_freed_number_serves_the_crews_next_job_without_sharing(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio, kinds
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    assert dispatch(SECOND, BREGJE, JAN).json["proxy_number"] == P
    assert "pool.shared" not in kinds("MOR-2026-0043")
    run_worker()
    fake_twilio.reset()
    says(JAN, "We komen om 10 uur")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert questions_to(fake_twilio, JAN) == [] and texts_to(fake_twilio, ANNA) == []


def test_a_shared_crew_whose_other_case_ended_reaches_the_open_case_without_a_question(
    jans_two_jobs, case_api, says, run_worker, fast_forward, fake_twilio
):
    jans_two_jobs()
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    fake_twilio.reset()
    says(JAN, "We komen om 10 uur")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert questions_to(fake_twilio, JAN) == [] and texts_to(fake_twilio, ANNA) == []


def test_a_cancelled_case_no_longer_counts_as_one_of_the_crews_cases(
    jans_two_jobs, case_api, says, fake_twilio, twilio
):
    jans_two_jobs()
    assert case_api.cancel(case_id=FIRST["case_id"], reason="dubbele melding").status_code == 202
    says(JAN, "We komen om 10 uur")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert dialled(voice(twilio.call(JAN, to=P))) == [BREGJE.phone]


class TestWithAShorterSessionGrace:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "SESSION_GRACE": "10m"}

    def test_it_releases_the_crews_side_after_the_configured_grace(
        self, dispatch, case_api, says, run_worker, fast_forward, fake_twilio, kinds
    ):
        dispatch(FIRST, ANNA, JAN)
        case_api.complete(case_id=FIRST["case_id"])
        fast_forward(600)
        run_worker()
        assert "session.crew_ended" in kinds("MOR-2026-0042")
        fake_twilio.reset()
        says(JAN, "nog een vraag")
        assert fake_twilio.messages == []
