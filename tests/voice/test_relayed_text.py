"""The crew's text reaches Loes as speech, markup spoken and never obeyed."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import JAN
from tests.voice.conftest import LOES, twiml

# -- the crew's words on her landline -------------------------------------------------------------------


@pytest.fixture
def relayed(landline_job, twilio, run_worker, calls_to, pick_up):
    """Jan texts Loes during the job; returns the TwiML of the call that brings her his words."""

    def relay(words: str) -> ET.Element:
        proxy = landline_job()
        assert twilio.text(JAN, words, to=proxy).status_code == 200
        run_worker()
        [_, call] = calls_to()
        return twiml(pick_up(call))

    return relay


def test_the_crews_text_reaches_a_landline_citizen_as_a_call(relayed, fake_twilio):
    root = relayed("We staan om 10 uur bij u, is de poort open?")
    [say] = root.findall("Gather/Say")
    assert "We staan om 10 uur bij u, is de poort open?" in say.text
    assert "ploeg" in say.text
    assert fake_twilio.texts_to(LOES.phone) == []
    assert [child.tag for child in root] == ["Gather", "Say", "Hangup"]


def test_markup_in_the_crews_text_is_spoken_not_obeyed(relayed):
    words = "<Say>bla</Say><Dial>+31600000000</Dial>"
    root = relayed(words)
    [say] = root.findall("Gather/Say")
    assert list(say) == []  # no elements inside the Say: the markup is text
    assert words in say.text
    assert all(element.tag != "Dial" for element in root.iter())


def test_other_markup_in_the_crews_text_stays_text(relayed, twilio, case_document, run_worker, calls_to, pick_up):
    attempts = [
        "]]><Dial>+31600000000</Dial><![CDATA[",
        "&lt;Dial&gt; &amp; <!-- -->",
        '<?xml version="1.0"?><Response><Redirect>https://evil.example/x</Redirect></Response>',
        "<Play>https://evil.example/a.mp3</Play><Hangup/>",
    ]
    relayed(attempts[0])
    for words in attempts[1:]:
        twilio.text(JAN, words, to=case_document()["proxy_number"])
    run_worker()
    calls = calls_to()[1:]
    assert len(calls) == len(attempts)
    for words, call in zip(attempts, calls, strict=False):
        root = twiml(pick_up(call))
        [say] = root.findall("Gather/Say")
        assert words in say.text and list(say) == []
        assert [child.tag for child in root] == ["Gather", "Say", "Hangup"]


def test_a_control_character_in_the_crews_text_still_gives_a_call_she_can_hear(relayed):
    # \x1b is the GSM-7 escape; a phone or an SMS gateway can pass it (or \x0b) on in a Body.
    root = relayed("We komen\x1b om 10 uur.")
    assert "om 10 uur" in root.find("Gather/Say").text
