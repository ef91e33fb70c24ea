"""From text to voice: when Anna's texts cannot arrive, she hears what matters in a call.

A text that Twilio reports 30006 (landline or unreachable carrier) or 21614 (not a
mobile number) switches her case to voice: the message is placed as a call if it still
matters (the dispatch notice and the crew's messages while the job is open, the question
and the reminder while the question is open), and every later message is a call.
30003 (handset unreachable) earns one more text ten minutes later first. A thank-you is
not worth a call, and the crew is never called instead of texted.
"""

import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL, Persona

CONFIRMATION_DELAY = 1800
REMINDER_AFTER = 86400
TEXT_RETRY_AFTER = 600
CALL_RETRY_AFTER = 1800
CALLED_PURPOSES = ["dispatch_citizen", "relay", "question", "reminder"]


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


def outbox_id(record: dict) -> int:
    """The outbox row a text or call names in its StatusCallback URL (…?o=N)."""
    [value] = parse_qs(urlparse(record["StatusCallback"]).query)["o"]
    return int(value)


def texts_to(fake_twilio, persona: Persona = ANNA) -> list[dict]:
    return [message for message in fake_twilio.messages if message["To"] == persona.phone]


def entries(client, kind: str, case_id: str = "MOR-2026-0042") -> list[dict]:
    answer = client.get(f"/v1/cases/{case_id}", headers={"Authorization": "Bearer retired-case-system-key"})
    assert answer.status_code == 200
    return [entry for entry in answer.json["timeline"] if entry["kind"] == kind]


def called_purposes(client) -> list[str]:
    return [entry["data"]["purpose"] for entry in entries(client, "call.queued")]


@pytest.fixture
def texted(case_api, twilio, run_worker, fast_forward, fake_twilio):
    """Bring the case to the moment Anna has been texted for `purpose`; returns that text."""

    def reach(purpose: str) -> dict:
        proxy = case_api.dispatch().json["proxy_number"]
        run_worker()
        if purpose == "relay":
            assert twilio.text(JAN, "We staan om 10 uur bij u.", to=proxy).status_code == 200
            run_worker()
        if purpose in ("question", "reminder", "thanks_yes"):
            assert case_api.complete(note="gat gevuld").status_code == 202
            fast_forward(CONFIRMATION_DELAY)
            run_worker()
        if purpose == "reminder":
            fast_forward(REMINDER_AFTER + 1)
            run_worker()
        if purpose == "thanks_yes":
            assert twilio.text(ANNA, "Ja, dank u wel", to=proxy).status_code == 200
            run_worker()
        text = texts_to(fake_twilio)[-1]
        assert fake_twilio.calls == []
        return text

    return reach


@pytest.fixture
def fails(twilio, run_worker):
    """Twilio reports one of our texts as not delivered, then the worker runs."""

    def report(message: dict, code: str | None, status: str = "undelivered") -> None:
        assert twilio.status(message["sid"], status, outbox_id(message), error_code=code).status_code == 204
        run_worker()

    return report


@pytest.fixture
def call_status(twilio, run_worker):
    def post(call: dict, status: str, sid: str | None = None):
        form = {"CallSid": sid or call["sid"], "CallStatus": status, "From": call["From"], "To": call["To"]}
        response = twilio.post(f"/twilio/call-status?o={outbox_id(call)}", form)
        run_worker()
        return response

    return post


def placed_call_twiml(twilio, call: dict) -> ET.Element:
    """What Twilio hears when it fetches the call's Url, as a parsed TwiML document."""
    path = call["Url"].removeprefix(PUBLIC_BASE_URL)
    answer = twilio.post(
        path,
        {
            "CallSid": call["sid"],
            "From": call["From"],
            "To": call["To"],
            "CallStatus": "in-progress",
            "Direction": "outbound-api",
        },
    )
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    root = ET.fromstring(answer.data)
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> str:
    return " ".join(say.text or "" for say in root.iter("Say"))


# -- 30006 and 21614: she is on a line that takes no texts ------------------------------------------


