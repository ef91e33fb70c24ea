"""Landlines and the IVR: Loes has no mobile, so she is called, and answers with a key or in words."""

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL, STRANGER, Persona

# A resident with only a fixed line at home.
LOES = Persona("Loes Smit", "+31201234567", "020 123 4567")
CASE_ID = "MOR-2026-0042"
FALLBACK = "14 030"


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


# -- reading what Twilio would get -------------------------------------------------------------


def twiml(response) -> ET.Element:
    """The TwiML of a call, with the rule for every call we answer: nobody is ever dialled from here."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    assert list(root.iter("Dial")) == [] and list(root.iter("Number")) == []
    return root


def local(url: str) -> str:
    """A URL we handed Twilio, as the path (and query) Twilio will request and sign."""
    assert url.startswith(PUBLIC_BASE_URL + "/twilio/"), url
    return url[len(PUBLIC_BASE_URL) :]


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def outbox_id(call: dict) -> int:
    return int(query(call["Url"])["o"])


def spoken(root: ET.Element) -> str:
    return " ".join(say.text or "" for say in root.iter("Say"))


def the_question(root: ET.Element) -> ET.Element:
    """The yes/no Gather of a question call."""
    [gather] = root.findall("Gather")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("numDigits") == "1"
    assert gather.get("method") == "POST"
    assert local(gather.get("action")).startswith("/twilio/ivr/answer?")
    [say] = gather.findall("Say")
    assert "opgelost" in say.text or "fixed" in say.text
    return gather


def hangs_up(root: ET.Element) -> bool:
    return len(root) > 0 and root[-1].tag == "Hangup"


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def document(client):
    """The case as the case system sees it, timeline included."""

    def fetch(case_id: str = CASE_ID) -> dict:
        answer = client.get(f"/v1/cases/{case_id}", headers={"Authorization": "Bearer retired-case-system-key"})
        assert answer.status_code == 200
        return answer.json

    return fetch


@pytest.fixture
def calls_to(fake_twilio):
    def calls(persona: Persona = LOES) -> list[dict]:
        return [call for call in fake_twilio.calls if call["To"] == persona.phone]

    return calls


@pytest.fixture
def landline_job(case_api, run_worker, calls_to):
    """Loes's job is dispatched and her dispatch call placed; returns the proxy number."""

    def dispatch(**fields) -> str:
        answer = case_api.dispatch(citizen=LOES, **fields)
        assert answer.status_code == 202
        run_worker()
        assert len(calls_to()) == 1
        return answer.json["proxy_number"]

    return dispatch


@pytest.fixture
def asked(landline_job, case_api, run_worker, fast_forward, calls_to):
    """The job is done and CONFIRMATION_DELAY has passed: the question call to Loes is placed."""

    def ask(**fields) -> dict:
        landline_job(**fields)
        assert case_api.complete(note="gat gevuld").status_code == 202
        fast_forward(1800)
        run_worker()
        calls = calls_to()
        assert len(calls) == 2
        return calls[-1]

    return ask


@pytest.fixture
def pick_up(twilio):
    """Loes picks up: Twilio fetches the call's Url, as a signed POST."""

    def answer(call: dict):
        return twilio.post(
            local(call["Url"]),
            {
                "CallSid": call["sid"],
                "AccountSid": "AC" + "0" * 32,
                "From": call["From"],
                "To": call["To"],
                "CallStatus": "in-progress",
                "Direction": "outbound-api",
            },
        )

    return answer


@pytest.fixture
def press(twilio):
    """What she keys in (Digits) or says (SpeechResult), posted to the Gather's action."""

    def post(action: str, digits: str | None = None, speech: str | None = None, caller: Persona = LOES):
        form = {"CallSid": "CA" + uuid.uuid4().hex, "From": caller.phone, "To": "+3197010000001"}
        if digits is not None:
            form["Digits"] = digits
        if speech is not None:
            form["SpeechResult"], form["Confidence"] = speech, "0.91"
        return twilio.post(local(action), form)

    return post


@pytest.fixture
def question_action(asked, pick_up):
    """The question call is picked up; returns the answer URL of its Gather."""

    def action(**fields) -> str:
        return the_question(twiml(pick_up(asked(**fields)))).get("action")

    return action


@pytest.fixture
def call_status(twilio):
    """Twilio's final word on a call we placed."""

    def post(call: dict, status: str, sid: str | None = None):
        form = {"CallSid": sid or call["sid"], "CallStatus": status, "To": call["To"], "From": call["From"]}
        return twilio.post(local(call["StatusCallback"]), form)

    return post


