"""Hostile and repeated status callbacks: one call however often a failure is reported, and none
on a report that is unsigned, names a stranger's message or carries an unreadable error code.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import entries
from tests.fallback.conftest import outbox_id

# -- hostile and repeated status callbacks --------------------------------------------------------


def test_it_places_one_call_however_often_twilio_reports_the_failure(texted, fails, fake_twilio):
    notice = texted("dispatch_citizen")
    fails(notice, "30006")
    fails(notice, "30006")
    fails(notice, "30006", status="failed")
    assert len(fake_twilio.calls) == 1


def test_it_ignores_an_unsigned_failure_report(texted, twilio, run_worker, fake_twilio, client):
    notice = texted("dispatch_citizen")
    form = {"MessageSid": notice["sid"], "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert twilio.post(f"/twilio/status?o={outbox_id(notice)}", form, signature="forged").status_code == 403
    run_worker()
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []


def test_it_ignores_a_failure_report_for_our_row_with_a_strangers_message_sid(
    texted, twilio, run_worker, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    assert twilio.status("SM" + uuid.uuid4().hex, "undelivered", outbox_id(notice), "30006").status_code == 204
    run_worker()
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []


@pytest.mark.parametrize("code", ["3O006", "30006,21614", "30006" * 3])
def test_it_does_not_call_on_an_error_code_it_cannot_read(code, texted, twilio, run_worker, fake_twilio, case_system):
    notice = texted("dispatch_citizen")
    response = twilio.post(
        f"/twilio/status?o={outbox_id(notice)}",
        {"MessageSid": notice["sid"], "MessageStatus": "undelivered", "ErrorCode": code},
    )
    assert response.status_code == 204
    run_worker()
    assert fake_twilio.calls == []
    assert len(case_system.of_type("message.undeliverable")) == 1