@pytest.mark.parametrize(
    "purpose, code",
    [
        *((purpose, "30006") for purpose in CALLED_PURPOSES),
        ("dispatch_citizen", "21614"),
        ("question", "21614"),
    ],
)
def test_it_calls_her_with_the_same_message_when_her_text_cannot_reach_a_landline(
    purpose, code, texted, fails, fake_twilio, case_system, client
):
    text = texted(purpose)
    fails(text, code)
    [call] = fake_twilio.calls
    assert (call["To"], call["From"]) == (ANNA.phone, text["From"])
    assert called_purposes(client) == [purpose]
    [switched] = entries(client, "channel.voice")
    assert switched["data"]["error_code"] == code and ANNA.phone not in switched["summary"]
    assert case_system.of_type("message.undeliverable") == []


def test_it_calls_her_when_twilio_reports_the_text_failed_rather_than_undelivered(
    texted, fails, fake_twilio, case_system
):
    fails(texted("dispatch_citizen"), "30006", status="failed")
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone]
    assert case_system.of_type("message.undeliverable") == []


def test_it_asks_for_the_fallback_calls_status_and_what_to_say_by_its_outbox_row(texted, fails, fake_twilio):
    fails(texted("dispatch_citizen"), "30006")
    [call] = fake_twilio.calls
    row = outbox_id(call)
    assert call["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/call-status?o={row}"
    assert call["Url"] == f"{PUBLIC_BASE_URL}/twilio/ivr/call?o={row}"


def test_it_reads_out_the_dispatch_notice_in_the_fallback_call(texted, fails, fake_twilio, twilio):
    fails(texted("dispatch_citizen"), "30006")
    root = placed_call_twiml(twilio, fake_twilio.calls[0])
    assert "Gemeente Utrecht" in spoken(root) and "Kerkstraat 12" in spoken(root)
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/ivr/repeat?")


def test_it_asks_the_question_in_the_fallback_call_and_listens_for_her_answer(texted, fails, fake_twilio, twilio):
    fails(texted("question"), "30006")
    root = placed_call_twiml(twilio, fake_twilio.calls[0])
    [gather] = root.findall("Gather")
    assert set(gather.get("input").split()) == {"dtmf", "speech"}
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/ivr/answer?")
    assert "Kerkstraat 12" in spoken(gather)


def test_it_reads_out_the_crews_own_words_in_the_fallback_call(texted, fails, fake_twilio, twilio):
    fails(texted("relay"), "21614")
    assert "We staan om 10 uur bij u." in spoken(placed_call_twiml(twilio, fake_twilio.calls[0]))


def test_it_introduces_the_crews_words_only_once_in_the_fallback_call(texted, fails, fake_twilio, twilio):
    fails(texted("relay"), "30006")
    said = spoken(placed_call_twiml(twilio, fake_twilio.calls[0]))
    assert said.count("Gemeente Utrecht") == 1


@pytest.mark.parametrize(
    "words",
    [
        '</Say><Dial callerId="+3197010000001">+31611112222</Dial><Say>',
        "]]><Play>https://evil.example/x.mp3</Play><Redirect>https://evil.example/</Redirect>",
    ],
    ids=["dial", "cdata-play-redirect"],
)
def test_it_reads_markup_in_the_crews_words_aloud_rather_than_obeying_it(
    words, case_api, twilio, run_worker, fails, fake_twilio
):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(JAN, words, to=proxy)
    run_worker()
    fails(texts_to(fake_twilio)[-1], "30006")
    root = placed_call_twiml(twilio, fake_twilio.calls[0])
    assert {element.tag for element in root.iter()} <= {"Response", "Say", "Gather", "Hangup"}
    assert words in spoken(root)


def test_it_calls_rather_than_texts_her_from_then_on(
    texted, fails, twilio, case_api, run_worker, fast_forward, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    fails(notice, "30006")
    twilio.text(JAN, "We zijn er over een kwartier.", to=notice["From"])
    run_worker()
    case_api.complete()
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert texts_to(fake_twilio) == [notice]
    assert called_purposes(client) == ["dispatch_citizen", "relay", "question", "reminder"]
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone] * 4


def test_it_does_not_call_to_say_thank_you_once_she_is_on_voice(texted, fails, twilio, fake_twilio, client):
    question = texted("question")
    fails(question, "30006")
    assert twilio.text(ANNA, "ja", to=question["From"]).status_code == 200  # she got a text through after all
    assert len(fake_twilio.calls) == 1
    [skipped] = entries(client, "call.skipped")
    assert skipped["data"]["purpose"] == "thanks_yes"


def test_it_keeps_texting_the_crew_after_she_went_over_to_voice(texted, fails, twilio, run_worker, fake_twilio):
    notice = texted("dispatch_citizen")
    fails(notice, "30006")
    twilio.text(ANNA, "Ik ben thuis vanaf 9 uur.", to=notice["From"])
    run_worker()
    assert texts_to(fake_twilio, JAN)[-1]["Body"].endswith("Ik ben thuis vanaf 9 uur.")


def test_it_falls_back_to_a_call_when_twilio_refuses_the_text_with_21614(
    case_api, run_worker, fake_twilio, case_system, client
):
    proxy = case_api.dispatch().json["proxy_number"]
    fake_twilio.fail_next(status=400, code=21614)  # the first text out is Anna's dispatch notice
    run_worker(2)
    assert texts_to(fake_twilio) == []
    [call] = fake_twilio.calls
    assert (call["To"], call["From"]) == (ANNA.phone, proxy)
    assert called_purposes(client) == ["dispatch_citizen"]
    assert entries(client, "channel.voice")[0]["data"]["error_code"] == "21614"
    assert case_system.of_type("message.undeliverable") == []


def test_it_calls_with_the_crews_message_when_twilio_refuses_the_relay_with_21614(
    texted, twilio, run_worker, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    fake_twilio.fail_next(status=400, code=21614)
    twilio.text(JAN, "Mag de auto even weg?", to=notice["From"])
    run_worker(2)
    assert called_purposes(client) == ["relay"]
    assert "Mag de auto even weg?" in spoken(placed_call_twiml(twilio, fake_twilio.calls[0]))


# -- 30003: her handset is unreachable ------------------------------------------------------------


def test_it_texts_once_more_ten_minutes_after_her_handset_was_unreachable(
    texted, fails, fast_forward, run_worker, fake_twilio, case_system
):
    notice = texted("dispatch_citizen")
    fails(notice, "30003")
    fast_forward(TEXT_RETRY_AFTER - 30)
    run_worker()
    assert texts_to(fake_twilio) == [notice]
    fast_forward(31)
    run_worker()
    [_, retry] = texts_to(fake_twilio)
    assert (retry["Body"], retry["From"]) == (notice["Body"], notice["From"])
    assert fake_twilio.calls == [] and case_system.of_type("message.undeliverable") == []


@pytest.mark.parametrize("purpose", ["relay", "reminder"])
def test_it_calls_when_her_handset_is_unreachable_again_on_the_retry(
    purpose, texted, fails, fast_forward, run_worker, fake_twilio, case_system, client
):
    fails(texted(purpose), "30003")
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    fails(texts_to(fake_twilio)[-1], "30003")
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone]
    assert called_purposes(client) == [purpose]
    assert case_system.of_type("message.undeliverable") == []


def test_it_calls_when_the_retry_after_30003_turns_out_to_reach_a_landline(
    texted, fails, fast_forward, run_worker, fake_twilio, client
):
    fails(texted("dispatch_citizen"), "30003")
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    fails(texts_to(fake_twilio)[-1], "30006")
    assert called_purposes(client) == ["dispatch_citizen"]


def test_it_keeps_texting_her_when_the_retry_is_delivered(
    texted, fails, twilio, fast_forward, run_worker, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    fails(notice, "30003")
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    retry = texts_to(fake_twilio)[-1]
    assert twilio.status(retry["sid"], "delivered", outbox_id(retry)).status_code == 204
    twilio.text(JAN, "We komen eraan.", to=notice["From"])
    run_worker()
    assert texts_to(fake_twilio)[-1]["Body"].endswith("We komen eraan.")
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []


def test_it_withdraws_the_retried_question_when_she_answers_in_between(
    texted, fails, twilio, fast_forward, run_worker, fake_twilio, case_system
):
    question = texted("question")
    fails(question, "30003")
    twilio.text(ANNA, "ja", to=question["From"])
    run_worker()
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    bodies = [text["Body"] for text in texts_to(fake_twilio)]
    assert bodies.count(question["Body"]) == 1
    assert fake_twilio.calls == []
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]


class TestAroundQuietHours:
    """Quiet hours begin five minutes from now, so a text sent now is in time and its retry is not."""

    @pytest.fixture
    def settings(self, settings):
        now = datetime.now(ZoneInfo(settings["TIMEZONE"]))
        start, end = now + timedelta(minutes=5), now + timedelta(hours=5)
        return {**settings, "QUIET_HOURS": f"{start:%H:%M}-{end:%H:%M}"}

    def test_it_sends_the_dispatch_notice_before_quiet_hours_begin(self, texted):
        assert texted("dispatch_citizen")["To"] == ANNA.phone

    def test_it_holds_the_retry_of_an_unreachable_notice_until_quiet_hours_end(
        self, texted, fails, fast_forward, run_worker, fake_twilio
    ):
        notice = texted("dispatch_citizen")
        fails(notice, "30003")
        fast_forward(TEXT_RETRY_AFTER + 1)
        run_worker()
        assert texts_to(fake_twilio) == [notice]


# -- when the fallback call fails too -------------------------------------------------------------


@pytest.fixture
def fallback_call(texted, fails, fake_twilio) -> dict:
    fails(texted("dispatch_citizen"), "30006")
    [call] = fake_twilio.calls
    return call


def test_it_reports_a_fallback_call_that_fails(fallback_call, call_status, case_system):
    assert call_status(fallback_call, "failed").status_code == 204
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["purpose"], report.data["channel"]) == (
        "citizen",
        "dispatch_citizen",
        "call",
    )
    assert ANNA.phone not in str(report.data)


