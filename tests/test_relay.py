"""The masked line: Jan and Anna text and call each other through the proxy number P."""

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, STRANGER, Persona

# A second resident, for Jan's second job on the same day.
BEA = Persona("Bea Jansen", "+31622223333", "06 22223333")


@pytest.fixture
def proxy(case_api, run_worker, fake_twilio):
    """An open job: Anna and Jan share P; the dispatch texts are already out of the way."""
    answer = case_api.dispatch()
    assert answer.status_code == 202
    run_worker()
    fake_twilio.reset()
    return answer.json["proxy_number"]


def shows_number(text: str, persona: Persona) -> bool:
    # Digits only, so "06-87654321", "+31 6 8765 4321" and "0031687654321" all count.
    return persona.phone[-9:] in "".join(ch for ch in text if ch.isdigit())


def test_it_relays_jans_text_to_anna_from_the_proxy_number(proxy, twilio, fake_twilio, run_worker):
    assert twilio.text(JAN, "We staan om 10 uur bij u, waar zit het gat precies?", to=proxy).status_code == 200
    run_worker()
    [message] = fake_twilio.messages
    assert (message["From"], message["To"]) == (proxy, ANNA.phone)
    assert "We staan om 10 uur bij u, waar zit het gat precies?" in message["Body"]


def test_it_relays_annas_text_to_jan_and_to_the_case_system(proxy, twilio, fake_twilio, case_system, run_worker):
    assert twilio.text(ANNA, "Recht voor mijn deur, niet aan de overkant!", to=proxy).status_code == 200
    run_worker()
    [message] = fake_twilio.messages
    assert (message["From"], message["To"]) == (proxy, JAN.phone)
    assert "Recht voor mijn deur, niet aan de overkant!" in message["Body"]
    [callback] = case_system.of_type("case.citizen_message")
    assert callback.data["text"] == "Recht voor mijn deur, niet aan de overkant!"
    assert callback.data["case_id"] == "MOR-2026-0042"


def test_it_never_shows_either_party_the_others_number(case_api, twilio, fake_twilio, run_worker):
    proxy = case_api.dispatch().json["proxy_number"]
    twilio.text(JAN, "Goedemorgen, we komen eraan.", to=proxy)
    twilio.text(ANNA, "Fijn, ik ben thuis.", to=proxy)
    twilio.text(JAN, "Staat uw auto voor de deur?", to=proxy)
    run_worker()
    assert len(fake_twilio.messages) == 5  # two dispatch notices and three relayed texts
    for message in fake_twilio.messages:
        assert message["From"] == proxy
        other = JAN if message["To"] == ANNA.phone else ANNA
        assert message["To"] in (ANNA.phone, JAN.phone)
        assert not shows_number(message["Body"], other)


def test_it_routes_jans_texts_by_the_proxy_number_he_texts(case_api, twilio, fake_twilio, run_worker):
    to_anna = case_api.dispatch().json["proxy_number"]
    to_bea = case_api.dispatch(case_id="MOR-2026-0043", reference="MOR-43", citizen=BEA).json["proxy_number"]
    assert to_anna != to_bea
    run_worker()
    fake_twilio.reset()
    twilio.text(JAN, "Voor mevrouw De Vries", to=to_anna)
    twilio.text(JAN, "Voor mevrouw Jansen", to=to_bea)
    run_worker()
    [for_anna] = fake_twilio.texts_to(ANNA.phone)
    [for_bea] = fake_twilio.texts_to(BEA.phone)
    assert for_anna.endswith("Voor mevrouw De Vries") and for_bea.endswith("Voor mevrouw Jansen")


def test_it_stops_relaying_jans_texts_once_the_job_is_completed(proxy, case_api, twilio, fake_twilio, run_worker):
    assert case_api.complete(note="gat gevuld").status_code == 202
    twilio.text(JAN, "Vergeten te zeggen: de paaltjes komen morgen.", to=proxy)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    [notice] = fake_twilio.texts_to(JAN.phone)
    assert "MOR-42" in notice and "paaltjes" not in notice
    assert len(notice) <= 160  # a short notice: one SMS segment


