"""The seed story through the real Signalen, from the Procfile's processes, against the fake Twilio.

A resident reports in Signalen; staff plan a crew; she and the crew are texted; staff close the
signal; she answers NEE with her words; the signal is reopened in Signalen with her words.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.conftest import ANNA, CASE_KEY, JAN
from tests.over_http import text_form, twilio_post
from tests.signalen.conftest import WORDS, done_and_asked, metric, wait_for_metric

pytestmark = pytest.mark.e2e


def test_it_plays_the_seed_story_through_the_real_signalen(gateway, staff, fake_twilio, case_system):
    base, processes = gateway
    signal = staff.report(WORDS, ANNA.national)
    staff.plan(signal["id"])

    fake_twilio.wait_for_messages(2, timeout=30)
    [to_anna] = fake_twilio.texts_to(ANNA.phone)
    assert signal["id_display"] in to_anna and "Gemeente Utrecht" in to_anna
    [to_jan] = fake_twilio.texts_to(JAN.phone)
    assert f'"{WORDS}"' in to_jan, "the crew gets her words verbatim"
    assert "Kerkstraat 12 3511LK Utrecht" in to_jan
    proxy = fake_twilio.messages[0]["From"]

    staff.set_state(signal["id"], "o", "Gat gedicht, paaltjes teruggezet")
    fake_twilio.wait_for_messages(3, timeout=30)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Antwoord met JA of NEE.")

    answer = "NEE, het gat voor mijn deur zit er nog"
    assert twilio_post(base, "/twilio/sms", text_form(ANNA, answer, proxy)).status_code == 200

    reopened = staff.wait_for(signal["id"], lambda s: s["status"]["state"] == "reopened")
    assert answer in reopened["status"]["text"]
    assert reopened["status"]["text"].startswith("Melder via sms:")
    [change] = [h for h in staff.history(signal["id"]) if h["action"] == "Status gewijzigd naar: Heropend"]
    assert answer in change["description"] and change["who"] == "korte-lijn@voorbeeldstad.nl"

    # CASE_CALLBACK_URL is set too: the case system got the same callback, signed.
    [callback] = case_system.wait_for("case.reopened", timeout=15)
    assert callback.data["case_id"] == str(signal["id"]) and callback.data["reply"] == answer
    assert case_system.rejected == []

    # Planned again after her NEE: a new round, and both are texted again.
    staff.set_state(signal["id"], "b")
    staff.set_state(signal["id"], "ingepland", "Ploeg Noord komt opnieuw")
    fake_twilio.wait_until(lambda: len(fake_twilio.texts_to(JAN.phone)) == 2, 30, "the crew's second notice")
    fake_twilio.wait_until(lambda: len(fake_twilio.texts_to(ANNA.phone)) == 4, 30, "her second notice")
    assert signal["id_display"] in fake_twilio.texts_to(ANNA.phone)[-1]  # notice, question, thanks, notice
    case = requests.get(f"{base}/v1/cases/{signal['id']}", headers={"Authorization": f"Bearer {CASE_KEY}"}).json()
    assert case["round"] == 2 and case["status"] == "dispatched"

    assert metric(base, "korte_lijn_signalen_events_total", type="case.dispatched") == 2
    assert metric(base, "korte_lijn_signalen_events_total", type="case.completed") == 1
    wait_for_metric(base, "korte_lijn_messages_total", kind="signalen", recipient="signalen", outcome="sent")
    assert ANNA.phone not in processes.log("signalen")


def test_a_signal_cancelled_before_dispatch_texts_no_one(gateway, staff, fake_twilio):
    base, processes = gateway
    cancelled = staff.report("Losliggende stoeptegel", ANNA.national)
    staff.set_state(cancelled["id"], "i")
    staff.set_state(cancelled["id"], "a", "Dubbele melding")
    # A later signal is dispatched, so the connector has read past the cancelled one.
    later = staff.report(WORDS, "06 11112222")
    staff.plan(later["id"])
    fake_twilio.wait_for_messages(2, timeout=30)
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert metric(base, "korte_lijn_signalen_skipped_total", reason="not_dispatched") == 1
    assert "was never dispatched" in processes.log("signalen")


def test_a_signal_cancelled_after_dispatch_withdraws_and_tells_her(gateway, staff, fake_twilio):
    base, _ = gateway
    signal = staff.report(WORDS, ANNA.national)
    staff.plan(signal["id"])
    fake_twilio.wait_for_messages(2, timeout=30)
    staff.set_state(signal["id"], "a", "Toch niet nodig")
    wait_for_metric(base, "korte_lijn_signalen_events_total", type="case.cancelled")
    case = requests.get(
        f"{base}/v1/cases/{signal['id']}", headers={"Authorization": f"Bearer {CASE_KEY}"}, timeout=10
    ).json()
    assert case["status"] == "cancelled"


def test_planned_again_before_the_job_is_done_texts_no_one_again(gateway, staff, fake_twilio):
    base, processes = gateway
    signal = staff.report(WORDS, ANNA.national)
    staff.plan(signal["id"])
    fake_twilio.wait_for_messages(2, timeout=30)
    # One change at a time, each read before the next (a poll sees only where a signal is now).
    for state, text in (("ingepland", "Verzet naar donderdag"), ("b", None), ("ingepland", "Toch vrijdag")):
        seen = metric(base, "korte_lijn_signalen_signals_seen_total")
        staff.set_state(signal["id"], state, text)
        wait_for_metric(base, "korte_lijn_signalen_signals_seen_total", at_least=seen + 1)
    time.sleep(1)
    assert len(fake_twilio.messages) == 2
    assert processes.log("signalen").count("the crew already has it") == 0  # on the timeline, not the log
    case = requests.get(f"{base}/v1/cases/{signal['id']}", headers={"Authorization": f"Bearer {CASE_KEY}"}).json()
    assert case["round"] == 1
    assert sum("the crew already has it" in entry["summary"] for entry in case["timeline"]) == 2


def test_a_reopen_signalen_refuses_leaves_her_words_in_a_note_and_is_not_retried(gateway, staff, fake_twilio):
    base, _ = gateway
    signal, proxy = done_and_asked(staff, fake_twilio)
    # Staff moved on meanwhile: from b, Signalen allows no step to reopened.
    staff.set_state(signal["id"], "reopened", "Zelf heropend")
    staff.set_state(signal["id"], "b")
    assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Nee hoor, nog niks gedaan", proxy)).status_code == 200

    noted = staff.wait_for(signal["id"], lambda s: any("Nee hoor" in note["text"] for note in s["notes"]))
    assert noted["status"]["state"] == "b"
    [note] = [note["text"] for note in noted["notes"] if "Nee hoor" in note["text"]]
    assert note.startswith("Korte Lijn: kon de melding niet naar 'reopened' zetten.")
    wait_for_metric(base, "korte_lijn_messages_total", kind="signalen", recipient="signalen", outcome="failed")
    case = requests.get(f"{base}/v1/cases/{signal['id']}", headers={"Authorization": f"Bearer {CASE_KEY}"}).json()
    [failed] = [entry for entry in case["timeline"] if entry["kind"] == "signalen.failed"]
    assert "refused 'reopened'" in failed["summary"]
    assert not [entry for entry in case["timeline"] if entry["kind"] == "signalen.retry"]


def test_her_ja_and_her_other_words_become_notes_on_the_signal(gateway, staff, fake_twilio):
    base, _ = gateway
    signal, proxy = done_and_asked(staff, fake_twilio)
    assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Ja, netjes gedaan!", proxy)).status_code == 200
    noted = staff.wait_for(signal["id"], lambda s: len(s["notes"]) >= 1)
    assert noted["status"]["state"] == "o"  # a JA leaves the signal as staff closed it
    [note] = [note["text"] for note in noted["notes"]]
    assert note == 'Korte Lijn: de melder bevestigt via sms dat het is opgelost: "Ja, netjes gedaan!".'
    assert twilio_post(base, "/twilio/sms", text_form(ANNA, "Kunt u ook de stoep vegen?", proxy)).status_code == 200
    noted = staff.wait_for(signal["id"], lambda s: len(s["notes"]) >= 2)
    assert any('"Kunt u ook de stoep vegen?"' in note["text"] for note in noted["notes"])
    assert all(ANNA.national.replace(" ", "") not in note["text"] for note in noted["notes"])