def test_it_calls_once_more_later_when_the_fallback_call_is_not_answered(
    fallback_call, call_status, fast_forward, run_worker, fake_twilio, case_system
):
    assert call_status(fallback_call, "no-answer").status_code == 204
    assert len(fake_twilio.calls) == 1
    fast_forward(CALL_RETRY_AFTER)
    run_worker()
    [_, again] = fake_twilio.calls
    assert again["To"] == ANNA.phone
    assert case_system.deliveries == []


def test_it_reports_the_fallback_call_when_the_second_try_is_not_answered_either(
    fallback_call, call_status, fast_forward, run_worker, fake_twilio, case_system
):
    call_status(fallback_call, "no-answer")
    fast_forward(CALL_RETRY_AFTER)
    run_worker()
    assert call_status(fake_twilio.calls[-1], "busy").status_code == 204
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["purpose"], report.data["channel"]) == ("dispatch_citizen", "call")


def test_it_reports_nothing_for_a_fallback_call_that_was_answered(fallback_call, call_status, case_system):
    assert call_status(fallback_call, "ringing").status_code == 204
    assert call_status(fallback_call, "completed").status_code == 204
    assert case_system.deliveries == []


def test_it_reports_a_failed_fallback_call_only_once(fallback_call, call_status, case_system):
    call_status(fallback_call, "failed")
    assert call_status(fallback_call, "failed").status_code == 204
    assert call_status(fallback_call, "completed").status_code == 204
    assert len(case_system.of_type("message.undeliverable")) == 1


