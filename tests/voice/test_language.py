"""A resident is called in her own language: English, Turkish, Arabic, Polish or Ukrainian."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows import messages
from tests.twiml import spoken
from tests.voice.conftest import the_question, twiml

# What she says for "no, it is still there" and "yes" in each language, as the speech engine writes it.
SAID = {
    "tr": ("Hayır, çukur hâlâ orada", "Evet, düzeldi"),
    "ar": ("لا، الحفرة ما زالت موجودة", "نعم تم الإصلاح"),
    "pl": ("Nie, dziura nadal jest", "Tak, naprawione"),
    "uk": ("Ні, яма досі є", "Так, полагодили"),
}

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


@pytest.mark.parametrize("language", sorted(SAID))
def test_she_hears_the_question_in_her_language_and_her_no_reopens(
    language, asked, pick_up, press, run_worker, case_system, case_document
):
    voice = messages.VOICES[language]
    gather = the_question(twiml(pick_up(asked(citizen_fields={"language": language}))))
    say = gather.find("Say")
    assert (say.get("voice"), say.get("language")) == (voice.name, voice.say)
    assert (gather.get("language"), gather.get("hints")) == (voice.hear, voice.hints)
    assert say.text == messages.DEFAULT_TEXTS.render(
        language, "voice_question", org="Gemeente Utrecht", address="Kerkstraat 12"
    )
    no, _ = SAID[language]
    thanks = twiml(press(gather.get("action"), speech=no))
    assert {(s.get("voice"), s.get("language")) for s in thanks.iter("Say")} == {(voice.name, voice.say)}
    run_worker()
    [reopened] = case_system.deliveries
    assert (reopened.type, reopened.data["reply"]) == ("case.reopened", no)
    assert case_document()["status"] == "reopened"


@pytest.mark.parametrize("language", sorted(SAID))
def test_her_yes_in_her_language_confirms(language, asked, pick_up, press, run_worker, case_system):
    gather = the_question(twiml(pick_up(asked(citizen_fields={"language": language}))))
    _, yes = SAID[language]
    twiml(press(gather.get("action"), speech=yes))
    run_worker()
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]


def test_every_language_has_a_voice_that_speaks_it():
    # Twilio's Google voices are named after their locale: a voice for another language would read
    # Turkish with a Dutch mouth, or fail the call.
    assert set(messages.VOICES) == set(messages.LANGUAGES)
    for language, voice in messages.VOICES.items():
        assert voice.name == f"Google.{voice.say}-Standard-A", language
        assert voice.say.split("-")[0] == voice.hear.split("-")[0] == language, language


def test_the_readme_lists_each_language_with_the_voice_it_is_spoken_in():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {
        cells[0].strip("` "): tuple(cell.strip("` ") for cell in cells[3:6])
        for line in readme.splitlines()
        if line.startswith("| `") and len(cells := line.strip("|").split("|")) == 6
    }
    assert {code: (voice.name, voice.say, voice.hear) for code, voice in messages.VOICES.items()} == {
        code: (name, say, hear.split()[0].strip("`"))
        for code, (name, say, hear) in rows.items()
        if code in messages.VOICES
    }