# -- calls instead of texts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "national, e164",
    [
        ("020 123 4567", "+31201234567"),
        ("030 286 0000", "+31302860000"),
        ("+31 30 286 0000", "+31302860000"),
        ("085 208 0000", "+31852080000"),
        ("010 123 4567", "+31101234567"),
    ],
    ids=["fixed-amsterdam", "fixed-utrecht", "fixed-international", "voip", "fixed-rotterdam"],
)
def test_it_calls_a_citizen_on_a_number_that_takes_no_texts(national, e164, case_api, run_worker, fake_twilio):
    assert case_api.dispatch(citizen=Persona("Thuis", e164, national)).status_code == 202
    run_worker()
    [call] = fake_twilio.calls
    assert call["To"] == e164
    assert [m["To"] for m in fake_twilio.messages] == [JAN.phone]


def test_it_still_texts_the_crew_when_the_citizen_is_on_a_landline(landline_job, fake_twilio):
    proxy = landline_job()
    [text] = fake_twilio.messages
    assert (text["To"], text["From"]) == (JAN.phone, proxy)
    assert "Kerkstraat 12" in text["Body"]
    assert all(call["To"] != JAN.phone for call in fake_twilio.calls)


def test_it_places_the_call_from_the_proxy_number_with_urls_that_name_the_outbox_row(landline_job, calls_to):
    proxy = landline_job()
    [call] = calls_to()
    row = outbox_id(call)
    assert (call["From"], call["To"]) == (proxy, LOES.phone)
    assert call["Url"] == f"{PUBLIC_BASE_URL}/twilio/ivr/call?o={row}"
    assert call["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/call-status?o={row}"
    assert call["Method"] == "POST" and call["StatusCallbackMethod"] == "POST"


def test_it_notes_the_placed_call_on_the_timeline_with_the_number_masked(landline_job, document, client):
    landline_job()
    kinds = [entry["kind"] for entry in document()["timeline"]]
    assert "call.queued" in kinds and "call.sent" in kinds
    raw = client.get(f"/v1/cases/{CASE_ID}", headers={"Authorization": "Bearer retired-case-system-key"}).get_data(
        as_text=True
    )
    assert LOES.phone not in raw


def test_it_calls_her_with_the_question_after_the_job_and_texts_her_nothing(asked, fake_twilio, calls_to):
    question = asked()
    assert question["To"] == LOES.phone and outbox_id(question) > outbox_id(calls_to()[0])
    assert fake_twilio.texts_to(LOES.phone) == []


def test_it_asks_nothing_before_confirmation_delay(landline_job, case_api, run_worker, fast_forward, calls_to):
    landline_job()
    case_api.complete()
    fast_forward(1790)
    run_worker()
    assert len(calls_to()) == 1


def test_it_calls_her_with_the_reminder_when_the_question_went_unanswered(
    asked, run_worker, fast_forward, calls_to, pick_up
):
    asked()
    fast_forward(86400)
    run_worker()
    [_, _, reminder] = calls_to()
    gather = the_question(twiml(pick_up(reminder)))
    assert "herinnering" in gather.find("Say").text


def test_it_does_not_ring_her_to_say_thank_you(question_action, press, run_worker, fast_forward, fake_twilio, calls_to):
    press(question_action(), "1")
    run_worker()
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 2
    assert fake_twilio.texts_to(LOES.phone) == []


def test_it_does_not_ring_her_to_say_her_message_was_passed_on(
    question_action, press, twilio, run_worker, case_system, calls_to, document
):
    # Some fixed lines can text: what she texts after the job reaches the case system, no call follows.
    press(question_action(), "1")
    proxy = document()["proxy_number"]
    assert twilio.text(LOES, "Wie haalt het zand weg dat op de stoep ligt?", to=proxy).status_code == 200
    run_worker()
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Wie haalt het zand weg dat op de stoep ligt?"
    assert len(calls_to()) == 2
    assert "call.skipped" in [entry["kind"] for entry in document()["timeline"]]


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
    landline_job(eta="2026-05-14T10:30:00+02:00")
    say = twiml(pick_up(calls_to()[0])).find("Gather/Say").text
    assert "op 14 mei rond 10:30" in say


def test_it_notes_on_the_timeline_that_she_picked_up(landline_job, calls_to, pick_up, document):
    landline_job()
    pick_up(calls_to()[0])
    assert "call.answered" in [entry["kind"] for entry in document()["timeline"]]


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


def test_a_call_url_naming_no_call_of_ours_says_only_goodbye(landline_job, twilio, document):
    landline_job()
    before = document()["timeline"]
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
    assert document()["timeline"] == before


def crew_text_row(document) -> int:
    [row] = [
        e["data"]["outbox_id"]
        for e in document()["timeline"]
        if e["kind"] == "text.queued" and e["data"]["recipient"] == "crew"
    ]
    return row


def test_a_call_url_naming_a_text_reads_nothing_of_that_text(landline_job, twilio, fake_twilio, document):
    landline_job()
    text_row = crew_text_row(document)
    root = twiml(twilio.post(f"/twilio/ivr/call?o={text_row}", {"CallSid": "CA" + uuid.uuid4().hex}))
    [crew_text] = fake_twilio.messages
    assert spoken(root) == "Tot ziens."
    assert "Twee paaltjes" in crew_text["Body"]


# -- the question call ---------------------------------------------------------------------------


def test_the_question_call_gathers_a_key_or_words_for_this_case_and_round(asked, pick_up, document):
    root = twiml(pick_up(asked()))
    gather = the_question(root)
    params = query(gather.get("action"))
    assert params["round"] == str(document()["round"]) == "1" and params["attempt"] == "1"
    assert params["case"].isdigit()
    say = gather.find("Say")
    assert say.get("language") == "nl-NL" and gather.get("language") == "nl-NL"
    assert "Kerkstraat 12" in say.text and "Druk 1" in say.text and "Druk 2" in say.text


def test_silence_on_the_question_asks_it_once_more(asked, pick_up, twilio):
    root = twiml(pick_up(asked()))
    action = the_question(root).get("action")
    [redirect] = root.findall("Redirect")
    assert [child.tag for child in root] == ["Gather", "Redirect"]
    assert redirect.get("method") == "POST"
    assert local(redirect.text).startswith("/twilio/ivr/question?")
    assert query(redirect.text) == {**query(action), "attempt": "2"}

    again = twiml(twilio.post(local(redirect.text), {"CallSid": "CA" + uuid.uuid4().hex}))
    assert query(the_question(again).get("action"))["attempt"] == "2"


def test_silence_twice_says_goodbye_and_hangs_up(asked, pick_up, twilio, case_system, run_worker):
    redirect = twiml(pick_up(asked())).find("Redirect").text
    root = twiml(twilio.post(local(redirect), {"CallSid": "CA" + uuid.uuid4().hex}))
    the_question(root)
    assert root.find("Redirect") is None
    assert [child.tag for child in root] == ["Gather", "Say", "Hangup"]
    assert "geen keuze" in root[1].text
    run_worker()
    assert case_system.deliveries == []


def test_pressing_1_confirms_the_case_and_thanks_her_on_the_phone(
    question_action, press, case_system, run_worker, document
):
    root = twiml(press(question_action(), "1"))
    assert root.find("Gather") is None and hangs_up(root)
    assert "Dank u wel" in spoken(root)
    run_worker()
    [confirmed] = case_system.of_type("case.confirmed")
    assert confirmed.data["case_id"] == CASE_ID and confirmed.data["round"] == 1
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]
    assert document()["status"] == "confirmed"