def test_it_ignores_a_call_status_that_names_the_call_with_another_call_sid(fallback_call, call_status, case_system):
    assert call_status(fallback_call, "failed", sid="CA" + uuid.uuid4().hex).status_code == 204
    assert case_system.deliveries == []


THE_CALL, ITS_ROW = "<the call's sid>", "<its outbox row>"


@pytest.mark.parametrize(
    "query, call_sid",
    [
        (ITS_ROW, None),
        (ITS_ROW, "SM" + "1" * 32),
        ("", THE_CALL),
        ("?o=abc", THE_CALL),
    ],
    ids=["no-call-sid", "message-sid", "no-row", "garbage-row"],
)
def test_it_refuses_a_call_status_it_cannot_read(query, call_sid, fallback_call, twilio, run_worker, case_system):
    query = f"?o={outbox_id(fallback_call)}" if query == ITS_ROW else query
    form = {"CallStatus": "failed"}
    if call_sid:
        form["CallSid"] = fallback_call["sid"] if call_sid == THE_CALL else call_sid
    assert twilio.post("/twilio/call-status" + query, form).status_code == 400
    run_worker()
    assert case_system.deliveries == []


def test_it_refuses_a_forged_call_status(fallback_call, twilio, run_worker, case_system):
    form = {"CallSid": fallback_call["sid"], "CallStatus": "failed"}
    assert twilio.post(f"/twilio/call-status?o={outbox_id(fallback_call)}", form, signature="forged").status_code == 403
    run_worker()
    assert case_system.deliveries == []


# -- when no call is worth placing ----------------------------------------------------------------


