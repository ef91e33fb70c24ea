"""The connector when things go wrong: killed mid-poll, two of it, Signalen away, a token that
expires, and an account that may not see reporters' phones. Real processes, real Signalen."""

from __future__ import annotations

import time

import pytest

from tests.conftest import ANNA, JAN, Persona
from tests.over_http import text_form, twilio_post
from tests.signalen.conftest import NO_CONTACT_CLIENT, WORDS, done_and_asked, metric, start_connector, wait_for_metric

pytestmark = pytest.mark.e2e

RESIDENTS = [Persona(f"Bewoner {i}", f"+3162000010{i}", f"06 2000010{i}") for i in range(6)]


def test_a_connector_killed_mid_poll_loses_nothing_and_texts_no_one_twice(gateway, staff, fake_twilio):
    base, processes = gateway
    signals = [staff.report(f"Melding {i}: {WORDS}", resident.national) for i, resident in enumerate(RESIDENTS)]
    processes.stop("signalen")  # while it is away, staff plan every crew
    for signal in signals:
        staff.plan(signal["id"])
    start_connector(processes, "signalen-2")
    # Killed as soon as it has taken the first change in: mid-poll, most of the page still to go.
    while "signalen: signal" not in processes.log("signalen-2"):
        time.sleep(0.01)
    processes.kill("signalen-2")
    taken_before_kill = processes.log("signalen-2").count("-> case.dispatched")
    # Two connectors from here on: one polls, the other waits on the lease.
    start_connector(processes, "signalen-3")
    start_connector(processes, "signalen-4")
    fake_twilio.wait_for_messages(2 * len(RESIDENTS), timeout=60)
    time.sleep(3)  # a second dispatch would come within the poll interval
    for resident in RESIDENTS:
        assert len(fake_twilio.texts_to(resident.phone)) == 1, resident
    assert len(fake_twilio.texts_to(JAN.phone)) == len(RESIDENTS)
    print(f"{taken_before_kill} of {len(RESIDENTS)} changes were taken in before the kill")
    assert metric(base, "korte_lijn_signalen_events_total", type="case.dispatched") == len(RESIDENTS)
    wait_for_metric(base, "korte_lijn_signalen_polls_total", outcome="standby")


def test_with_signalen_away_the_write_back_waits_and_polling_resumes(gateway, staff, fake_twilio, signalen):
    base, processes = gateway
    signal, proxy = done_and_asked(staff, fake_twilio)

    signalen.stop()
    try:
        assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Nee, nog steeds een gat", proxy)).status_code == 200
        wait_for_metric(base, "korte_lijn_signalen_polls_total", outcome="failed")
        wait_for_metric(base, "korte_lijn_outbox_retries_total", kind="signalen")
    finally:
        signalen.start_serving()
    reopened = staff.wait_for(signal["id"], lambda s: s["status"]["state"] == "reopened", timeout=60)
    assert "Nee, nog steeds een gat" in reopened["status"]["text"]
    assert "poll failed" in processes.log("signalen") and "polling works again" in processes.log("signalen")
    # And what changes after the outage is taken in as before.
    later = staff.report(WORDS, RESIDENTS[0].national)
    staff.plan(later["id"])
    fake_twilio.wait_until(lambda: len(fake_twilio.texts_to(RESIDENTS[0].phone)) == 1, 30, "her notice")


def test_a_token_that_expires_during_the_run_is_renewed(gateway, staff, fake_twilio, signalen):
    base, processes = gateway
    processes.stop("signalen")
    signalen.issuer.token_lifetime = 2
    try:
        grants_before = signalen.issuer.grants["korte-lijn"]
        start_connector(processes, "short-tokens")
        signal = staff.report(WORDS, ANNA.national)
        time.sleep(3)  # its first token has expired
        staff.plan(signal["id"])
        fake_twilio.wait_for_messages(2, timeout=30)
        time.sleep(2)
        assert signalen.issuer.grants["korte-lijn"] - grants_before >= 3
        assert "poll failed" not in processes.log("short-tokens")
    finally:
        signalen.issuer.token_lifetime = 300


def test_a_token_signalen_no_longer_accepts_is_replaced_at_once(gateway, staff, fake_twilio, signalen):
    base, processes = gateway
    grants_before = signalen.issuer.grants["korte-lijn"]
    signalen.issuer.rotate_key()  # Keycloak's new key: the connector's token now gets 401
    signal = staff.report(WORDS, ANNA.national)
    staff.plan(signal["id"])
    fake_twilio.wait_for_messages(2, timeout=30)
    assert signalen.issuer.grants["korte-lijn"] > grants_before
    assert "poll failed" not in processes.log("signalen")


def test_an_account_without_contact_details_dispatches_nothing_and_says_so_once(gateway, staff, fake_twilio):
    base, processes = gateway
    processes.stop("signalen")
    start_connector(processes, "zonder-contact", SIGNALEN_CLIENT_ID=NO_CONTACT_CLIENT)
    signal = staff.report(WORDS, ANNA.national)
    staff.plan(signal["id"])
    wait_for_metric(
        base, "korte_lijn_signalen_polls_total", at_least=3, outcome="paused"
    )  # a few more polls, each paused
    assert fake_twilio.messages == []
    log = processes.log("zonder-contact")
    assert log.count("sia_can_view_contact_details") == 1, log
    assert "*****" in log and ANNA.phone not in log
    # Given the permission (here: the right account), what waited is dispatched: nothing was lost.
    processes.stop("zonder-contact")
    start_connector(processes, "met-contact")
    fake_twilio.wait_for_messages(2, timeout=30)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1
