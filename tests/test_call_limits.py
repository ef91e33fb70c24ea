"""Bounded calls: every call we place and every masked <Dial> has a time limit, and a prompt
is said at most three times, so a machine on the line (or a finger on 9) cannot keep it open."""

import uuid
import xml.etree.ElementTree as ET

import pytest

from gateway.core.config import Config, ConfigError
from tests.conftest import ANNA, CASE_KEY, JAN, Persona
from tests.twiml import local, query, spoken

LOES = Persona("Loes Smit", "+31201234567", "020 123 4567")  # a resident with only a fixed line
FALLBACK = "14 030"


@pytest.fixture
def limits() -> dict[str, str]:
    """CALL_TIME_LIMIT and DIAL_TIME_LIMIT, when a test sets them (by parametrizing `limits`)."""
    return {}


@pytest.fixture
def settings(settings, limits):
    return {**settings, "FALLBACK_PHONE_NUMBER": FALLBACK, **limits}


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.data)


def ends_politely(root: ET.Element) -> bool:
    """No more questions, the municipality's general number named, then the line closed."""
    return (
        root.find("Gather") is None
        and root[-1].tag == "Hangup"
        and "Gemeente Utrecht" in spoken(root)
        and names_the_general_number(root)
    )


def names_the_general_number(root: ET.Element) -> bool:
    return "14030" in "".join(ch for ch in spoken(root) if ch.isdigit())


@pytest.fixture
def calls_to(fake_twilio):
    return lambda persona=LOES: [call for call in fake_twilio.calls if call["To"] == persona.phone]


@pytest.fixture
def pick_up(twilio):
    def answer(call: dict) -> ET.Element:
        return twiml(
            twilio.post(
                local(call["Url"]),
                {"CallSid": call["sid"], "From": call["From"], "To": call["To"], "CallStatus": "in-progress"},
            )
        )

    return answer


@pytest.fixture
def press(twilio):
    def post(action: str, digits: str | None) -> ET.Element:
        form = {"CallSid": "CA" + uuid.uuid4().hex, "From": LOES.phone, "To": "+3197010000001"}
        if digits is not None:
            form["Digits"] = digits
        return twiml(twilio.post(local(action), form))

    return post


@pytest.fixture
def dispatch_call(case_api, run_worker, calls_to):
    """Loes's job is dispatched; returns the call that tells her."""
    assert case_api.dispatch(citizen=LOES).status_code == 202
    run_worker()
    [call] = calls_to()
    return call


@pytest.fixture
def question_call(dispatch_call, case_api, run_worker, fast_forward, calls_to):
    """The job is done and the question call to Loes is placed."""
    assert case_api.complete(note="gat gevuld").status_code == 202
    fast_forward(1800)
    run_worker()
    return calls_to()[-1]


# -- time limits ---------------------------------------------------------------------------------


def test_it_places_every_call_with_call_time_limit(question_call, calls_to):
    calls = calls_to()
    assert len(calls) == 2  # the dispatch notice and the question
    assert [call["TimeLimit"] for call in calls] == ["240", "240"]


@pytest.mark.parametrize("limits, expected", [({"CALL_TIME_LIMIT": "5m"}, "300"), ({"CALL_TIME_LIMIT": "90"}, "90")])
def test_call_time_limit_is_what_twilio_gets(expected, case_api, run_worker, calls_to):
    assert case_api.dispatch(citizen=LOES).status_code == 202
    run_worker()
    [call] = calls_to()
    assert call["TimeLimit"] == expected


@pytest.mark.parametrize("caller, callee", [(JAN, ANNA), (ANNA, JAN)], ids=["crew-calls", "citizen-calls"])
def test_a_masked_call_is_dialled_with_dial_time_limit(caller, callee, case_api, twilio, run_worker):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    [dial] = twiml(twilio.call(caller, to=proxy)).findall("Dial")
    assert [number.text for number in dial.iter("Number")] == [callee.phone]
    assert dial.get("timeLimit") == "1800"


@pytest.mark.parametrize("limits", [{"DIAL_TIME_LIMIT": "20m"}])
def test_dial_time_limit_is_what_the_dial_gets(case_api, twilio, run_worker):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    assert twiml(twilio.call(JAN, to=proxy)).find("Dial").get("timeLimit") == "1200"


def test_the_limits_default_to_four_minutes_and_half_an_hour():
    config = Config.from_env({})
    assert (config.call_time_limit, config.dial_time_limit) == (240, 1800)


