"""When the fallback call fails too."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import ANNA
from tests.fallback.conftest import CALL_RETRY_AFTER, outbox_id

# -- when the fallback call fails too -------------------------------------------------------------


@pytest.fixture
def fallback_call(texted, fails, fake_twilio) -> dict:
    fails(texted("dispatch_citizen"), "30006")
    [call] = fake_twilio.calls
    return call


def test_it_reports_a_fallback_call_that_fails(fallback_call, call_status, case_system):
    assert call_status(fallback_call, "failed").status_code == 204
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["purpose"], report.data["channel"]) == (
        "citizen",
        "dispatch_citizen",
        "call",
    )
    assert ANNA.phone not in str(report.data)


def test_it_calls_once_more_later_when_the_fallback_call_is_not_answered(
    fallback_call, call_status, fast_forward, run_worker, fake_twilio, case_system
):
    assert call_status(fallback_call, "no-answer").status_code == 204
    assert len(fake_twilio.calls) == 1
    fast_forward(CALL_RETRY_AFTER)
    run_worker()
    [_, again] = fake_twilio.calls
    assert again["To"] == ANNA.phone
    assert case_system.deliveries == []


def test_it_reports_the_fallback_call_when_the_second_try_is_not_answered_either(
    fallback_call, call_status, fast_forward, run_worker, fake_twilio, case_system
):
    call_status(fallback_call, "no-answer")
    fast_forward(CALL_RETRY_AFTER)
    run_worker()
    assert call_status(fake_twilio.calls[-1], "busy").status_code == 204
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["purpose"], report.data["channel"]) == ("dispatch_citizen", "call")


def test_it_reports_nothing_for_a_fallback_call_that_was_answered(fallback_call, call_status, case_system):
    assert call_status(fallback_call, "ringing").status_code == 204
    assert call_status(fallback_call, "completed").status_code == 204
    assert case_system.deliveries == []


def test_it_reports_a_failed_fallback_call_only_once(fallback_call, call_status, case_system):
    call_status(fallback_call, "failed")
    assert call_status(fallback_call, "failed").status_code == 204
    assert call_status(fallback_call, "completed").status_code == 204
    assert len(case_system.of_type("message.undeliverable")) == 1


def test_it_ignores_a_call_status_that_names_the_call_with_another_call_sid(fallback_call, call_status, case_system):
    assert call_status(fallback_call, "failed", sid="CA" + uuid.uuid4().hex).status_code == 204
    assert case_system.deliveries == []


THE_CALL, ITS_ROW = "<the call's sid>", "<its outbox row>"


@pytest.mark.parametrize(
    "query, call_sid",
    [
        (ITS_ROW, None),
        (ITS_ROW, "SM" + "1" * 32),
        ("", THE_CALL),
        ("?o=abc", THE_CALL),
    ],
    ids=["no-call-sid", "message-sid", "no-row", "garbage-row"],
)
def test_it_refuses_a_call_status_it_cannot_read(query, call_sid, fallback_call, twilio, run_worker, case_system):
    query = f"?o={outbox_id(fallback_call)}" if query == ITS_ROW else query
    form = {"CallStatus": "failed"}
    if call_sid:
        form["CallSid"] = fallback_call["sid"] if call_sid == THE_CALL else call_sid
    assert twilio.post("/twilio/call-status" + query, form).status_code == 400
    run_worker()
    assert case_system.deliveries == []


def test_it_refuses_a_forged_call_status(fallback_call, twilio, run_worker, case_system):
    form = {"CallSid": fallback_call["sid"], "CallStatus": "failed"}
    assert twilio.post(f"/twilio/call-status?o={outbox_id(fallback_call)}", form, signature="forged").status_code == 403
    run_worker()
    assert case_system.deliveries == []
