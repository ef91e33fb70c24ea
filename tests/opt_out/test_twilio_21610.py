"""Twilio refusing a text with 21610 counts as a STOP."""

from __future__ import annotations

from tests.conftest import ANNA, JAN
from tests.opt_out.conftest import REMINDER_AFTER, callback_types

# -- Twilio's 21610 --------------------------------------------------------------------------------


def test_it_opts_her_out_when_twilio_refuses_a_text_with_21610(case_api, run_worker, fake_twilio, case_system):
    case_api.dispatch()
    fake_twilio.fail_next(status=400, code=21610)  # the first text out is Anna's dispatch notice
    run_worker()
    assert callback_types(case_system) == ["citizen.opted_out", "message.undeliverable"]
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["source"] == "twilio 21610"
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["error_code"], report.data["purpose"]) == (
        "citizen",
        "21610",
        "dispatch_citizen",
    )
    assert ANNA.phone not in str(report.data)


def test_it_opts_her_out_when_twilio_reports_21610_in_a_status_callback(
    proxy, fake_twilio, twilio, run_worker, case_system
):
    [notice] = [m for m in fake_twilio.messages if m["To"] == ANNA.phone]
    row = notice["StatusCallback"].rsplit("?o=", 1)[1]
    assert twilio.status(notice["sid"], "failed", int(row), error_code="21610").status_code == 204
    run_worker()
    assert callback_types(case_system) == ["citizen.opted_out", "message.undeliverable"]


def test_it_texts_her_nothing_more_after_a_21610(case_api, run_worker, fake_twilio, says, fast_forward):
    proxy = case_api.dispatch().json["proxy_number"]
    fake_twilio.fail_next(status=400, code=21610)
    run_worker()
    says(JAN, "We komen eraan.", proxy)
    case_api.complete()
    fast_forward(1800)
    run_worker()
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    # Anna's refused notice, Jan's notice, and Jan told his text did not reach her; nothing more to her.
    assert fake_twilio.requests_seen == 3
    assert "geen sms" in fake_twilio.texts_to(JAN.phone)[-1]


def test_it_opts_the_crew_out_when_twilio_refuses_a_text_to_him_with_21610(proxy, says, fake_twilio, case_system):
    fake_twilio.fail_next(status=400, code=21610)
    says(ANNA, "Ik ben vanaf 9 uur thuis", proxy)  # relayed to Jan: refused
    [opted_out] = case_system.of_type("crew.opted_out")
    assert opted_out.data["source"] == "twilio 21610"
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["recipient"] == "crew"
    says(ANNA, "Bel even aan", proxy)
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # his dispatch notice only
