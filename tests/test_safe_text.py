"""TwiML and texts are always valid: one cleaner at the boundary, and events that carry what
XML 1.0 forbids are refused (422) before anything is texted or spoken."""

import json
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.twiml.voice_response import VoiceResponse

from gateway.core import gsm7
from gateway.core.safe_text import clean, unsafe_character
from tests.conftest import ANNA, CASE_KEY, JAN, Persona

LOES = Persona("Loes Smit", "+31201234567", "020 123 4567")  # a resident with only a fixed line
NONCHARACTERS = ["\ufffe", "\uffff", "\ufdd0", "\ufdef", "\U0001fffe", "\U0001ffff", "\U0010ffff"]
FORBIDDEN = ["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x9b", "\ud800", "\udfff", *NONCHARACTERS]
# Any code point, lone surrogates included, with what XML forbids made likely.
ANY_TEXT = st.text(st.one_of(st.characters(), st.sampled_from(FORBIDDEN)))
GSM7_WITH_JUNK = st.text(st.sampled_from(sorted(gsm7.BASIC | gsm7.EXTENDED) + FORBIDDEN))


def said(words: str) -> ET.Element:
    """`words` in a <Say>, as gateway/http/voice.py writes it, read back by an XML parser."""
    response = VoiceResponse()
    response.say(clean(words), language="nl-NL")
    return ET.fromstring(str(response))


# -- the cleaner ---------------------------------------------------------------------------------


@given(ANY_TEXT)
def test_any_string_cleaned_is_well_formed_xml_in_a_say(words):
    # An XML parser reads every line end as \n.
    heard = clean(words).replace("\r\n", "\n").replace("\r", "\n")
    assert (said(words).find("Say").text or "") == heard


@given(ANY_TEXT)
def test_any_string_cleaned_is_safe_to_text(words):
    cleaned = clean(words)
    assert unsafe_character(cleaned) is None
    cleaned.encode("utf-8")  # no lone surrogate: a text goes out as UTF-8
    assert clean(cleaned) == cleaned


@given(GSM7_WITH_JUNK)
def test_cleaning_a_gsm7_text_keeps_it_gsm7(words):
    # A cleaned text must not cost more: nothing outside GSM-7 is put in.
    assert gsm7.is_gsm7(clean(words))


def test_it_removes_noncharacters_and_surrogates_and_turns_controls_into_spaces():
    assert clean("Gat\uffffin de\ufffe stoep\ud800,\U0010ffff echt\ufdd0") == "Gatin de stoep, echt"
    assert clean("We komen\x1bom\x0010 uur\x9b.") == "We komen om 10 uur ."
    assert clean("Regel 1\nRegel 2\r\n\tEinde") == "Regel 1\nRegel 2\r\n\tEinde"


def test_it_leaves_every_character_people_write_alone():
    words = "Gat 🕳️ voor mijn deur, \u201cpaaltjes\u201d, ł, ÿ, \ufffd, \u200d, 中文, العربية"
    assert clean(words) == words and unsafe_character(words) is None


@pytest.mark.parametrize(
    "character, description",
    [
        ("\uffff", "U+FFFF (a Unicode noncharacter)"),
        ("\U0001fffe", "U+1FFFE (a Unicode noncharacter)"),
        ("\ud83d", "U+D83D (a lone surrogate)"),
        ("\x07", "U+0007 (a control character)"),
    ],
)
def test_it_names_the_character_it_would_remove(character, description):
    assert unsafe_character(f"Gat{character}") == description


# -- events --------------------------------------------------------------------------------------