def test_pressing_2_reopens_the_case_with_the_key_as_her_reply(
    question_action, press, case_system, run_worker, document, fake_twilio
):
    root = twiml(press(question_action(), "2"))
    assert root.find("Gather") is None and hangs_up(root)
    assert "opnieuw op" in spoken(root)
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "toets 2" and reopened.data["case_id"] == CASE_ID
    assert document()["status"] == "reopened"
    assert fake_twilio.texts_to(LOES.phone) == []


def test_pressing_9_asks_the_question_again_and_counts_it(question_action, press, case_system, run_worker):
    action = question_action()
    root = twiml(press(action, "9"))
    assert query(the_question(root).get("action")) == {**query(action), "attempt": "2"}
    assert "niet begrepen" not in spoken(root)
    run_worker()
    assert case_system.deliveries == []


def test_a_key_it_does_not_know_is_not_understood_and_the_question_comes_once_more(
    question_action, press, case_system, run_worker, document
):
    action = question_action()
    for digits in ["5", "0", "*", "#", "12", "1abc", "x", "1' OR '1'='1", "१", "1" * 40]:
        root = twiml(press(action, digits))
        gather = the_question(root)
        assert gather.find("Say").text.startswith("Dat hebben we niet begrepen."), digits
        assert query(gather.get("action")) == {**query(action), "attempt": "2"}
    run_worker()
    assert case_system.deliveries == []
    assert document()["status"] == "awaiting_confirmation"


def test_a_second_unknown_key_says_goodbye(question_action, press, case_system, run_worker, document):
    second = the_question(twiml(press(question_action(), "5"))).get("action")
    root = twiml(press(second, "7"))
    assert root.find("Gather") is None and hangs_up(root)
    assert "niet begrepen" in spoken(root) and "Tot ziens" in spoken(root)
    run_worker()
    assert case_system.deliveries == []
    assert document()["status"] == "awaiting_confirmation"


