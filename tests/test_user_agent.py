"""Every request the gateway makes says who it is: korte-lijn/<version>, first."""

from __future__ import annotations

from importlib.metadata import version

from tests.conftest import ANNA

EXPECTED = f"korte-lijn/{version('korte-lijn')}"


def test_twilio_and_the_case_system_see_korte_lijn_and_its_version(
    question_open, twilio, run_worker, fake_twilio, case_system
):
    assert twilio.text(ANNA, "Nee, het gat zit er nog", to=question_open).status_code == 200
    run_worker()
    case_system.wait_for("case.reopened")
    assert case_system.user_agents == {EXPECTED}
    # twilio-python adds its own product token after ours.
    assert fake_twilio.user_agents and all(
        agent.startswith(EXPECTED + " twilio-python/") for agent in fake_twilio.user_agents
    )
