"""Hostile and repeated deliveries: a redelivered, forged or unreadable STOP changes nothing;
STOP hidden behind punctuation or invisible characters still counts.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL, STRANGER
from tests.opt_out.conftest import callback_types

# -- hostile and repeated deliveries ----------------------------------------------------------------


def test_it_ignores_a_redelivered_stop(proxy, says, case_system):
    sid = "SM" + uuid.uuid4().hex
    says(ANNA, "STOP", proxy, sid=sid)
    says(ANNA, "STOP", proxy, sid=sid)
    assert len(case_system.of_type("citizen.opted_out")) == 1


def test_it_does_not_opt_her_out_again_when_an_old_stop_is_redelivered_after_start(
    proxy, says, case_system, fake_twilio
):
    sid = "SM" + uuid.uuid4().hex
    says(ANNA, "STOP", proxy, sid=sid)
    says(ANNA, "START", proxy)
    says(ANNA, "STOP", proxy, sid=sid)
    assert callback_types(case_system) == ["citizen.opted_out", "citizen.opted_in"]
    says(JAN, "We zijn er.", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("We zijn er.")


def test_it_refuses_a_stop_with_a_bad_signature(proxy, twilio, run_worker, case_system, says, fake_twilio):
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": ANNA.phone, "To": proxy, "Body": "STOP", "NumMedia": "0"}
    assert twilio.post("/twilio/sms", form, signature="forged").status_code == 403
    run_worker()
    assert case_system.deliveries == []
    says(JAN, "Nog steeds welkom?", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Nog steeds welkom?")


def test_it_refuses_a_stop_signed_for_another_sender(proxy, twilio, run_worker, case_system):
    # The signature covers the form: changing From after signing must not opt out someone else.
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": STRANGER.phone, "To": proxy, "Body": "STOP", "NumMedia": "0"}
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + "/twilio/sms", form)
    assert twilio.post("/twilio/sms", {**form, "From": ANNA.phone}, signature=signature).status_code == 403
    run_worker()
    assert case_system.deliveries == []


@pytest.mark.parametrize("sender", ["", "anonymous"])
def test_it_opts_nobody_out_on_a_stop_from_an_unreadable_sender(sender, proxy, says, case_system, fake_twilio):
    says(sender, "STOP", proxy)
    assert case_system.deliveries == []
    says(JAN, "Alles goed?", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Alles goed?")


def test_it_refuses_a_stop_without_a_message_sid(proxy, twilio, run_worker, case_system):
    form = {"From": ANNA.phone, "To": proxy, "Body": "STOP", "NumMedia": "0"}
    assert twilio.post("/twilio/sms", form).status_code == 400
    run_worker()
    assert case_system.deliveries == []


def test_it_opts_her_out_on_a_stop_with_a_long_tail_of_punctuation(proxy, says, case_system, fake_twilio):
    says(ANNA, "STOP" + "!" * 40, proxy)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["source"].startswith("STOP")
    says(JAN, "We komen eraan.", proxy)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1


@pytest.mark.parametrize(
    "body",
    ["STOP\x00", "\u200bSTOP", "\u202eS\u00adTOP\r\n"],
    ids=["nul", "zero-width-space", "bidi-override-soft-hyphen-crlf"],
)
def test_it_opts_her_out_on_a_stop_with_invisible_characters(body, proxy, says, case_system):
    says(ANNA, body, proxy)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["case_id"] == "MOR-2026-0042"


@pytest.mark.parametrize("body", ["<Message>STOP</Message>", "STOP STOP", "ST0P"])
def test_it_relays_something_that_only_looks_like_stop_to_the_crew(body, proxy, says, case_system, fake_twilio):
    says(ANNA, body, proxy)
    assert case_system.of_type("citizen.opted_out") == []
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith(body)