@pytest.mark.parametrize(
    "speech, callback, status",
    [
        ("nee het gat zit er nog", "case.reopened", "reopened"),
        ("Ja, maar het gat zit er nog steeds", "case.reopened", "reopened"),
        ("ja hoor", "case.confirmed", "confirmed"),
        ("Ja, het gat is dicht, dank u wel", "case.confirmed", "confirmed"),
    ],
)
def test_her_words_are_read_like_a_text(
    speech, callback, status, question_action, press, case_system, run_worker, document
):
    root = twiml(press(question_action(), speech=speech))
    assert root.find("Gather") is None and hangs_up(root)
    run_worker()
    [delivery] = case_system.deliveries
    assert delivery.type == callback and delivery.data["reply"] == speech
    assert document()["status"] == status


def test_words_that_do_not_answer_ask_once_more(question_action, press, case_system, run_worker):
    action = question_action()
    for speech in ["weet ik niet", "ja nee", "wie is dit?", "STOP", "   "]:
        gather = the_question(twiml(press(action, speech=speech)))
        assert gather.find("Say").text.startswith("Dat hebben we niet begrepen."), speech
        assert query(gather.get("action"))["attempt"] == "2"
    run_worker()
    assert case_system.deliveries == []


def test_a_flood_of_words_is_cut_and_still_read(question_action, press, case_system, run_worker):
    speech = "nee het gat zit er nog " + "bla " * 5000
    assert twiml(press(question_action(), speech=speech)).find("Gather") is None
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"].startswith("nee het gat zit er nog")
    assert len(reopened.data["reply"]) <= 500


def test_a_nul_byte_in_her_words_does_no_harm(question_action, press, case_system, run_worker):
    root = twiml(press(question_action(), speech="nee\x00 het gat zit er nog"))
    assert root.find("Gather") is None
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert "\x00" not in reopened.data["reply"]


def test_a_replayed_answer_counts_once(question_action, press, case_system, run_worker):
    action = question_action()
    press(action, "1")
    replay = twiml(press(action, "1"))
    assert "al afgehandeld" in spoken(replay) and replay.find("Gather") is None
    run_worker()
    assert len(case_system.of_type("case.confirmed")) == 1


def test_a_replayed_answer_with_another_key_cannot_turn_a_yes_into_a_no(
    question_action, press, case_system, run_worker, document
):
    action = question_action()
    press(action, "1")
    assert "al afgehandeld" in spoken(twiml(press(action, "2")))
    run_worker()
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]
    assert document()["status"] == "confirmed"


def test_the_reminder_call_after_she_answered_is_never_placed(
    question_action, press, run_worker, fast_forward, calls_to
):
    press(question_action(), "2")
    fast_forward(3 * 86400)
    run_worker()
    assert len(calls_to()) == 2


# -- stale and unknown -----------------------------------------------------------------------------


def test_an_answer_for_a_case_it_does_not_know_says_goodbye_and_changes_nothing(
    question_action, twilio, case_system, run_worker, document
):
    question_action()
    before = document()
    for params in [
        "?case=999999&round=1&attempt=1",
        "?case=0&round=1&attempt=1",
        "?case=abc&round=1&attempt=1",
        "?case=-1&round=1",
        "?round=1",
        "",
    ]:
        root = twiml(twilio.post(f"/twilio/ivr/answer{params}", {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "1"}))
        assert spoken(root) == "Tot ziens." and root.find("Gather") is None and hangs_up(root), params
    run_worker()
    assert case_system.deliveries == []
    assert document() == before


def test_an_answer_for_an_earlier_round_says_goodbye_and_changes_nothing(
    question_action, press, case_api, case_system, run_worker, document
):
    action = question_action()
    assert case_api.dispatch(citizen=LOES).status_code == 202  # the case system sends a crew once more
    run_worker()
    root = twiml(press(action, "1"))
    assert spoken(root) == "Tot ziens." and root.find("Gather") is None
    run_worker()
    assert case_system.of_type("case.confirmed") == []
    assert document()["status"] == "dispatched" and document()["round"] == 2


def test_a_forged_round_in_the_question_url_says_goodbye(question_action, twilio):
    action = question_action()
    params = {**query(action), "round": "7", "attempt": "2"}
    root = twiml(
        twilio.post(
            "/twilio/ivr/question?" + "&".join(f"{k}={v}" for k, v in params.items()),
            {"CallSid": "CA" + uuid.uuid4().hex},
        )
    )
    assert spoken(root) == "Tot ziens." and root.find("Gather") is None


