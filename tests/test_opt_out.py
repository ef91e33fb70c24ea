"""STOP and START: a resident (or a crew) may refuse our texts at any time, and take that back.

Anna has reported a hole; Jan is the crew. A whole message that is a carrier keyword
(STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT) opts the sender out of
texts: it is never an answer, every unsent text to the number is withdrawn and nothing is
texted to it again until START or UNSTOP. Twilio refusing a text with 21610 counts as a
STOP too. The case system hears of it for each open case of that person.
"""

import os
import threading
import time
import unicodedata
import uuid
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, PUBLIC_BASE_URL, STRANGER, Persona

BEA = Persona("Bea Jansen", "+31622223333", "06 22223333")
PIET = Persona("Piet Smit", "+31655556666", "06 55556666")
# A resident on a fixed line (some take texts as speech, and may send STOP from it).
LIES = Persona("Lies Mulder", "+31201234567", "020 123 4567")

REMINDER_AFTER = 86400
ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"))


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


def case_document(client, case_id: str = "MOR-2026-0042") -> dict:
    answer = client.get(f"/v1/cases/{case_id}", headers={"Authorization": "Bearer retired-case-system-key"})
    assert answer.status_code == 200
    return answer.json


def entries(client, kind: str, case_id: str = "MOR-2026-0042") -> list[dict]:
    return [entry for entry in case_document(client, case_id)["timeline"] if entry["kind"] == kind]


def callback_types(case_system) -> list[str]:
    return [delivery.type for delivery in case_system.deliveries]


@pytest.fixture
def proxy(case_api, run_worker, fake_twilio):
    """An open job: the dispatch notices to Anna and Jan are out. Returns the proxy number."""
    answer = case_api.dispatch()
    assert answer.status_code == 202
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1
    return answer.json["proxy_number"]


@pytest.fixture
def asked(proxy, case_api, run_worker, fast_forward, fake_twilio):
    """The job is done and CONFIRMATION_DELAY has passed: Anna has the question."""
    assert case_api.complete(note="gat gevuld").status_code == 202
    fast_forward(1800)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    return proxy


@pytest.fixture
def says(twilio, run_worker):
    """Someone texts a proxy number; the worker then sends whatever that caused."""

    def say(persona: Persona | str, body: str, to: str, sid: str | None = None):
        response = twilio.text(persona, body, to=to, sid=sid)
        assert response.status_code == 200
        run_worker()
        return response

    return say


# -- the keywords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keyword",
    [
        " stop! ",
        "STOPALL",
        "Unsubscribe",
        "CANCEL",
        "end",
        "Quit",
        "REVOKE",
        "OPT-OUT",
        "ＳＴＯＰ",
    ],
)
def test_it_opts_her_out_on_a_whole_message_that_is_a_carrier_keyword(keyword, proxy, says, case_system):
    says(ANNA, keyword, proxy)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["case_id"] == "MOR-2026-0042"
    # The keyword as one plain word: "stop!" and "ＳＴＯＰ" both say STOP.
    assert (
        opted_out.data["source"] == "".join(ch for ch in unicodedata.normalize("NFKC", keyword) if ch.isalnum()).upper()
    )


def test_it_does_not_take_stop_as_a_no(asked, says, case_system, client):
    says(ANNA, "Stop.", asked)
    assert callback_types(case_system) == ["citizen.opted_out"]
    assert case_document(client)["status"] == "awaiting_confirmation"
    assert entries(client, "reply.read") == []


def test_it_answers_stop_with_empty_twiml_and_leaves_the_confirmation_to_twilio(asked, twilio, fake_twilio, run_worker):
    response = twilio.text(ANNA, "STOP", to=asked)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and list(root) == []
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2  # no text of ours acknowledges it


def test_it_keeps_her_stop_out_of_the_detail_she_was_asked_for_after_a_no(asked, says, case_system, fake_twilio):
    says(ANNA, "nee", asked)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # ... and "what is still wrong?"
    says(ANNA, "STOP", asked)
    assert case_system.of_type("case.citizen_message") == []
    assert callback_types(case_system) == ["case.reopened", "citizen.opted_out"]
    says(ANNA, "Het gat zit er nog", asked)
    [detail] = case_system.of_type("case.citizen_message")
    assert detail.data["text"] == "Het gat zit er nog"
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # the "passed on" text is not sent


