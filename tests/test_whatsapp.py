"""Anna on WhatsApp: the notice and the question as approved templates, the JA/NEE buttons, her
messages to the crew and theirs to her, the 24-hour window, and SMS behind it when WhatsApp fails.

WHATSAPP_SENDER is set and WHATSAPP_TEMPLATES is the operator's file (deploy/whatsapp_templates.toml).
The fake Twilio checks each message as Twilio does and decides its fate: failed with 63003 for a
number without WhatsApp, failed with 63016 for free text outside her window; the tests deliver
that fate to /twilio/status as Twilio's status callback would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows import messages
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, WHATSAPP_SENDER, Persona

BREGJE = Persona("Bregje Smit", "+31623456789", "06 23456789")  # a second resident
DEPLOY_FILE = Path(__file__).resolve().parent.parent / "deploy" / "whatsapp_templates.toml"
# The placeholder sids of deploy/whatsapp_templates.toml, Dutch.
NOTICE, QUESTION, REMINDER, RELAY = (f"HX{n:032d}" for n in (1, 2, 3, 4))


@pytest.fixture(autouse=True)
def whatsapp_on(settings):
    settings.update(WHATSAPP_SENDER=WHATSAPP_SENDER, WHATSAPP_TEMPLATES=str(DEPLOY_FILE))


@pytest.fixture
def deliver_fates(fake_twilio, twilio):
    """Post each WhatsApp message's fate, as decided by the fake, to /twilio/status."""

    def deliver() -> list[tuple[str, str | None]]:
        fates = []
        for record in fake_twilio.messages:
            fate = fake_twilio.whatsapp_outcome.get(record["sid"])
            if fate is None or record.get("_reported"):
                continue
            record["_reported"] = True
            status, code = fate
            outbox_id = int(record["StatusCallback"].rsplit("o=", 1)[1])
            assert twilio.status(record["sid"], status, outbox_id=outbox_id, error_code=code).status_code == 204
            fates.append(fate)
        return fates

    return deliver


def dispatch_on_whatsapp(case_api, run_worker, citizen=ANNA, case_id="MOR-2026-0042", **fields) -> str:
    answer = case_api.dispatch(case_id=case_id, citizen=citizen, citizen_fields={"channel": "whatsapp", **fields})
    assert answer.status_code == 202, answer.json
    run_worker()
    return answer.json["proxy_number"]


def variables(record: dict) -> dict[str, str]:
    return json.loads(record["ContentVariables"])


def kinds(case_document) -> list[str]:
    return [entry["kind"] for entry in case_document()["timeline"]]


def test_the_dispatch_notice_is_the_approved_template_naming_the_proxy_number(
    case_api, run_worker, fake_twilio, case_document
):
    proxy = dispatch_on_whatsapp(case_api, run_worker)
    [notice] = fake_twilio.whatsapp_to(ANNA.phone)
    assert notice["From"] == f"whatsapp:{WHATSAPP_SENDER}"
    assert notice["ContentSid"] == NOTICE and "Body" not in notice
    assert variables(notice) == {
        "1": "Gemeente Utrecht",
        "2": "MOR-42",
        "3": "Kerkstraat 12",
        "4": " ",  # no eta: WhatsApp refuses an empty variable
        "5": "+31 970 100 00001",
        "6": "100",
    }
    assert proxy == PROXY_NUMBERS[0]
    # She gets nothing by SMS; the crew gets its usual text from the proxy number.
    assert fake_twilio.texts_to(ANNA.phone) == []
    [crew_text] = fake_twilio.texts_to(JAN.phone)
    assert "Twee paaltjes weggehaald" in crew_text
    assert case_document()["citizen"]["channel"] == "whatsapp"
    assert "whatsapp.queued" in kinds(case_document)