def test_a_question_call_picked_up_after_she_answered_by_text_says_it_is_dealt_with(
    asked, twilio, pick_up, case_system, run_worker, document
):
    question = asked()
    assert twilio.text(LOES, "ja", to=document()["proxy_number"]).status_code == 200
    root = twiml(pick_up(question))
    assert root.find("Gather") is None and hangs_up(root)
    assert "al afgehandeld" in spoken(root) and "Kerkstraat 12" in spoken(root)
    run_worker()
    assert len(case_system.of_type("case.confirmed")) == 1


def test_the_second_question_after_she_answered_elsewhere_says_it_is_dealt_with(asked, pick_up, twilio, document):
    redirect = twiml(pick_up(asked())).find("Redirect").text
    twilio.text(LOES, "nee", to=document()["proxy_number"])
    root = twiml(twilio.post(local(redirect), {"CallSid": "CA" + uuid.uuid4().hex}))
    assert root.find("Gather") is None and "al afgehandeld" in spoken(root)


# -- the call's status -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["busy", "no-answer"])
def test_a_busy_or_unanswered_call_is_placed_once_more_after_call_retry_after(
    status, landline_job, calls_to, call_status, run_worker, fast_forward, case_system
):
    landline_job()
    [first] = calls_to()
    assert call_status(first, status).status_code == 204
    run_worker()
    fast_forward(1790)
    run_worker()
    assert len(calls_to()) == 1
    fast_forward(10)
    run_worker()
    [_, second] = calls_to()
    assert (second["From"], second["To"]) == (first["From"], first["To"])
    assert outbox_id(second) != outbox_id(first)
    assert case_system.deliveries == []


@pytest.mark.parametrize("status", ["busy", "no-answer"])
def test_a_second_busy_or_unanswered_call_is_reported_undeliverable(
    status, landline_job, calls_to, call_status, run_worker, fast_forward, case_system, fake_twilio
):
    landline_job()
    call_status(calls_to()[0], status)
    fast_forward(1800)
    run_worker()
    assert call_status(calls_to()[1], status).status_code == 204
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["recipient"] == "citizen" and report.data["channel"] == "call"
    assert report.data["purpose"] == "dispatch_citizen" and report.data["case_id"] == CASE_ID
    assert LOES.phone not in str(report.data)
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 2 and fake_twilio.texts_to(LOES.phone) == []


def test_a_failed_call_is_reported_at_once_and_not_tried_again(
    landline_job, calls_to, call_status, run_worker, fast_forward, case_system
):
    landline_job()
    assert call_status(calls_to()[0], "failed").status_code == 204
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["channel"] == "call" and report.data["recipient"] == "citizen"
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 1


@pytest.mark.parametrize("status", ["completed", "canceled"])
def test_a_completed_call_needs_nothing_more(
    status, landline_job, calls_to, call_status, run_worker, fast_forward, case_system, document
):
    landline_job()
    assert call_status(calls_to()[0], status).status_code == 204
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 1 and case_system.deliveries == []
    statuses = [e["data"]["status"] for e in document()["timeline"] if e["kind"] == "call.status"]
    assert statuses == [status]


def test_a_status_that_is_not_final_changes_nothing(
    landline_job, calls_to, call_status, run_worker, fast_forward, case_system, document
):
    landline_job()
    for status in ["queued", "initiated", "ringing", "in-progress", "exploded", ""]:
        assert call_status(calls_to()[0], status).status_code == 204, status
    fast_forward(86400)
    run_worker()
    assert len(calls_to()) == 1 and case_system.deliveries == []
    assert "call.status" not in [e["kind"] for e in document()["timeline"]]


@pytest.mark.parametrize("first, again", [("busy", "busy"), ("no-answer", "completed")])
def test_a_redelivered_final_status_has_no_effect(
    first, again, landline_job, calls_to, call_status, run_worker, fast_forward, case_system
):
    landline_job()
    [call] = calls_to()
    call_status(call, first)
    assert call_status(call, again).status_code == 204
    fast_forward(1800)
    run_worker()
    assert len(calls_to()) == 2 and case_system.deliveries == []


def test_a_redelivered_failure_is_reported_once(landline_job, calls_to, call_status, run_worker, case_system):
    landline_job()
    [call] = calls_to()
    call_status(call, "failed")
    call_status(call, "failed")
    call_status(call, "busy")
    run_worker()
    assert len(case_system.of_type("message.undeliverable")) == 1


