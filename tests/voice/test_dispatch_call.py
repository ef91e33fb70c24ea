"""The information call: the dispatch notice read out, said again on 9."""

from __future__ import annotations

import re
import uuid

from tests.conftest import JAN, PUBLIC_BASE_URL
from tests.moments import next_year_at
from tests.twiml import query, spoken
from tests.voice.conftest import crew_text_row, hangs_up, outbox_id, twiml

# -- an information call: the dispatch notice ----------------------------------------------------


def test_the_dispatch_call_says_the_notice_and_offers_to_repeat_it(landline_job, calls_to, pick_up):
    landline_job()
    [call] = calls_to()
    root = twiml(pick_up(call))
    [gather] = root.findall("Gather")
    assert gather.get("numDigits") == "1" and gather.get("method") == "POST"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/ivr/repeat?o={outbox_id(call)}&attempt=1"
    [say] = gather.findall("Say")
    assert say.get("language") == "nl-NL"
    assert "Gemeente Utrecht" in say.text and "Kerkstraat 12" in say.text and "ploeg" in say.text
    assert "9" in say.text
    # Then a goodbye and the end of the call.
    assert [child.tag for child in root] == ["Gather", "Say", "Hangup"]
    assert root[1].text == "Tot ziens."


def test_the_dispatch_call_reads_the_code_digit_by_digit(landline_job, calls_to, pick_up, fake_twilio):
    landline_job()
    say = twiml(pick_up(calls_to()[0])).find("Gather/Say").text
    # The crew's text carries the same code, written as a number.
    code = re.search(r"\(code (\d+)\)", fake_twilio.texts_to(JAN.phone)[0]).group(1)
    assert f"Uw code is {' '.join(code)}." in say


def test_the_dispatch_call_speaks_the_eta_as_a_date_and_time(landline_job, calls_to, pick_up):
    landline_job(eta=next_year_at(5, 14, 10, 30))
    say = twiml(pick_up(calls_to()[0])).find("Gather/Say").text
    assert "op 14 mei rond 10:30" in say


def test_it_notes_on_the_timeline_that_she_picked_up(landline_job, calls_to, pick_up, case_document):
    landline_job()
    pick_up(calls_to()[0])
    assert "call.answered" in [entry["kind"] for entry in case_document()["timeline"]]


def test_pressing_9_on_an_information_call_says_it_again_and_counts_it(landline_job, calls_to, pick_up, press):
    landline_job()
    [call] = calls_to()
    first = twiml(pick_up(call))
    again = twiml(press(first.find("Gather").get("action"), "9"))
    assert again.find("Gather/Say").text == first.find("Gather/Say").text
    assert query(again.find("Gather").get("action")) == {**query(first.find("Gather").get("action")), "attempt": "2"}


def test_any_other_key_on_an_information_call_says_goodbye(landline_job, calls_to, pick_up, press):
    landline_job()
    action = twiml(pick_up(calls_to()[0])).find("Gather").get("action")
    for digits in ["1", "5", "99", "9; DROP TABLE cases", "", None]:
        root = twiml(press(action, digits))
        assert root.find("Gather") is None, digits
        assert [say.text for say in root.findall("Say")] == ["Tot ziens."]
        assert hangs_up(root)


def test_a_call_url_naming_no_call_of_ours_says_only_goodbye(landline_job, twilio, case_document):
    landline_job()
    before = case_document()["timeline"]
    for path in [
        "/twilio/ivr/call?o=0",
        "/twilio/ivr/call?o=999999",
        "/twilio/ivr/call?o=abc",
        "/twilio/ivr/call?o=-1",
        "/twilio/ivr/call?o=",
        "/twilio/ivr/call",
    ]:
        root = twiml(twilio.post(path, {"CallSid": "CA" + uuid.uuid4().hex}))
        assert [say.text for say in root.findall("Say")] == ["Tot ziens."] and root.find("Gather") is None, path
    assert case_document()["timeline"] == before


def test_a_call_url_naming_a_text_reads_nothing_of_that_text(landline_job, twilio, fake_twilio, case_document):
    landline_job()
    text_row = crew_text_row(case_document)
    root = twiml(twilio.post(f"/twilio/ivr/call?o={text_row}", {"CallSid": "CA" + uuid.uuid4().hex}))
    [crew_text] = fake_twilio.messages
    assert spoken(root) == "Tot ziens."
    assert "Twee paaltjes" in crew_text["Body"]
