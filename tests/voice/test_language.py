"""An English resident is called in English."""

from __future__ import annotations

from tests.twiml import spoken
from tests.voice.conftest import the_question, twiml

# -- language ---------------------------------------------------------------------------------------------


def test_an_english_citizen_hears_english_on_the_dispatch_call(landline_job, calls_to, pick_up):
    landline_job(citizen_fields={"language": "en"})
    root = twiml(pick_up(calls_to()[0]))
    assert {say.get("language") for say in root.iter("Say")} == {"en-GB"}
    assert "A crew is coming" in root.find("Gather/Say").text
    assert root.findall("Say")[-1].text == "Goodbye."


def test_an_english_citizen_hears_the_question_in_english(asked, pick_up, press):
    root = twiml(pick_up(asked(citizen_fields={"language": "en"})))
    gather = the_question(root)
    assert gather.get("language") == "en-GB" and gather.find("Say").get("language") == "en-GB"
    assert "Press 1" in gather.find("Say").text
    thanks = twiml(press(gather.get("action"), "1"))
    assert {say.get("language") for say in thanks.iter("Say")} == {"en-GB"}
    assert "Thank you" in spoken(thanks)


def test_an_english_citizen_is_not_understood_in_english(asked, pick_up, press):
    action = the_question(twiml(pick_up(asked(citizen_fields={"language": "en"})))).get("action")
    gather = the_question(twiml(press(action, "5")))
    assert gather.find("Say").text.startswith("Sorry, we did not understand that.")