def test_it_sends_annas_texts_after_completion_to_the_case_system_not_to_jan(
    proxy, case_api, twilio, fake_twilio, case_system, run_worker
):
    case_api.complete(note="gat gevuld")
    twilio.text(ANNA, "Wie haalt het zand weg dat op de stoep ligt?", to=proxy)
    run_worker()
    assert fake_twilio.texts_to(JAN.phone) == []
    [callback] = case_system.of_type("case.citizen_message")
    assert callback.data["text"] == "Wie haalt het zand weg dat op de stoep ligt?"


def voice(response) -> ET.Element:
    """The TwiML of a call, with the rule that holds for every call: a Dial always shows P."""
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    for dial in root.iter("Dial"):
        assert dial.get("callerId") in PROXY_NUMBERS
        assert dial.get("record") in (None, "do-not-record")
    return root


@pytest.mark.parametrize("caller, callee", [(JAN, ANNA), (ANNA, JAN)], ids=["crew-calls", "citizen-calls"])
def test_it_connects_a_call_to_the_other_party_showing_the_proxy_number(proxy, twilio, caller, callee):
    root = voice(twilio.call(caller, to=proxy))
    [dial] = root.findall("Dial")
    assert dial.get("callerId") == proxy
    assert dial.get("record") == "do-not-record"
    assert [number.text for number in dial.iter("Number")] == [callee.phone]
    assert not shows_number(root.find("Say").text, callee)


def test_it_connects_a_stranger_to_nobody(proxy, twilio):
    root = voice(twilio.call(STRANGER, to=proxy))
    assert root.find("Dial") is None
    say = root.find("Say").text
    assert say and not shows_number(say, ANNA) and not shows_number(say, JAN)


@pytest.mark.parametrize("to", ["+3197010000009", PROXY_NUMBERS[2], "", "not-a-number"])
def test_it_connects_nobody_on_a_number_jan_does_not_share_with_anna(proxy, twilio, to):
    assert to != proxy
    assert voice(twilio.call(JAN, to=to)).find("Dial") is None


@pytest.mark.parametrize("caller", ["anonymous", "", "Restricted", "+266696687", "client:jan", "0" * 500])
def test_it_connects_nobody_when_the_caller_is_withheld_or_unreadable(proxy, twilio, caller):
    root = voice(twilio.call(caller, to=proxy))
    assert root.find("Dial") is None and root.find("Say") is not None


def test_it_connects_no_calls_once_the_job_is_completed(proxy, case_api, twilio):
    case_api.complete()
    for caller in (JAN, ANNA):
        root = voice(twilio.call(caller, to=proxy))
        assert root.find("Dial") is None and root.find(".//Dial") is None
    # She is asked whether it is fixed instead (tests/test_voice.py); Jan hears the job is closed.
    assert "MOR-42" in voice(twilio.call(JAN, to=proxy)).find("Say").text


@pytest.mark.parametrize(
    "caller, language",
    [(ANNA, "en-GB"), (JAN, "nl-NL"), (STRANGER, "nl-NL")],
    ids=["citizen-en", "crew-nl", "stranger-default"],
)
def test_it_speaks_the_callers_language(case_api, twilio, caller, language):
    # case_api.dispatch takes its `citizen` keyword as the persona, so the event is spelled out.
    answer = case_api.send(
        "case.dispatched",
        {
            "case_id": "MOR-2026-0042",
            "reference": "MOR-42",
            "description": "A hole by my door.",
            "address": "Kerkstraat 12",
            "citizen": {"phone": ANNA.national, "language": "en"},
            "crew": {"id": "crew-noord", "phone": JAN.national},
        },
    )
    proxy = answer.json["proxy_number"]
    [say] = voice(twilio.call(caller, to=proxy)).findall("Say")
    assert say.get("language") == language