def dispatch(client, field: str, value: str):
    data = {
        "case_id": "MOR-2026-0042",
        "reference": "MOR-42",
        "description": "Gat in de stoep.",
        "address": "Kerkstraat 12",
        "citizen": {"phone": ANNA.national, "name": ANNA.name},
        "crew": {"id": "crew-noord", "phone": JAN.national, "name": JAN.name},
    }
    parent, _, name = field.rpartition(".")
    (data[parent] if parent else data)[name] = value
    # json.dumps writes a lone surrogate as the escape \ud800, as a sender's JSON library would.
    return client.post(
        "/v1/events",
        data=json.dumps({"type": "case.dispatched", "data": data}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {CASE_KEY}", "webhook-id": "evt_unsafe"},
    )


@pytest.mark.parametrize("field", ["description", "address", "reference", "citizen.name", "crew.name"])
@pytest.mark.parametrize(
    "character",
    ["\uffff", "\ufffe", "\ufdd0", "\U0010ffff", "\ud800"],
    ids=["FFFF", "FFFE", "FDD0", "10FFFF", "lone-surrogate"],
)
def test_an_event_with_a_character_that_cannot_be_spoken_answers_422_naming_the_field(
    field, character, client, run_worker, fake_twilio
):
    answer = dispatch(client, field, f"Kerk{character}straat")
    assert answer.status_code == 422, answer.get_data(as_text=True)
    error = answer.json["error"]
    assert error["field"] == field
    assert f"U+{ord(character):04X}" in error["message"] and "cannot be texted or spoken" in error["message"]
    run_worker()
    assert fake_twilio.messages == [] and fake_twilio.calls == []


@pytest.mark.parametrize("event_type, field", [("case.completed", "note"), ("case.cancelled", "reason")])
def test_a_note_or_reason_with_a_noncharacter_answers_422(event_type, field, case_api):
    assert case_api.dispatch().status_code == 202
    answer = case_api.send(event_type, {"case_id": "MOR-2026-0042", field: "klaar\uffff"})
    assert answer.status_code == 422 and answer.json["error"]["field"] == field


# -- what the crew writes ------------------------------------------------------------------------


def test_a_crew_text_with_u_ffff_reaches_a_landline_resident_as_well_formed_twiml(
    case_api, twilio, run_worker, fake_twilio
):
    proxy = case_api.dispatch(citizen=LOES).json["proxy_number"]
    run_worker()
    assert twilio.text(JAN, "We komen\uffff om 10 uur\ufffe, is de poort open?", to=proxy).status_code == 200
    run_worker()
    [_, call] = [call for call in fake_twilio.calls if call["To"] == LOES.phone]
    answer = twilio.post(
        call["Url"].split("example.org", 1)[1], {"CallSid": call["sid"], "From": proxy, "To": LOES.phone}
    )
    assert answer.status_code == 200
    root = ET.fromstring(answer.data)  # raised "not well-formed" before the cleaner
    assert "We komen om 10 uur, is de poort open?" in root.find("Gather/Say").text


@pytest.mark.parametrize("sender, recipient", [(JAN, ANNA), (ANNA, JAN)], ids=["crew-to-resident", "resident-to-crew"])
def test_a_relayed_text_goes_out_without_noncharacters(sender, recipient, case_api, twilio, run_worker, fake_twilio):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    fake_twilio.reset()
    assert twilio.text(sender, "Waar\uffff zit het\U0001ffff gat?", to=proxy).status_code == 200
    run_worker()
    [body] = fake_twilio.texts_to(recipient.phone)
    assert "Waar zit het gat?" in body and unsafe_character(body) is None


def test_a_spoken_text_of_the_municipality_with_u_ffff_still_gives_well_formed_twiml(tmp_path, settings, request):
    # TEMPLATES_DIR allows any character in a spoken text; the cleaner at the TwiML boundary copes.
    (tmp_path / "nl.toml").write_text('voice_goodbye = "Tot \\uFFFFziens\\uFDD0."\n', encoding="utf-8")
    settings["TEMPLATES_DIR"] = str(tmp_path)
    answer = request.getfixturevalue("twilio").post("/twilio/ivr/call?o=0", {"CallSid": "CA" + "1" * 32})
    assert answer.status_code == 200
    assert ET.fromstring(answer.data).find("Say").text == "Tot ziens."