@pytest.mark.parametrize("body", ["stop met sms", "Stop maar, het is goed", "STOPPEN"])
def test_it_does_not_take_a_sentence_with_stop_in_it_as_an_opt_out(body, asked, says, case_system, fake_twilio):
    says(ANNA, body, asked)
    assert case_system.of_type("citizen.opted_out") == []
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # she is asked once more, by text


def test_it_relays_a_sentence_with_stop_in_it_to_the_crew_while_the_job_is_open(proxy, says, fake_twilio, case_system):
    says(ANNA, "Stop maar met graven, de leiding ligt daar", proxy)
    [relayed] = fake_twilio.texts_to(JAN.phone)[1:]
    assert relayed.endswith("Stop maar met graven, de leiding ligt daar")
    assert case_system.of_type("citizen.opted_out") == []


# -- what STOP withdraws and suppresses ------------------------------------------------------------


def test_it_sends_her_no_reminder_after_stop(asked, says, fast_forward, run_worker, fake_twilio, client):
    says(ANNA, "STOP", asked)
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    [suppressed] = entries(client, "text.suppressed")
    assert suppressed["data"] == {"purpose": "reminder", "recipient": "citizen"}


def test_it_withdraws_a_reminder_that_was_waiting_for_a_retry(asked, says, fast_forward, run_worker, fake_twilio):
    fast_forward(REMINDER_AFTER + 1)
    fake_twilio.fail_next(status=503)  # the reminder is queued, Twilio asks us to come back later
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2 and fake_twilio.requests_seen == 4
    says(ANNA, "STOP", asked)
    fast_forward(3600)
    run_worker(2)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2


def test_it_withdraws_texts_queued_for_her_before_she_said_stop(
    case_api, twilio, run_worker, fast_forward, fake_twilio, client
):
    proxy = case_api.dispatch().json["proxy_number"]
    assert twilio.text(ANNA, "STOP", to=proxy).status_code == 200  # before the worker sent the dispatch notice
    fast_forward(3600)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # the crew's notice still goes
    [opted_out] = entries(client, "opted_out")
    assert "1 unsent text" in opted_out["summary"] and ANNA.phone not in opted_out["summary"]


def test_it_withdraws_a_text_the_worker_had_already_picked_up_when_stop_arrived(
    case_api, twilio, run_worker, fake_twilio
):
    case_api.dispatch(case_id="MOR-2026-0041", reference="MOR-41", citizen=BEA)
    proxy = case_api.dispatch(crew=PIET).json["proxy_number"]
    # The worker claims all four notices; Twilio keeps it waiting on the first (Bea's).
    fake_twilio.fail_next(status=503, hang=1.0)
    worker = threading.Thread(target=run_worker)
    worker.start()
    deadline = time.monotonic() + 5
    while fake_twilio.requests_seen == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert twilio.text(ANNA, "STOP", to=proxy).status_code == 200
    worker.join(timeout=15)
    assert not worker.is_alive()
    assert fake_twilio.texts_to(ANNA.phone) == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1 and len(fake_twilio.texts_to(PIET.phone)) == 1


def test_it_does_not_relay_the_crews_text_to_her_after_stop(proxy, says, fake_twilio, client):
    says(ANNA, "STOP", proxy)
    says(JAN, "We staan om 10 uur bij u.", proxy)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1
    [suppressed] = entries(client, "text.suppressed")
    assert suppressed["data"] == {"purpose": "relay", "recipient": "citizen"}
    assert "We staan" not in suppressed["summary"] and ANNA.phone not in suppressed["summary"]


def test_it_still_relays_her_texts_to_the_crew_after_she_said_stop(proxy, says, fake_twilio, case_system):
    says(ANNA, "STOP", proxy)
    says(ANNA, "Het gat zit recht voor mijn deur", proxy)
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith("Het gat zit recht voor mijn deur")
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Het gat zit recht voor mijn deur"


def test_it_sends_no_thank_you_to_a_yes_after_stop_and_keeps_her_opted_out(
    asked, says, case_system, fake_twilio, client
):
    says(ANNA, "STOP", asked)
    says(ANNA, "YES", asked)
    assert callback_types(case_system) == ["citizen.opted_out", "case.confirmed"]
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2
    assert [entry["data"]["purpose"] for entry in entries(client, "text.suppressed")] == ["thanks_yes"]