@pytest.mark.parametrize("name", ["CALL_TIME_LIMIT", "DIAL_TIME_LIMIT"])
@pytest.mark.parametrize("value", ["0", "30", "59", "5h", "4h1s", "-1", "ten minutes", "1e3"])
def test_a_time_limit_out_of_bounds_or_unreadable_stops_start_up(name, value):
    with pytest.raises(ConfigError, match=name):
        Config.from_env({name: value})


# -- a prompt is said at most three times --------------------------------------------------------


def test_pressing_9_a_third_time_on_the_question_ends_the_call_politely(
    question_call, pick_up, press, run_worker, case_system, client
):
    action = pick_up(question_call).find("Gather").get("action")
    for times_said in (2, 3):
        root = press(action, "9")
        action = root.find("Gather").get("action")
        assert query(action)["attempt"] == str(times_said)
        assert "opgelost" in root.find("Gather/Say").text
    root = press(action, "9")
    assert ends_politely(root), spoken(root)
    run_worker()
    assert case_system.deliveries == []
    case = client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": "Bearer " + CASE_KEY}).json
    assert case["status"] == "awaiting_confirmation"


def test_pressing_9_a_third_time_on_the_dispatch_call_ends_it_politely(dispatch_call, pick_up, press):
    first = pick_up(dispatch_call)
    action = first.find("Gather").get("action")
    for times_said in (2, 3):
        root = press(action, "9")
        assert root.find("Gather/Say").text == first.find("Gather/Say").text
        action = root.find("Gather").get("action")
        assert query(action)["attempt"] == str(times_said)
    root = press(action, "9")
    assert ends_politely(root), spoken(root)


def test_a_repeat_and_then_a_key_it_does_not_know_end_the_call(question_call, pick_up, press):
    action = pick_up(question_call).find("Gather").get("action")
    again = press(action, "9").find("Gather").get("action")
    root = press(again, "5")
    assert ends_politely(root) and "niet begrepen" in spoken(root)


def test_silence_after_a_repeat_says_goodbye_without_asking_again(question_call, pick_up, press):
    action = pick_up(question_call).find("Gather").get("action")
    root = press(action, "9")
    assert root.find("Redirect") is None
    assert [child.tag for child in root] == ["Gather", "Say", "Hangup"]


@pytest.mark.parametrize("keys", [["9"] * 10, ["9", "5"] * 5, ["5", "9"] * 5, ["9", None] * 5, ["*"] * 10])
def test_whatever_she_presses_the_question_is_said_at_most_three_times(keys, question_call, pick_up, press):
    root = pick_up(question_call)
    said = 1
    for digits in keys:
        if root.find("Gather") is None:
            break
        root = press(root.find("Gather").get("action"), digits)
        said += root.find("Gather") is not None
    assert root.find("Gather") is None and root[-1].tag == "Hangup"
    assert said <= 3


@pytest.mark.parametrize(
    "count",
    ["", "&attempt=0", "&attempt=-1", "&attempt=abc", "&attempt=99"],
    ids=["missing", "zero", "negative", "garbage", "past-the-limit"],
)
def test_a_repeat_url_without_a_valid_count_repeats_nothing(count, dispatch_call, twilio):
    row = query(dispatch_call["Url"])["o"]
    root = twiml(twilio.post(f"/twilio/ivr/repeat?o={row}{count}", {"CallSid": dispatch_call["sid"], "Digits": "9"}))
    assert ends_politely(root), spoken(root)


@pytest.mark.parametrize("count", ["", "&attempt=0", "&attempt=abc", "&attempt=3"])
def test_an_answer_url_without_a_valid_count_repeats_nothing(count, question_call, pick_up, twilio):
    params = query(pick_up(question_call).find("Gather").get("action"))
    path = f"/twilio/ivr/answer?case={params['case']}&round={params['round']}{count}"
    root = twiml(twilio.post(path, {"CallSid": question_call["sid"], "Digits": "9"}))
    assert ends_politely(root), spoken(root)


def test_an_english_resident_hears_the_end_of_the_call_in_english(case_api, run_worker, calls_to, pick_up, press):
    assert case_api.dispatch(citizen=LOES, citizen_fields={"language": "en"}).status_code == 202
    run_worker()
    action = pick_up(calls_to()[0]).find("Gather").get("action")
    for _ in range(2):
        action = press(action, "9").find("Gather").get("action")
    root = press(action, "9")
    assert "This call with Gemeente Utrecht ends now" in spoken(root) and names_the_general_number(root)