def test_a_busy_dispatch_call_is_not_tried_again_once_the_job_is_done(
    landline_job, calls_to, call_status, case_api, run_worker, fast_forward
):
    landline_job()
    case_api.complete()
    call_status(calls_to()[0], "no-answer")
    fast_forward(1800)
    run_worker()
    # The only call after the first is the question, not "a crew is coming".
    assert len(calls_to()) == 2


def test_a_busy_question_is_tried_once_more_and_still_asks(
    asked, call_status, run_worker, fast_forward, calls_to, pick_up
):
    call_status(asked(), "busy")
    fast_forward(1800)
    run_worker()
    [_, _, again] = calls_to()
    the_question(twiml(pick_up(again)))


def test_a_busy_question_is_not_tried_again_once_she_answered(
    asked, call_status, run_worker, fast_forward, calls_to, twilio, document
):
    question = asked()
    call_status(question, "busy")
    twilio.text(LOES, "ja", to=document()["proxy_number"])
    fast_forward(1800)
    run_worker()
    assert len(calls_to()) == 2


def test_it_refuses_a_call_status_without_a_call_sid_or_row(
    landline_job, calls_to, twilio, run_worker, case_system, document
):
    landline_job()
    [call] = calls_to()
    row = outbox_id(call)
    for sid, o in [
        (None, row),
        ("", row),
        ("SM" + "a" * 32, row),
        ("CA", row),
        ("CA<script>", row),
        ("CA" + "a" * 100, row),
        ("CA\x00" + "a" * 32, row),
        (call["sid"], None),
        (call["sid"], "abc"),
        (call["sid"], "0"),
        (call["sid"], "-5"),
    ]:
        path = "/twilio/call-status" + ("" if o is None else f"?o={o}")
        form = {"CallStatus": "failed"} if sid is None else {"CallStatus": "failed", "CallSid": sid}
        assert twilio.post(path, form).status_code == 400, (sid, o)
    run_worker()
    assert case_system.deliveries == []
    assert "call.status" not in [e["kind"] for e in document()["timeline"]]


@pytest.mark.parametrize("which", ["unknown-row", "a-text-row", "another-call-sid"])
def test_a_status_for_a_call_it_did_not_place_is_ignored(
    which, landline_job, calls_to, twilio, run_worker, fast_forward, case_system, document
):
    landline_job()
    [call] = calls_to()
    row, sid = {
        "unknown-row": (999999, call["sid"]),
        "a-text-row": (crew_text_row(document), call["sid"]),
        "another-call-sid": (outbox_id(call), "CA" + uuid.uuid4().hex),
    }[which]
    response = twilio.post(f"/twilio/call-status?o={row}", {"CallSid": sid, "CallStatus": "failed"})
    assert response.status_code == 204
    fast_forward(86400)
    run_worker()
    assert case_system.deliveries == [] and len(calls_to()) == 1
    assert "call.status" not in [e["kind"] for e in document()["timeline"]]


class TestWithAShorterCallRetry:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "CALL_RETRY_AFTER": "5m"}

    def test_it_calls_once_more_after_call_retry_after(
        self, landline_job, calls_to, call_status, run_worker, fast_forward
    ):
        landline_job()
        call_status(calls_to()[0], "no-answer")
        fast_forward(290)
        run_worker()
        assert len(calls_to()) == 1
        fast_forward(10)
        run_worker()
        assert len(calls_to()) == 2


# -- quiet hours -------------------------------------------------------------------------------------


def quiet_window_around_now() -> str:
    """A QUIET_HOURS window that holds now in Amsterdam: from an hour ago until two hours from now."""
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    return f"{(now - timedelta(hours=1)):%H:%M}-{(now + timedelta(hours=2)):%H:%M}"


class TestInQuietHours:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "QUIET_HOURS": quiet_window_around_now()}

    def test_it_holds_the_dispatch_call_but_texts_the_crew(
        self, case_api, run_worker, fake_twilio, fast_forward, calls_to
    ):
        case_api.dispatch(citizen=LOES)
        run_worker()
        assert fake_twilio.calls == []
        assert [m["To"] for m in fake_twilio.messages] == [JAN.phone]
        fast_forward(3 * 3600)
        run_worker()
        assert len(calls_to()) == 1

    def test_it_holds_the_question_call(self, case_api, run_worker, fast_forward, calls_to):
        case_api.dispatch(citizen=LOES)
        case_api.complete()
        fast_forward(1800)
        run_worker()
        assert calls_to() == []
        fast_forward(3 * 3600)
        run_worker()
        # The held dispatch notice was withdrawn when the job was done: only the question rings.
        [question] = calls_to()
        assert question["To"] == LOES.phone

    def test_it_holds_the_crews_relayed_message(self, case_api, twilio, run_worker, fast_forward, calls_to, pick_up):
        proxy = case_api.dispatch(citizen=LOES).json["proxy_number"]
        twilio.text(JAN, "We komen morgen om 9 uur.", to=proxy)
        run_worker()
        assert calls_to() == []
        fast_forward(3 * 3600)
        run_worker()
        assert any("We komen morgen om 9 uur." in spoken(twiml(pick_up(call))) for call in calls_to())