def test_her_message_reaches_the_crew_by_text_and_the_crews_answer_reaches_her_on_whatsapp(
    case_api, run_worker, fake_twilio, twilio, case_system, deliver_fates
):
    proxy = dispatch_on_whatsapp(case_api, run_worker)
    assert twilio.whatsapp(ANNA, "Het gat is voor nummer 12, niet aan de overkant").status_code == 200
    fake_twilio.saw_whatsapp_from(ANNA.phone)
    run_worker()
    relayed = [m for m in fake_twilio.messages if m["To"] == JAN.phone][-1]
    assert relayed["From"] == proxy and "voor nummer 12, niet aan de overkant" in relayed["Body"]
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Het gat is voor nummer 12, niet aan de overkant"

    # Jan answers within her window: free text on WhatsApp, which the fake delivers.
    assert twilio.text(JAN, "Begrepen, we komen naar nummer 12", to=proxy).status_code == 200
    run_worker()
    answer = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert "ContentSid" not in answer
    assert answer["Body"] == messages.DEFAULT_TEXTS.render(
        "nl", "relay_to_citizen", org="Gemeente Utrecht", text="Begrepen, we komen naar nummer 12"
    )
    assert deliver_fates() == [("sent", None), ("sent", None)]


def test_outside_her_window_the_crews_message_goes_as_its_template(case_api, run_worker, fake_twilio, twilio):
    proxy = dispatch_on_whatsapp(case_api, run_worker)
    assert twilio.text(JAN, "We zijn er over tien minuten", to=proxy).status_code == 200
    run_worker()
    relay = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert relay["ContentSid"] == RELAY
    assert variables(relay) == {"1": "Gemeente Utrecht", "2": "We zijn er over tien minuten"}


def test_free_text_outside_her_window_63016_is_sent_once_more_as_its_template(
    case_api, run_worker, fake_twilio, twilio, deliver_fates, case_document, runtime
):
    """Her window closed between the choice and the send: Twilio fails the free text with 63016."""
    proxy = dispatch_on_whatsapp(case_api, run_worker)
    assert twilio.whatsapp(ANNA, "Ik ben thuis").status_code == 200  # opens her window at the gateway...
    run_worker()
    assert twilio.text(JAN, "Fijn, tot zo", to=proxy).status_code == 200
    run_worker()
    assert "ContentSid" not in fake_twilio.whatsapp_to(ANNA.phone)[-1]
    # ... but the fake saw no message from her: to Twilio the window is closed.
    assert ("failed", "63016") in deliver_fates()
    run_worker()
    again = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert again["ContentSid"] == RELAY and variables(again)["2"] == "Fijn, tot zo"
    assert "whatsapp.template" in kinds(case_document)
    assert deliver_fates() == [("sent", None)]


def test_the_question_comes_with_buttons_and_her_tap_on_nee_reopens(
    case_api, run_worker, fast_forward, fake_twilio, twilio, case_system, case_document
):
    dispatch_on_whatsapp(case_api, run_worker)
    case_api.complete()
    fast_forward(1800)
    run_worker()
    question = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert question["ContentSid"] == QUESTION
    assert variables(question) == {"1": "Gemeente Utrecht", "2": "MOR-42", "3": "Kerkstraat 12"}

    tapped = twilio.whatsapp(
        ANNA, "NEE", ButtonPayload="no", ButtonText="NEE", OriginalRepliedMessageSid=question["sid"]
    )
    assert tapped.status_code == 200
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "NEE" and reopened.data["channel"] == "whatsapp"
    # The thanks answers her message: free text, inside the window she just opened.
    thanks = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert thanks["Body"] == messages.DEFAULT_TEXTS.render(
        "nl", "thanks_no", org="Gemeente Utrecht", reference="MOR-42"
    )
    [read] = [e for e in case_document()["timeline"] if e["kind"] == "reply.read"]
    assert read["data"]["verdict"] == "no" and "tapped the NEE button" in read["summary"]


def test_her_tap_on_ja_confirms_and_typed_words_are_read_as_a_text_is(
    case_api, run_worker, fast_forward, fake_twilio, twilio, case_system
):
    dispatch_on_whatsapp(case_api, run_worker)
    dispatch_on_whatsapp(case_api, run_worker, citizen=BREGJE, case_id="MOR-2026-0043")
    for case_id in ("MOR-2026-0042", "MOR-2026-0043"):
        case_api.complete(case_id)
    fast_forward(1800)
    run_worker()
    question = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert (
        twilio.whatsapp(ANNA, "JA", ButtonPayload="yes", OriginalRepliedMessageSid=question["sid"]).status_code == 200
    )
    assert twilio.whatsapp(BREGJE, "Nee hoor, het gat zit er nog steeds").status_code == 200
    run_worker()
    [confirmed] = case_system.of_type("case.confirmed")
    assert (confirmed.data["case_id"], confirmed.data["reply"], confirmed.data["channel"]) == (
        "MOR-2026-0042",
        "JA",
        "whatsapp",
    )
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["case_id"] == "MOR-2026-0043" and reopened.data["channel"] == "whatsapp"


