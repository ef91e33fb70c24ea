"""30003: her handset is unreachable, so one more text ten minutes later first, then a call;
the retry waits for quiet hours to end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ANNA, JAN, entries
from tests.fallback.conftest import TEXT_RETRY_AFTER, called_purposes, outbox_id, texts_to

# -- 30003: her handset is unreachable ------------------------------------------------------------


def test_it_texts_once_more_ten_minutes_after_her_handset_was_unreachable(
    texted, fails, fast_forward, run_worker, fake_twilio, case_system
):
    notice = texted("dispatch_citizen")
    fails(notice, "30003")
    fast_forward(TEXT_RETRY_AFTER - 30)
    run_worker()
    assert texts_to(fake_twilio) == [notice]
    fast_forward(31)
    run_worker()
    [_, retry] = texts_to(fake_twilio)
    assert (retry["Body"], retry["From"]) == (notice["Body"], notice["From"])
    assert fake_twilio.calls == [] and case_system.of_type("message.undeliverable") == []


@pytest.mark.parametrize("purpose", ["relay", "reminder"])
def test_it_calls_when_her_handset_is_unreachable_again_on_the_retry(
    purpose, texted, fails, fast_forward, run_worker, fake_twilio, case_system, client
):
    fails(texted(purpose), "30003")
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    fails(texts_to(fake_twilio)[-1], "30003")
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone]
    assert called_purposes(client) == [purpose]
    assert case_system.of_type("message.undeliverable") == []


def test_it_calls_when_the_retry_after_30003_turns_out_to_reach_a_landline(
    texted, fails, fast_forward, run_worker, fake_twilio, client
):
    fails(texted("dispatch_citizen"), "30003")
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    fails(texts_to(fake_twilio)[-1], "30006")
    assert called_purposes(client) == ["dispatch_citizen"]


def test_it_keeps_texting_her_when_the_retry_is_delivered(
    texted, fails, twilio, fast_forward, run_worker, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    fails(notice, "30003")
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    retry = texts_to(fake_twilio)[-1]
    assert twilio.status(retry["sid"], "delivered", outbox_id(retry)).status_code == 204
    twilio.text(JAN, "We komen eraan.", to=notice["From"])
    run_worker()
    assert texts_to(fake_twilio)[-1]["Body"].endswith("We komen eraan.")
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []


def test_it_withdraws_the_retried_question_when_she_answers_in_between(
    texted, fails, twilio, fast_forward, run_worker, fake_twilio, case_system
):
    question = texted("question")
    fails(question, "30003")
    twilio.text(ANNA, "ja", to=question["From"])
    run_worker()
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    bodies = [text["Body"] for text in texts_to(fake_twilio)]
    assert bodies.count(question["Body"]) == 1
    assert fake_twilio.calls == []
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]


class TestAroundQuietHours:
    """Quiet hours begin five minutes from now, so a text sent now is in time and its retry is not."""

    @pytest.fixture
    def settings(self, settings):
        now = datetime.now(ZoneInfo(settings["TIMEZONE"]))
        start, end = now + timedelta(minutes=5), now + timedelta(hours=5)
        return {**settings, "QUIET_HOURS": f"{start:%H:%M}-{end:%H:%M}"}

    def test_it_sends_the_dispatch_notice_before_quiet_hours_begin(self, texted):
        assert texted("dispatch_citizen")["To"] == ANNA.phone

    def test_it_holds_the_retry_of_an_unreachable_notice_until_quiet_hours_end(
        self, texted, fails, fast_forward, run_worker, fake_twilio
    ):
        notice = texted("dispatch_citizen")
        fails(notice, "30003")
        fast_forward(TEXT_RETRY_AFTER + 1)
        run_worker()
        assert texts_to(fake_twilio) == [notice]