def test_it_keeps_suppressing_texts_in_a_later_case_for_the_same_resident(
    proxy, says, case_api, run_worker, fake_twilio, client
):
    says(ANNA, "STOP", proxy)
    case_api.dispatch(case_id="MOR-2026-0050", reference="MOR-50", crew=PIET)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1
    assert len(fake_twilio.texts_to(PIET.phone)) == 1
    [suppressed] = entries(client, "text.suppressed", case_id="MOR-2026-0050")
    assert suppressed["data"]["purpose"] == "dispatch_citizen"


def test_it_tells_the_case_system_when_a_new_case_is_for_someone_who_opted_out_before(
    proxy, says, case_api, run_worker, case_system
):
    says(ANNA, "STOP", proxy)
    case_api.dispatch(case_id="MOR-2026-0050", reference="MOR-50", crew=PIET)
    run_worker()
    told = [
        d
        for d in case_system.deliveries
        if d.data["case_id"] == "MOR-2026-0050" and d.type in ("citizen.opted_out", "message.undeliverable")
    ]
    assert told


def test_it_still_calls_a_landline_that_sent_stop(case_api, twilio, run_worker, fake_twilio):
    assert twilio.text(LIES, "STOP", to=PROXY_NUMBERS[0]).status_code == 200
    case_api.dispatch(citizen=LIES)
    run_worker()
    [call] = fake_twilio.calls
    assert call["To"] == LIES.phone
    assert fake_twilio.texts_to(LIES.phone) == []


# -- who is told -----------------------------------------------------------------------------------


def test_it_tells_the_case_system_for_each_of_her_open_cases(case_api, says, run_worker, case_system, client):
    first = case_api.dispatch(case_id="MOR-2026-0042").json["proxy_number"]
    case_api.dispatch(case_id="MOR-2026-0043", reference="MOR-43", crew=PIET)
    case_api.dispatch(case_id="MOR-2026-0044", reference="MOR-44", citizen=BEA)
    run_worker()
    says(ANNA, "Stop", first)
    opted_out = case_system.of_type("citizen.opted_out")
    assert sorted(d.data["case_id"] for d in opted_out) == ["MOR-2026-0042", "MOR-2026-0043"]
    assert all(d.data["source"] == "STOP" and ANNA.phone not in str(d.data) for d in opted_out)
    assert entries(client, "opted_out", case_id="MOR-2026-0044") == []


def test_it_tells_the_case_system_when_the_crew_opts_out(proxy, says, case_system, fake_twilio, client):
    says(JAN, "STOP", proxy)
    [opted_out] = case_system.of_type("crew.opted_out")
    assert opted_out.data["source"] == "STOP" and opted_out.data["case_id"] == "MOR-2026-0042"
    assert case_system.of_type("citizen.opted_out") == []
    says(ANNA, "Waar blijven jullie?", proxy)
    assert len(fake_twilio.texts_to(JAN.phone)) == 1
    assert [entry["data"] for entry in entries(client, "text.suppressed")] == [
        {"purpose": "relay", "recipient": "crew"}
    ]


def test_it_still_texts_the_resident_when_the_crew_opted_out(proxy, says, fake_twilio):
    says(JAN, "STOP", proxy)
    says(JAN, "We komen morgen om 9 uur.", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("We komen morgen om 9 uur.")


def test_it_records_a_strangers_stop_without_telling_the_case_system(
    proxy, says, case_system, case_api, run_worker, fake_twilio
):
    says(STRANGER, "STOP", proxy)
    assert case_system.deliveries == []
    # Recorded all the same: a later case for that number texts her nothing.
    case_api.dispatch(case_id="MOR-2026-0060", reference="MOR-60", citizen=STRANGER, crew=PIET)
    run_worker()
    assert fake_twilio.texts_to(STRANGER.phone) == []
    assert len(fake_twilio.texts_to(PIET.phone)) == 1


def test_it_takes_stop_sent_to_another_proxy_number_as_an_opt_out(proxy, says, case_system, fake_twilio):
    other = next(number for number in PROXY_NUMBERS if number != proxy)
    says(ANNA, "STOP", other)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["case_id"] == "MOR-2026-0042"
    says(JAN, "Wij zijn er over een kwartier.", proxy)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1


class TestOnASharedProxyNumber:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "PROXY_NUMBERS": PROXY_NUMBERS[0]}

    def test_it_opts_her_out_of_every_case_without_asking_which_case(
        self, case_api, says, run_worker, fake_twilio, case_system
    ):
        case_api.dispatch(case_id="MOR-2026-0042")
        case_api.dispatch(case_id="MOR-2026-0043", reference="MOR-43", crew=PIET)
        run_worker()
        assert len(fake_twilio.texts_to(ANNA.phone)) == 2
        says(ANNA, "STOP", PROXY_NUMBERS[0])
        assert len(fake_twilio.texts_to(ANNA.phone)) == 2  # no "which case?" question
        assert sorted(d.data["case_id"] for d in case_system.of_type("citizen.opted_out")) == [
            "MOR-2026-0042",
            "MOR-2026-0043",
        ]


