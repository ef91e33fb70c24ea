"""When no call is worth placing: a thank-you, a text to the crew, a question already answered,
a job done or cancelled, and failures that say nothing about her line.
"""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, entries
from tests.fallback.conftest import TEXT_RETRY_AFTER, texts_to

# -- when no call is worth placing ----------------------------------------------------------------


def test_it_reports_a_failed_thank_you_without_calling(texted, fails, fake_twilio, case_system):
    fails(texted("thanks_yes"), "30006")
    assert fake_twilio.calls == []
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["purpose"], report.data["recipient"], report.data["error_code"]) == (
        "thanks_yes",
        "citizen",
        "30006",
    )


@pytest.mark.parametrize("code", ["30006", "30003", "30005"])
def test_it_never_calls_the_crew_when_a_text_to_him_fails(
    code, texted, fails, fast_forward, run_worker, fake_twilio, case_system
):
    texted("dispatch_citizen")
    [to_jan] = texts_to(fake_twilio, JAN)
    fails(to_jan, code)
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    assert fake_twilio.calls == [] and texts_to(fake_twilio, JAN) == [to_jan]
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["error_code"]) == ("crew", code)


def test_it_never_calls_the_crew_when_twilio_refuses_a_text_to_him(
    texted, twilio, run_worker, fake_twilio, case_system
):
    notice = texted("dispatch_citizen")
    fake_twilio.fail_next(status=400, code=21614)
    twilio.text(ANNA, "Ik ben er vanaf 9 uur.", to=notice["From"])  # relayed to Jan: refused
    run_worker(2)
    assert fake_twilio.calls == []
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["error_code"]) == ("crew", "21614")


def test_it_does_not_call_about_a_question_she_has_already_answered(
    texted, fails, twilio, run_worker, fake_twilio, case_system
):
    question = texted("question")
    twilio.text(ANNA, "Ja, het gat is dicht", to=question["From"])
    run_worker()
    fails(question, "30006")  # a late report about the question
    assert fake_twilio.calls == []
    assert case_system.of_type("case.confirmed")


def test_it_does_not_call_about_a_dispatch_notice_once_the_job_is_done(texted, fails, case_api, fake_twilio):
    notice = texted("dispatch_citizen")
    assert case_api.complete(note="gat gevuld").status_code == 202
    fails(notice, "30006")
    assert fake_twilio.calls == []


def test_it_does_not_call_with_a_crew_message_once_the_case_is_cancelled(texted, fails, case_api, fake_twilio):
    relay = texted("relay")
    assert case_api.cancel(reason="dubbele melding").status_code == 202
    fails(relay, "21614")
    assert fake_twilio.calls == []


def test_it_reports_other_failures_without_calling(texted, fails, fake_twilio, case_system, client):
    fails(texted("dispatch_citizen"), "30005")  # unknown destination handset
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["error_code"] == "30005"