def test_a_resident_without_whatsapp_gets_the_notice_by_text_after_63003(
    case_api, run_worker, fake_twilio, deliver_fates, case_document, case_system
):
    fake_twilio.no_whatsapp(BREGJE.phone)
    dispatch_on_whatsapp(case_api, run_worker, citizen=BREGJE)
    assert deliver_fates() == [("failed", "63003")]
    run_worker()
    [notice] = fake_twilio.texts_to(BREGJE.phone)
    assert notice.startswith("Gemeente Utrecht: we komen uw melding MOR-42")
    document = case_document()
    assert document["citizen"]["channel"] == "sms"
    [switched] = [e for e in document["timeline"] if e["kind"] == "channel.sms"]
    assert switched["data"] == {"asked": "whatsapp", "used": "sms", "error_code": "63003"}
    assert case_system.of_type("message.undeliverable") == []


def test_when_the_text_after_whatsapp_fails_too_the_case_system_hears_it(
    case_api, run_worker, fake_twilio, deliver_fates, twilio, case_system
):
    fake_twilio.no_whatsapp(BREGJE.phone)
    dispatch_on_whatsapp(case_api, run_worker, citizen=BREGJE)
    deliver_fates()
    run_worker()
    [text] = [m for m in fake_twilio.messages if m["To"] == BREGJE.phone]
    outbox_id = int(text["StatusCallback"].rsplit("o=", 1)[1])
    assert twilio.status(text["sid"], "undelivered", outbox_id=outbox_id, error_code="30008").status_code == 204
    run_worker()
    [undeliverable] = case_system.of_type("message.undeliverable")
    assert undeliverable.data["channel"] == "sms" and undeliverable.data["purpose"] == "dispatch_citizen"


def test_voice_calls_her_even_on_a_mobile(case_api, run_worker, fake_twilio):
    case_api.dispatch(citizen_fields={"channel": "voice"})
    run_worker()
    assert [call["To"] for call in fake_twilio.calls] == [ANNA.phone]
    assert fake_twilio.texts_to(ANNA.phone) == []


def test_stop_on_whatsapp_opts_her_out_of_whatsapp_and_texts_alike(
    case_api, run_worker, fake_twilio, twilio, case_system, case_document
):
    proxy = dispatch_on_whatsapp(case_api, run_worker)
    assert twilio.whatsapp(ANNA, "STOP").status_code == 200
    run_worker()
    assert [d.type for d in case_system.deliveries if d.type.startswith("citizen.")] == ["citizen.opted_out"]
    sent = len(fake_twilio.messages)
    assert twilio.text(JAN, "Bent u thuis?", to=proxy).status_code == 200
    run_worker()
    assert [m["To"] for m in fake_twilio.messages[sent:]] == [JAN.phone]  # "she opted out", to the crew
    assert "text.suppressed" in kinds(case_document)


def test_two_open_cases_on_whatsapp_ask_which_case_on_whatsapp(case_api, run_worker, fake_twilio, twilio):
    dispatch_on_whatsapp(case_api, run_worker)
    dispatch_on_whatsapp(case_api, run_worker, case_id="MOR-2026-0043", reference="MOR-43")
    assert twilio.whatsapp(ANNA, "Ik ben na vijf uur thuis").status_code == 200
    run_worker()
    which = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert "ContentSid" not in which and "1 = " in which["Body"] and "2 = " in which["Body"]
    assert twilio.whatsapp(ANNA, "2").status_code == 200
    run_worker()
    assert "Ik ben na vijf uur thuis" in fake_twilio.texts_to(JAN.phone)[-1]


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({"To": "whatsapp:+3197010000001"}, 400),  # not our WhatsApp sender
        ({"To": WHATSAPP_SENDER}, 400),  # the sender without its channel
        ({"From": "whatsapp:not-a-number"}, 400),
        ({"From": "whatsapp:"}, 400),
        ({"MessageSid": "../../etc"}, 400),
    ],
)
def test_a_malformed_whatsapp_message_is_refused_and_changes_nothing(
    form, status, case_api, run_worker, twilio, case_system, fake_twilio
):
    dispatch_on_whatsapp(case_api, run_worker)
    sent = len(fake_twilio.messages)
    full = {"MessageSid": "SM" + "a" * 32, "From": f"whatsapp:{ANNA.phone}", "To": f"whatsapp:{WHATSAPP_SENDER}"}
    answer = twilio.post("/twilio/sms", {**full, "Body": "NEE", "NumMedia": "0", **form})
    assert answer.status_code == status
    run_worker()
    assert case_system.deliveries == [] and len(fake_twilio.messages) == sent