# -- she calls us --------------------------------------------------------------------------------------


@pytest.mark.parametrize("citizen", [LOES, ANNA], ids=["landline", "mobile"])
def test_when_she_calls_back_while_the_question_is_open_she_hears_the_question(
    citizen, case_api, twilio, run_worker, fast_forward, document
):
    proxy = case_api.dispatch(citizen=citizen).json["proxy_number"]
    case_api.complete()
    fast_forward(1800)
    run_worker()
    root = twiml(twilio.call(citizen, to=proxy))
    params = query(the_question(root).get("action"))
    assert params["round"] == "1" and params["attempt"] == "1"
    assert "call.question" in [e["kind"] for e in document()["timeline"]]


def test_when_she_calls_right_after_the_job_she_can_already_say_it_is_not_fixed(
    landline_job, case_api, twilio, press, case_system, run_worker
):
    proxy = landline_job()
    case_api.complete(note="gat gevuld")
    root = twiml(twilio.call(LOES, to=proxy))
    press(the_question(root).get("action"), "2")
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "toets 2"


def test_when_she_calls_right_after_the_job_her_1_confirms_it_and_no_question_follows(
    landline_job, case_api, twilio, press, case_system, run_worker, fast_forward, fake_twilio
):
    proxy = landline_job()
    case_api.complete(note="gat gevuld")
    root = twiml(twilio.call(LOES, to=proxy))
    press(the_question(root).get("action"), "1")
    run_worker()
    assert len(case_system.of_type("case.confirmed")) == 1
    calls_before = len(fake_twilio.calls)
    fast_forward(2 * 86400)
    run_worker()
    assert len(fake_twilio.calls) == calls_before  # neither the question nor the reminder is placed


def test_her_key_on_a_call_she_made_counts_like_on_one_we_placed(
    question_action, twilio, press, case_system, run_worker, document
):
    question_action()
    action = the_question(twiml(twilio.call(LOES, to=document()["proxy_number"]))).get("action")
    press(action, "2")
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "toets 2"


def test_a_stranger_calling_during_the_question_hears_no_question(question_action, twilio, document):
    question_action()
    root = twiml(twilio.call(STRANGER, to=document()["proxy_number"]))
    assert root.find("Gather") is None and hangs_up(root)
    assert "Kerkstraat" not in spoken(root) and "MOR-42" not in spoken(root)


def test_without_a_fallback_number_she_is_told_to_call_the_municipalitys_general_number(
    question_action, press, twilio, document
):
    press(question_action(), "1")
    root = twiml(twilio.call(LOES, to=document()["proxy_number"]))
    assert "het algemene nummer van de gemeente" in spoken(root)
    assert root.find("Gather") is None and hangs_up(root)


class TestWithAFallbackNumber:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "FALLBACK_PHONE_NUMBER": FALLBACK}

    def test_after_she_answered_her_call_names_the_general_number_digit_by_digit(
        self, question_action, press, twilio, document
    ):
        press(question_action(), "1")
        root = twiml(twilio.call(LOES, to=document()["proxy_number"]))
        assert root.find("Gather") is None and hangs_up(root)
        [say] = root.findall("Say")
        assert "1 4, 0 3 0" in say.text and "MOR-42" in say.text
        assert say.get("language") == "nl-NL"

    def test_the_crew_calling_after_the_job_hears_the_general_number(self, landline_job, case_api, twilio):
        proxy = landline_job()
        case_api.complete()
        root = twiml(twilio.call(JAN, to=proxy))
        assert root.find("Gather") is None and hangs_up(root)
        assert "1 4, 0 3 0" in spoken(root)

    def test_a_stranger_hears_the_general_number(self, landline_job, twilio):
        proxy = landline_job()
        root = twiml(twilio.call(STRANGER, to=proxy))
        assert "1 4, 0 3 0" in spoken(root) and hangs_up(root)
        assert "Kerkstraat" not in spoken(root)

    def test_her_no_on_the_phone_is_answered_with_the_general_number(self, question_action, press):
        root = twiml(press(question_action(), "2"))
        assert "1 4, 0 3 0" in spoken(root)


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