# -- START ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("keyword", ["START", "unstop."])
def test_it_opts_her_back_in_on_start(keyword, proxy, says, case_system):
    says(ANNA, "STOP", proxy)
    says(ANNA, keyword, proxy)
    [opted_in] = case_system.of_type("citizen.opted_in")
    assert (
        opted_in.data["source"] == "".join(ch for ch in keyword if ch.isalnum()).upper()
        and opted_in.data["case_id"] == "MOR-2026-0042"
    )


def test_it_texts_her_again_after_start(proxy, says, fake_twilio):
    says(ANNA, "STOP", proxy)
    says(JAN, "Eerste bericht.", proxy)
    says(ANNA, "START", proxy)
    says(JAN, "Tweede bericht.", proxy)
    [relayed] = fake_twilio.texts_to(ANNA.phone)[1:]
    assert relayed.endswith("Tweede bericht.")


def test_it_sends_her_the_reminder_by_text_after_start(asked, says, fast_forward, run_worker, fake_twilio):
    says(ANNA, "STOP", asked)
    says(ANNA, "START", asked)
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # the reminder


def test_it_tells_the_crews_opt_in_as_crew(proxy, says, case_system):
    says(JAN, "STOP", proxy)
    says(JAN, "UNSTOP", proxy)
    assert callback_types(case_system) == ["crew.opted_out", "crew.opted_in"]


def test_it_sends_no_opt_in_callback_to_start_from_someone_who_never_opted_out(proxy, says, case_system, fake_twilio):
    says(ANNA, "START", proxy)
    assert case_system.deliveries == []
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # a keyword is not relayed to the crew


@pytest.mark.parametrize("answer", ["YES", "Ja, start maar"])
def test_it_never_takes_a_yes_as_an_opt_in(answer, asked, says, case_system, fake_twilio):
    says(ANNA, "STOP", asked)
    says(ANNA, answer, asked)
    assert case_system.of_type("citizen.opted_in") == []
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2


# -- Twilio's 21610 --------------------------------------------------------------------------------


def test_it_opts_her_out_when_twilio_refuses_a_text_with_21610(case_api, run_worker, fake_twilio, case_system):
    case_api.dispatch()
    fake_twilio.fail_next(status=400, code=21610)  # the first text out is Anna's dispatch notice
    run_worker()
    assert callback_types(case_system) == ["citizen.opted_out", "message.undeliverable"]
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["source"] == "twilio 21610"
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["error_code"], report.data["purpose"]) == (
        "citizen",
        "21610",
        "dispatch_citizen",
    )
    assert ANNA.phone not in str(report.data)


def test_it_opts_her_out_when_twilio_reports_21610_in_a_status_callback(
    proxy, fake_twilio, twilio, run_worker, case_system
):
    [notice] = [m for m in fake_twilio.messages if m["To"] == ANNA.phone]
    row = notice["StatusCallback"].rsplit("?o=", 1)[1]
    assert twilio.status(notice["sid"], "failed", int(row), error_code="21610").status_code == 204
    run_worker()
    assert callback_types(case_system) == ["citizen.opted_out", "message.undeliverable"]


def test_it_texts_her_nothing_more_after_a_21610(case_api, run_worker, fake_twilio, says, fast_forward):
    proxy = case_api.dispatch().json["proxy_number"]
    fake_twilio.fail_next(status=400, code=21610)
    run_worker()
    says(JAN, "We komen eraan.", proxy)
    case_api.complete()
    fast_forward(1800)
    run_worker()
    fast_forward(REMINDER_AFTER + 1)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone) == []
    # Anna's refused notice, Jan's notice, and Jan told his text did not reach her; nothing more to her.
    assert fake_twilio.requests_seen == 3
    assert "geen sms" in fake_twilio.texts_to(JAN.phone)[-1]


