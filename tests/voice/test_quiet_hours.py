"""Calls wait for the end of quiet hours, as texts do."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import JAN
from tests.twiml import spoken
from tests.voice.conftest import LOES, twiml

# -- quiet hours -------------------------------------------------------------------------------------


def quiet_window_around_now() -> str:
    """A QUIET_HOURS window that holds now in Amsterdam: from an hour ago until two hours from now."""
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    return f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=2)):%H:%M}"


class TestInQuietHours:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "QUIET_HOURS": quiet_window_around_now()}

    def test_it_holds_the_dispatch_call_but_texts_the_crew(
        self, case_api, run_worker, fake_twilio, fast_forward, calls_to
    ):
        case_api.dispatch(citizen=LOES)
        run_worker()
        assert fake_twilio.calls == []
        assert [m["To"] for m in fake_twilio.messages] == [JAN.phone]
        fast_forward(3 * 3600)
        run_worker()
        assert len(calls_to()) == 1

    def test_it_holds_the_question_call(self, case_api, run_worker, fast_forward, calls_to):
        case_api.dispatch(citizen=LOES)
        case_api.complete()
        fast_forward(1800)
        run_worker()
        assert calls_to() == []
        fast_forward(3 * 3600)
        run_worker()
        # The held dispatch notice was withdrawn when the job was done: only the question rings.
        [question] = calls_to()
        assert question["To"] == LOES.phone

    def test_it_holds_the_crews_relayed_message(self, case_api, twilio, run_worker, fast_forward, calls_to, pick_up):
        proxy = case_api.dispatch(citizen=LOES).json["proxy_number"]
        twilio.text(JAN, "We komen morgen om 9 uur.", to=proxy)
        run_worker()
        assert calls_to() == []
        fast_forward(3 * 3600)
        run_worker()
        assert any("We komen morgen om 9 uur." in spoken(twiml(pick_up(call))) for call in calls_to())