def test_an_unsigned_whatsapp_message_is_refused(case_api, run_worker, twilio, case_system):
    dispatch_on_whatsapp(case_api, run_worker)
    form = {"MessageSid": "SM" + "b" * 32, "From": f"whatsapp:{ANNA.phone}", "To": f"whatsapp:{WHATSAPP_SENDER}"}
    assert twilio.post("/twilio/sms", {**form, "Body": "STOP"}, signature="forged").status_code == 403
    assert case_system.deliveries == []


def test_a_button_twilio_delivers_twice_counts_once_and_a_strange_payload_is_read_as_words(
    case_api, run_worker, fast_forward, fake_twilio, twilio, case_system
):
    dispatch_on_whatsapp(case_api, run_worker)
    case_api.complete()
    fast_forward(1800)
    run_worker()
    question = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    odd = twilio.whatsapp(ANNA, "Misschien", ButtonPayload="'; DROP TABLE cases; --" * 20)
    assert odd.status_code == 200
    for _ in range(2):
        tap = twilio.whatsapp(
            ANNA, "NEE", sid="SM" + "c" * 32, ButtonPayload="no", OriginalRepliedMessageSid=question["sid"]
        )
        assert tap.status_code == 200
    run_worker()
    assert [d.type for d in case_system.deliveries if d.type.startswith("case.")] == ["case.reopened"]


@pytest.fixture
def all_night(settings):
    """Quiet hours all day long (QUIET_HOURS 00:00-23:59): nothing she did not ask for goes out."""
    settings["QUIET_HOURS"] = "00:00-23:59"


def test_quiet_hours_hold_the_whatsapp_notice_as_they_hold_a_text(
    all_night, case_api, run_worker, fake_twilio, case_document
):
    dispatch_on_whatsapp(case_api, run_worker)
    assert fake_twilio.whatsapp_to(ANNA.phone) == []
    [queued] = [e for e in case_document()["timeline"] if e["kind"] == "whatsapp.queued"]
    assert "held until" in queued["summary"]
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # the crew's text is not held


@pytest.fixture
def one_a_day(settings):
    """RECIPIENT_DAILY_LIMIT 1: her number takes one message a day, on any channel."""
    settings["RECIPIENT_DAILY_LIMIT"] = "1"


def test_the_daily_limit_counts_her_whatsapp_messages_too(
    one_a_day, case_api, run_worker, fake_twilio, twilio, case_system
):
    proxy = dispatch_on_whatsapp(case_api, run_worker)
    assert twilio.text(JAN, "We komen om drie uur", to=proxy).status_code == 200
    run_worker()
    assert len(fake_twilio.whatsapp_to(ANNA.phone)) == 1  # the notice; Jan's message is over her limit
    [refused] = case_system.of_type("message.undeliverable")
    assert refused.data["channel"] == "whatsapp" and refused.data["reason"].startswith("daily limit")


def test_her_phones_automatic_reply_on_whatsapp_is_passed_on_once_and_never_answered(
    case_api, run_worker, fake_twilio, twilio, case_system
):
    dispatch_on_whatsapp(case_api, run_worker)
    for n in range(3):
        answer = twilio.whatsapp(ANNA, f"Automatisch antwoord: ik ben momenteel afwezig tot maandag ({n}).")
        assert answer.status_code == 200
        run_worker()
    assert len(fake_twilio.whatsapp_to(ANNA.phone)) == 1  # the notice only: nothing answers her phone
    assert len(case_system.of_type("case.citizen_message")) == 1