def test_it_opts_the_crew_out_when_twilio_refuses_a_text_to_him_with_21610(proxy, says, fake_twilio, case_system):
    fake_twilio.fail_next(status=400, code=21610)
    says(ANNA, "Ik ben vanaf 9 uur thuis", proxy)  # relayed to Jan: refused
    [opted_out] = case_system.of_type("crew.opted_out")
    assert opted_out.data["source"] == "twilio 21610"
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["recipient"] == "crew"
    says(ANNA, "Bel even aan", proxy)
    assert len(fake_twilio.texts_to(JAN.phone)) == 1  # his dispatch notice only


# -- hostile and repeated deliveries ----------------------------------------------------------------


def test_it_ignores_a_redelivered_stop(proxy, says, case_system):
    sid = "SM" + uuid.uuid4().hex
    says(ANNA, "STOP", proxy, sid=sid)
    says(ANNA, "STOP", proxy, sid=sid)
    assert len(case_system.of_type("citizen.opted_out")) == 1


def test_it_does_not_opt_her_out_again_when_an_old_stop_is_redelivered_after_start(
    proxy, says, case_system, fake_twilio
):
    sid = "SM" + uuid.uuid4().hex
    says(ANNA, "STOP", proxy, sid=sid)
    says(ANNA, "START", proxy)
    says(ANNA, "STOP", proxy, sid=sid)
    assert callback_types(case_system) == ["citizen.opted_out", "citizen.opted_in"]
    says(JAN, "We zijn er.", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("We zijn er.")


def test_it_refuses_a_stop_with_a_bad_signature(proxy, twilio, run_worker, case_system, says, fake_twilio):
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": ANNA.phone, "To": proxy, "Body": "STOP", "NumMedia": "0"}
    assert twilio.post("/twilio/sms", form, signature="forged").status_code == 403
    run_worker()
    assert case_system.deliveries == []
    says(JAN, "Nog steeds welkom?", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Nog steeds welkom?")


def test_it_refuses_a_stop_signed_for_another_sender(proxy, twilio, run_worker, case_system):
    # The signature covers the form: changing From after signing must not opt out someone else.
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": STRANGER.phone, "To": proxy, "Body": "STOP", "NumMedia": "0"}
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + "/twilio/sms", form)
    assert twilio.post("/twilio/sms", {**form, "From": ANNA.phone}, signature=signature).status_code == 403
    run_worker()
    assert case_system.deliveries == []


@pytest.mark.parametrize("sender", ["", "anonymous"])
def test_it_opts_nobody_out_on_a_stop_from_an_unreadable_sender(sender, proxy, says, case_system, fake_twilio):
    says(sender, "STOP", proxy)
    assert case_system.deliveries == []
    says(JAN, "Alles goed?", proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Alles goed?")


def test_it_refuses_a_stop_without_a_message_sid(proxy, twilio, run_worker, case_system):
    form = {"From": ANNA.phone, "To": proxy, "Body": "STOP", "NumMedia": "0"}
    assert twilio.post("/twilio/sms", form).status_code == 400
    run_worker()
    assert case_system.deliveries == []


def test_it_opts_her_out_on_a_stop_with_a_long_tail_of_punctuation(proxy, says, case_system, fake_twilio):
    says(ANNA, "STOP" + "!" * 40, proxy)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["source"].startswith("STOP")
    says(JAN, "We komen eraan.", proxy)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1


@pytest.mark.parametrize(
    "body",
    ["STOP\x00", "\u200bSTOP", "\u202eS\u00adTOP\r\n"],
    ids=["nul", "zero-width-space", "bidi-override-soft-hyphen-crlf"],
)
def test_it_opts_her_out_on_a_stop_with_invisible_characters(body, proxy, says, case_system):
    says(ANNA, body, proxy)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["case_id"] == "MOR-2026-0042"


@pytest.mark.parametrize("body", ["<Message>STOP</Message>", "STOP STOP", "ST0P"])
def test_it_relays_something_that_only_looks_like_stop_to_the_crew(body, proxy, says, case_system, fake_twilio):
    says(ANNA, body, proxy)
    assert case_system.of_type("citizen.opted_out") == []
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith(body)
