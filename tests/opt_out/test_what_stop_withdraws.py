"""What STOP withdraws and suppresses: every unsent text, and every later one."""

from __future__ import annotations

import threading
import time

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, entries
from tests.opt_out.conftest import BEA, LIES, PIET, REMINDER_AFTER, callback_types

# -- what STOP withdraws and suppresses ------------------------------------------------------------


def test_it_sends_her_no_reminder_after_stop(asked, says, fast_forward, run_worker, fake_twilio, client):
    says(ANNA, "STOP", asked)
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    [suppressed] = entries(client, "text.suppressed")
    assert suppressed["data"] == {"purpose": "reminder", "recipient": "citizen"}


def test_it_withdraws_a_reminder_that_was_waiting_for_a_retry(asked, says, fast_forward, run_worker, fake_twilio):
    fast_forward(REMINDER_AFTER + 1)
    fake_twilio.fail_next(status=503)  # the reminder is queued, Twilio asks us to come back later
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2 and fake_twilio.requests_seen == 4
    says(ANNA, "STOP", asked)
    fast_forward(3600)
    run_worker(2)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2


def test_it_withdraws_texts_queued_for_her_before_she_said_stop(
    case_api, twilio, run_worker, fast_forward, fake_twilio, client
):
    proxy = case_api.dispatch().json["proxy_number"]
    assert twilio.text(ANNA, "STOP", to=proxy).status_code == 200  # before the worker sent the dispatch notice
    fast_forward(3600)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # the crew's notice still goes
    [opted_out] = entries(client, "opted_out")
    assert "1 unsent text" in opted_out["summary"] and ANNA.phone not in opted_out["summary"]


def test_it_withdraws_a_text_the_worker_had_already_picked_up_when_stop_arrived(
    case_api, twilio, run_worker, fake_twilio
):
    case_api.dispatch(case_id="MOR-2026-0041", reference="MOR-41", citizen=BEA)
    proxy = case_api.dispatch(crew=PIET).json["proxy_number"]
    # The worker claims all four notices; Twilio keeps it waiting on the first (Bea's).
    fake_twilio.fail_next(status=503, hang=1.0)
    worker = threading.Thread(target=run_worker)
    worker.start()
    deadline = time.monotonic() + 5
    while fake_twilio.requests_seen == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert twilio.text(ANNA, "STOP", to=proxy).status_code == 200
    worker.join(timeout=15)
    assert not worker.is_alive()
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1 and len(fake_twilio.texts_to(PIET.phone)) == 1


def test_it_does_not_relay_the_crews_text_to_her_after_stop(proxy, says, fake_twilio, client):
    says(ANNA, "STOP", proxy)
    says(JAN, "We staan om 10 uur bij u.", proxy)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1
    [suppressed] = entries(client, "text.suppressed")
    assert suppressed["data"] == {"purpose": "relay", "recipient": "citizen"}
    assert "We staan" not in suppressed["summary"] and ANNA.phone not in suppressed["summary"]


def test_it_still_relays_her_texts_to_the_crew_after_she_said_stop(proxy, says, fake_twilio, case_system):
    says(ANNA, "STOP", proxy)
    says(ANNA, "Het gat zit recht voor mijn deur", proxy)
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith("Het gat zit recht voor mijn deur")
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Het gat zit recht voor mijn deur"


def test_it_sends_no_thank_you_to_a_yes_after_stop_and_keeps_her_opted_out(
    asked, says, case_system, fake_twilio, client
):
    says(ANNA, "STOP", asked)
    says(ANNA, "YES", asked)
    assert callback_types(case_system) == ["citizen.opted_out", "case.confirmed"]
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    assert [entry["data"]["purpose"] for entry in entries(client, "text.suppressed")] == ["thanks_yes"]


def test_it_keeps_suppressing_texts_in_a_later_case_for_the_same_resident(
    proxy, says, case_api, run_worker, fake_twilio, client
):
    says(ANNA, "STOP", proxy)
    case_api.dispatch(case_id="MOR-2026-0050", reference="MOR-50", crew=PIET)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1
    assert len(fake_twilio.texts_to(PIET.phone)) == 1
    [suppressed] = entries(client, "text.suppressed", case_id="MOR-2026-0050")
    assert suppressed["data"]["purpose"] == "dispatch_citizen"


def test_it_tells_the_case_system_when_a_new_case_is_for_someone_who_opted_out_before(
    proxy, says, case_api, run_worker, case_system
):
    says(ANNA, "STOP", proxy)
    case_api.dispatch(case_id="MOR-2026-0050", reference="MOR-50", crew=PIET)
    run_worker()
    told = [
        d
        for d in case_system.deliveries
        if d.data["case_id"] == "MOR-2026-0050" and d.type in ("citizen.opted_out", "message.undeliverable")
    ]
    assert told


def test_it_still_calls_a_landline_that_sent_stop(case_api, twilio, run_worker, fake_twilio):
    assert twilio.text(LIES, "STOP", to=PROXY_NUMBERS[0]).status_code == 200
    case_api.dispatch(citizen=LIES)
    run_worker()
    [call] = fake_twilio.calls
    assert call["To"] == LIES.phone
    assert fake_twilio.texts_to(LIES.phone) == []
