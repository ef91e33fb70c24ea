"""Twilio's call status: a busy or unanswered call is tried once more, a failed one is reported."""

from __future__ import annotations

import uuid

import pytest

from tests.voice.conftest import CASE_ID, LOES, crew_text_row, outbox_id, the_question, twiml

# -- the call's status -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["busy", "no-answer"])
def test_a_busy_or_unanswered_call_is_placed_once_more_after_call_retry_after(
    status, landline_job, calls_to, call_status, run_worker, fast_forward, case_system
):
    landline_job()
    [first] = calls_to()
    assert call_status(first, status).status_code == 204
    run_worker()
    fast_forward(1790)
    run_worker()
    assert len(calls_to()) == 1
    fast_forward(10)
    run_worker()
    [_, second] = calls_to()
    assert (second["From"], second["To"]) == (first["From"], first["To"])
    assert outbox_id(second) != outbox_id(first)
    assert case_system.deliveries == []


@pytest.mark.parametrize("status", ["busy", "no-answer"])
def test_a_second_busy_or_unanswered_call_is_reported_undeliverable(
    status, landline_job, calls_to, call_status, run_worker, fast_forward, case_system, fake_twilio
):
    landline_job()
    call_status(calls_to()[0], status)
    fast_forward(1800)
    run_worker()
    assert call_status(calls_to()[1], status).status_code == 204
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["recipient"] == "citizen" and report.data["channel"] == "call"
    assert report.data["purpose"] == "dispatch_citizen" and report.data["case_id"] == CASE_ID
    assert LOES.phone not in str(report.data)
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 2 and fake_twilio.texts_to(LOES.phone) == []


def test_a_failed_call_is_reported_at_once_and_not_tried_again(
    landline_job, calls_to, call_status, run_worker, fast_forward, case_system
):
    landline_job()
    assert call_status(calls_to()[0], "failed").status_code == 204
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["channel"] == "call" and report.data["recipient"] == "citizen"
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 1


@pytest.mark.parametrize("status", ["completed", "canceled"])
def test_a_completed_call_needs_nothing_more(
    status, landline_job, calls_to, call_status, run_worker, fast_forward, case_system, case_document
):
    landline_job()
    assert call_status(calls_to()[0], status).status_code == 204
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 1 and case_system.deliveries == []
    statuses = [e["data"]["status"] for e in case_document()["timeline"] if e["kind"] == "call.status"]
    assert statuses == [status]


def test_a_status_that_is_not_final_changes_nothing(
    landline_job, calls_to, call_status, run_worker, fast_forward, case_system, case_document
):
    landline_job()
    for status in ["queued", "initiated", "ringing", "in-progress", "exploded", ""]:
        assert call_status(calls_to()[0], status).status_code == 204, status
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 1 and case_system.deliveries == []
    assert "call.status" not in [e["kind"] for e in case_document()["timeline"]]


@pytest.mark.parametrize("first, again", [("busy", "busy"), ("no-answer", "completed")])
def test_a_redelivered_final_status_has_no_effect(
    first, again, landline_job, calls_to, call_status, run_worker, fast_forward, case_system
):
    landline_job()
    [call] = calls_to()
    call_status(call, first)
    assert call_status(call, again).status_code == 204
    fast_forward(1800)
    run_worker()
    assert len(calls_to()) == 2 and case_system.deliveries == []


def test_a_redelivered_failure_is_reported_once(landline_job, calls_to, call_status, run_worker, case_system):
    landline_job()
    [call] = calls_to()
    call_status(call, "failed")
    call_status(call, "failed")
    call_status(call, "busy")
    run_worker()
    assert len(case_system.of_type("message.undeliverable")) == 1


def test_a_busy_dispatch_call_is_not_tried_again_once_the_job_is_done(
    landline_job, calls_to, call_status, case_api, run_worker, fast_forward
):
    landline_job()
    case_api.complete()
    call_status(calls_to()[0], "no-answer")
    fast_forward(1800)
    run_worker()
    # The only call after the first is the question, not "a crew is coming".
    assert len(calls_to()) == 2


def test_a_busy_question_is_tried_once_more_and_still_asks(
    asked, call_status, run_worker, fast_forward, calls_to, pick_up
):
    call_status(asked(), "busy")
    fast_forward(1800)
    run_worker()
    [_, _, again] = calls_to()
    the_question(twiml(pick_up(again)))


def test_a_busy_question_is_not_tried_again_once_she_answered(
    asked, call_status, run_worker, fast_forward, calls_to, twilio, case_document
):
    question = asked()
    call_status(question, "busy")
    twilio.text(LOES, "ja", to=case_document()["proxy_number"])
    fast_forward(1800)
    run_worker()
    assert len(calls_to()) == 2


def test_it_refuses_a_call_status_without_a_call_sid_or_row(
    landline_job, calls_to, twilio, run_worker, case_system, case_document
):
    landline_job()
    [call] = calls_to()
    row = outbox_id(call)
    for sid, o in [
        (None, row),
        ("", row),
        ("SM" + "a" * 32, row),
        ("CA", row),
        ("CA<script>", row),
        ("CA" + "a" * 100, row),
        ("CA\x00" + "a" * 32, row),
        (call["sid"], None),
        (call["sid"], "abc"),
        (call["sid"], "0"),
        (call["sid"], "-5"),
    ]:
        path = "/twilio/call-status" + ("" if o is None else f"?o={o}")
        form = {"CallStatus": "failed"} if sid is None else {"CallStatus": "failed", "CallSid": sid}
        assert twilio.post(path, form).status_code == 400, (sid, o)
    run_worker()
    assert case_system.deliveries == []
    assert "call.status" not in [e["kind"] for e in case_document()["timeline"]]


@pytest.mark.parametrize("which", ["unknown-row", "a-text-row", "another-call-sid"])
def test_a_status_for_a_call_it_did_not_place_is_ignored(
    which, landline_job, calls_to, twilio, run_worker, fast_forward, case_system, case_document
):
    landline_job()
    [call] = calls_to()
    row, sid = {
        "unknown-row": (999999, call["sid"]),
        "a-text-row": (crew_text_row(case_document), call["sid"]),
        "another-call-sid": (outbox_id(call), "CA" + uuid.uuid4().hex),
    }[which]
    response = twilio.post(f"/twilio/call-status?o={row}", {"CallSid": sid, "CallStatus": "failed"})
    assert response.status_code == 204
    fast_forward(86400)
    run_worker()
    assert case_system.deliveries == [] and len(calls_to()) == 1
    assert "call.status" not in [e["kind"] for e in case_document()["timeline"]]


class TestWithAShorterCallRetry:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "CALL_RETRY_AFTER": "5m"}

    def test_it_calls_once_more_after_call_retry_after(
        self, landline_job, calls_to, call_status, run_worker, fast_forward
    ):
        landline_job()
        call_status(calls_to()[0], "no-answer")
        fast_forward(290)
        run_worker()
        assert len(calls_to()) == 1
        fast_forward(10)
        run_worker()
        assert len(calls_to()) == 2