def test_it_reports_a_failed_thank_you_without_calling(texted, fails, fake_twilio, case_system):
    fails(texted("thanks_yes"), "30006")
    assert fake_twilio.calls == []
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["purpose"], report.data["recipient"], report.data["error_code"]) == (
        "thanks_yes",
        "citizen",
        "30006",
    )


@pytest.mark.parametrize("code", ["30006", "30003", "30005"])
def test_it_never_calls_the_crew_when_a_text_to_him_fails(
    code, texted, fails, fast_forward, run_worker, fake_twilio, case_system
):
    texted("dispatch_citizen")
    [to_jan] = texts_to(fake_twilio, JAN)
    fails(to_jan, code)
    fast_forward(TEXT_RETRY_AFTER + 1)
    run_worker()
    assert fake_twilio.calls == [] and texts_to(fake_twilio, JAN) == [to_jan]
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["error_code"]) == ("crew", code)


def test_it_never_calls_the_crew_when_twilio_refuses_a_text_to_him(
    texted, twilio, run_worker, fake_twilio, case_system
):
    notice = texted("dispatch_citizen")
    fake_twilio.fail_next(status=400, code=21614)
    twilio.text(ANNA, "Ik ben er vanaf 9 uur.", to=notice["From"])  # relayed to Jan: refused
    run_worker(2)
    assert fake_twilio.calls == []
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["error_code"]) == ("crew", "21614")


def test_it_does_not_call_about_a_question_she_has_already_answered(
    texted, fails, twilio, run_worker, fake_twilio, case_system
):
    question = texted("question")
    twilio.text(ANNA, "Ja, het gat is dicht", to=question["From"])
    run_worker()
    fails(question, "30006")  # a late report about the question
    assert fake_twilio.calls == []
    assert case_system.of_type("case.confirmed")


def test_it_does_not_call_about_a_dispatch_notice_once_the_job_is_done(texted, fails, case_api, fake_twilio):
    notice = texted("dispatch_citizen")
    assert case_api.complete(note="gat gevuld").status_code == 202
    fails(notice, "30006")
    assert fake_twilio.calls == []


def test_it_does_not_call_with_a_crew_message_once_the_case_is_cancelled(texted, fails, case_api, fake_twilio):
    relay = texted("relay")
    assert case_api.cancel(reason="dubbele melding").status_code == 202
    fails(relay, "21614")
    assert fake_twilio.calls == []


def test_it_reports_other_failures_without_calling(texted, fails, fake_twilio, case_system, client):
    fails(texted("dispatch_citizen"), "30005")  # unknown destination handset
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["error_code"] == "30005"


# -- hostile and repeated status callbacks --------------------------------------------------------


def test_it_places_one_call_however_often_twilio_reports_the_failure(texted, fails, fake_twilio):
    notice = texted("dispatch_citizen")
    fails(notice, "30006")
    fails(notice, "30006")
    fails(notice, "30006", status="failed")
    assert len(fake_twilio.calls) == 1


def test_it_ignores_an_unsigned_failure_report(texted, twilio, run_worker, fake_twilio, client):
    notice = texted("dispatch_citizen")
    form = {"MessageSid": notice["sid"], "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert twilio.post(f"/twilio/status?o={outbox_id(notice)}", form, signature="forged").status_code == 403
    run_worker()
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []


def test_it_ignores_a_failure_report_for_our_row_with_a_strangers_message_sid(
    texted, twilio, run_worker, fake_twilio, client
):
    notice = texted("dispatch_citizen")
    assert twilio.status("SM" + uuid.uuid4().hex, "undelivered", outbox_id(notice), "30006").status_code == 204
    run_worker()
    assert fake_twilio.calls == [] and entries(client, "channel.voice") == []


@pytest.mark.parametrize("code", ["3O006", "30006,21614", "30006" * 3])
def test_it_does_not_call_on_an_error_code_it_cannot_read(code, texted, twilio, run_worker, fake_twilio, case_system):
    notice = texted("dispatch_citizen")
    response = twilio.post(
        f"/twilio/status?o={outbox_id(notice)}",
        {"MessageSid": notice["sid"], "MessageStatus": "undelivered", "ErrorCode": code},
    )
    assert response.status_code == 204
    run_worker()
    assert fake_twilio.calls == []
    assert len(case_system.of_type("message.undeliverable")) == 1