def test_other_markup_in_the_crews_text_stays_text(relayed, twilio, document, run_worker, calls_to, pick_up):
    attempts = [
        "]]><Dial>+31600000000</Dial><![CDATA[",
        "&lt;Dial&gt; &amp; <!-- -->",
        '<?xml version="1.0"?><Response><Redirect>https://evil.example/x</Redirect></Response>',
        "<Play>https://evil.example/a.mp3</Play><Hangup/>",
    ]
    relayed(attempts[0])
    for words in attempts[1:]:
        twilio.text(JAN, words, to=document()["proxy_number"])
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


# -- signatures ----------------------------------------------------------------------------------------


def voice_endpoints(action: str, call: dict) -> dict[str, tuple[str, dict]]:
    """Every voice endpoint, with a form that would have an effect if it were accepted."""
    params = query(action)
    case_query = f"case={params['case']}&round={params['round']}&attempt=1"
    base = {"CallSid": call["sid"], "From": LOES.phone, "To": call["From"]}
    return {
        "voice": ("/twilio/voice", base),
        "call": (local(call["Url"]), base),
        "question": (f"/twilio/ivr/question?{case_query}", base),
        "answer": (f"/twilio/ivr/answer?{case_query}", {**base, "Digits": "1"}),
        "repeat": (f"/twilio/ivr/repeat?o={outbox_id(call)}", {**base, "Digits": "9"}),
        "code": ("/twilio/ivr/code?attempt=1", {**base, "Digits": "1234#"}),
        "call-status": (local(call["StatusCallback"]), {**base, "CallStatus": "failed"}),
    }


@pytest.mark.parametrize("endpoint", ["voice", "call", "question", "answer", "repeat", "code", "call-status"])
def test_every_voice_endpoint_refuses_a_missing_or_bad_signature(
    endpoint, asked, pick_up, client, twilio, run_worker, case_system, document
):
    question = asked()
    action = the_question(twiml(pick_up(question))).get("action")
    path, form = voice_endpoints(action, question)[endpoint]
    before = document()
    forgeries = {
        "missing": None,
        "empty": "",
        "garbage": "bm90IGEgc2lnbmF0dXJl",
        "other-token": RequestValidator("someone-elses-token").compute_signature(PUBLIC_BASE_URL + path, form),
        # What a naive check computes from the Host the request came in on.
        "other-url": twilio.validator.compute_signature("http://localhost" + path, form),
        "tampered-form": twilio.validator.compute_signature(PUBLIC_BASE_URL + path, {**form, "From": JAN.phone}),
    }
    for forgery, signature in forgeries.items():
        headers = {"X-Twilio-Signature": signature} if signature is not None else {}
        response = client.post(path, data=form, headers=headers)
        assert response.status_code == 403, forgery
        assert b"<Gather" not in response.data and b"<Say" not in response.data
    run_worker()
    assert case_system.deliveries == []
    assert document() == before


def test_an_answer_url_with_a_tampered_query_is_refused(
    question_action, client, twilio, run_worker, case_system, document
):
    action = question_action()
    params = query(action)
    signed_path = local(action)
    forged_path = signed_path.replace(f"case={params['case']}", f"case={int(params['case']) + 1}")
    assert forged_path != signed_path
    form = {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "1"}
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + signed_path, form)
    assert client.post(forged_path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 403
    # The same signature on the URL it was made for is accepted: the refusal was about the query.
    assert client.post(signed_path, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
    run_worker()
    [confirmed] = case_system.deliveries
    assert confirmed.type == "case.confirmed"


def test_an_answer_url_signed_for_other_parameters_is_refused(
    question_action, client, twilio, case_system, run_worker, document
):
    action = question_action()
    signed_path = local(action)
    form = {"CallSid": "CA" + uuid.uuid4().hex, "Digits": "2"}
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + signed_path, form)
    for forged_path in [
        signed_path.replace("round=1", "round=2"),
        signed_path.replace("attempt=1", "attempt=2"),
        signed_path.split("?")[0],
        signed_path + "&case=1",
        signed_path.replace("/answer?", "/question?"),
    ]:
        assert forged_path != signed_path
        response = client.post(forged_path, data=form, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 403, forged_path
    run_worker()
    assert case_system.deliveries == [] and document()["status"] == "awaiting_confirmation"


def test_a_key_tampered_after_signing_is_refused(question_action, client, twilio, case_system, run_worker):
    action = question_action()
    signature = twilio.validator.compute_signature(action, {"CallSid": "CA1234", "Digits": "5"})
    response = client.post(
        local(action), data={"CallSid": "CA1234", "Digits": "1"}, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    run_worker()
    assert case_system.deliveries == []


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
