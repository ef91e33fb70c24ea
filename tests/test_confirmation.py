"""After the job: Anna is asked whether it is fixed, and her answer reaches the case system."""

import pytest

from flows import messages
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, STRANGER


def expected(key: str, language: str = "nl") -> str:
    return messages.DEFAULT_TEXTS.render(
        language, key, org="Gemeente Utrecht", reference="MOR-42", address="Kerkstraat 12"
    )


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


@pytest.fixture
def asked(case_api, run_worker, fast_forward, fake_twilio):
    """Dispatch, complete, let CONFIRMATION_DELAY pass: Anna has the question. Returns the proxy number."""

    def ask(language: str | None = None) -> str:
        fields = {"language": language} if language else {}
        proxy = case_api.dispatch(citizen_fields=fields).json["proxy_number"]
        assert case_api.complete(note="gat gevuld").status_code == 202
        fast_forward(1800)
        run_worker()
        assert len(fake_twilio.texts_to(ANNA.phone)) == 2  # the dispatch notice and the question
        return proxy

    return ask


@pytest.fixture
def anna_says(twilio, run_worker):
    def say(body: str, to: str) -> None:
        assert twilio.text(ANNA, body, to=to).status_code == 200
        run_worker()

    return say


def test_it_asks_nothing_before_confirmation_delay(case_api, fake_twilio, run_worker, fast_forward):
    proxy = case_api.dispatch().json["proxy_number"]
    case_api.complete()
    fast_forward(1790)
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1

    fast_forward(10)
    run_worker()
    [_, question] = [m for m in fake_twilio.messages if m["To"] == ANNA.phone]
    assert question["From"] == proxy
    assert "MOR-42" in question["Body"] and "Kerkstraat 12" in question["Body"]
    assert question["Body"].endswith("Antwoord met JA of NEE.")


def test_it_asks_in_english_when_the_citizen_reads_english(asked, fake_twilio):
    asked(language="en")
    question = fake_twilio.texts_to(ANNA.phone)[-1]
    assert "MOR-42" in question and "Kerkstraat 12" in question
    assert question.endswith("Reply YES or NO.")


@pytest.mark.parametrize("reply", ["ja", "Ja!", "JA dank u wel"])
def test_it_confirms_the_case_on_ja(reply, asked, anna_says, case_system, fake_twilio):
    proxy = asked()
    anna_says(reply, proxy)
    [confirmed] = case_system.of_type("case.confirmed")
    assert confirmed.data["case_id"] == "MOR-2026-0042"
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]
    assert fake_twilio.texts_to(ANNA.phone)[-1] == expected("thanks_yes")


@pytest.mark.parametrize("reply", ["nee", "Nee, het gat zit er nog", "No"])
def test_it_reopens_the_case_on_nee_and_asks_what_is_wrong(reply, asked, anna_says, case_system, fake_twilio):
    proxy = asked()
    anna_says(reply, proxy)
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == reply and reopened.data["case_id"] == "MOR-2026-0042"
    assert fake_twilio.texts_to(ANNA.phone)[-1] == expected("thanks_no")

    anna_says("De paaltjes liggen nog op de stoep, niet teruggezet", proxy)
    [detail] = case_system.of_type("case.citizen_message")
    assert detail.data["text"] == "De paaltjes liggen nog op de stoep, niet teruggezet"
    assert len(case_system.of_type("case.reopened")) == 1


def test_a_nee_after_ja_still_reopens_within_the_window(asked, anna_says, case_system, fast_forward):
    proxy = asked()
    anna_says("ja", proxy)
    fast_forward(7 * 86400)
    anna_says("Nee, vandaag is het gat er weer", proxy)
    assert [d.type for d in case_system.deliveries] == ["case.confirmed", "case.reopened"]
    assert case_system.deliveries[-1].data["reply"] == "Nee, vandaag is het gat er weer"


def test_a_nee_before_the_question_reopens_and_nobody_asks_her_afterwards(
    case_api, anna_says, case_system, fake_twilio, fast_forward, run_worker
):
    proxy = case_api.dispatch().json["proxy_number"]
    case_api.complete()
    anna_says("Ze hebben het gat aan de overkant gevuld, niet het mijne", proxy)
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "Ze hebben het gat aan de overkant gevuld, niet het mijne"
    fast_forward(259200)
    run_worker()
    assert not any(text.endswith("Antwoord met JA of NEE.") for text in fake_twilio.texts_to(ANNA.phone))
    assert case_system.of_type("case.unanswered") == []


def test_a_nee_after_the_timeout_still_reopens(asked, anna_says, case_system, fast_forward, run_worker):
    proxy = asked()
    fast_forward(259200)
    run_worker()
    case_system.wait_for("case.unanswered")
    anna_says("nee", proxy)
    assert [d.type for d in case_system.deliveries] == ["case.unanswered", "case.reopened"]


def test_a_nee_after_the_reopen_window_has_no_effect(
    asked, anna_says, case_system, fake_twilio, fast_forward, run_worker
):
    proxy = asked()
    anna_says("ja", proxy)
    fast_forward(1209600)
    run_worker()
    texts_before = len(fake_twilio.messages)
    anna_says("nee", proxy)
    # The proxy number is released: Anna is now a stranger to it, and is not answered either.
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]
    assert len(fake_twilio.messages) == texts_before


@pytest.mark.parametrize("reply", ["misschien", "ok", "Ja, maar het duurde wel lang"])
def test_an_unclear_reply_gets_one_polite_reask_and_no_verdict(reply, asked, anna_says, case_system, fake_twilio):
    proxy = asked()
    anna_says(reply, proxy)
    assert fake_twilio.texts_to(ANNA.phone)[-1] == expected("reask")
    assert case_system.deliveries == []


def test_a_second_unclear_reply_goes_to_the_case_system_and_the_question_stays_open(
    asked, anna_says, case_system, fake_twilio
):
    proxy = asked()
    anna_says("misschien", proxy)
    anna_says("Ik kijk morgen even als het licht is", proxy)
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Ik kijk morgen even als het licht is"
    assert fake_twilio.texts_to(ANNA.phone).count(expected("reask")) == 1
    assert case_system.of_type("case.confirmed") == []

    anna_says("ja", proxy)
    assert len(case_system.of_type("case.confirmed")) == 1


def test_it_reminds_once_then_reports_unanswered(asked, case_system, fake_twilio, fast_forward, run_worker):
    asked()
    fast_forward(86400 - 10)
    run_worker()
    assert expected("reminder") not in fake_twilio.texts_to(ANNA.phone)

    fast_forward(10)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1] == expected("reminder")
    fast_forward(86400)
    run_worker()
    assert case_system.deliveries == []

    fast_forward(86400)
    run_worker()
    [unanswered] = case_system.of_type("case.unanswered")
    assert unanswered.data["case_id"] == "MOR-2026-0042"
    assert fake_twilio.texts_to(ANNA.phone).count(expected("reminder")) == 1


def test_no_reminder_goes_out_after_an_answer(asked, anna_says, case_system, fake_twilio, fast_forward, run_worker):
    proxy = asked()
    anna_says("ja", proxy)
    fast_forward(259200)
    run_worker()
    assert expected("reminder") not in fake_twilio.texts_to(ANNA.phone)
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]


def test_callbacks_for_one_case_arrive_in_order_even_when_one_must_be_retried(
    asked, anna_says, case_system, fast_forward, run_worker
):
    proxy = asked()
    case_system.fail_next(1)
    anna_says("misschien", proxy)
    anna_says("Ik kijk morgen even", proxy)
    anna_says("ja", proxy)
    anna_says("Nee toch niet, er ligt nog zand", proxy)
    anna_says("En de paaltjes staan aan de overkant", proxy)
    assert case_system.deliveries == []  # all wait behind the failed first one

    fast_forward(5)
    run_worker()
    assert [d.type for d in case_system.deliveries] == [
        "case.citizen_message",
        "case.confirmed",
        "case.reopened",
        "case.citizen_message",
    ]
    assert case_system.attempts[0] == case_system.attempts[1]  # the retry keeps its webhook-id


def test_only_anna_can_answer_through_her_proxy_number(asked, anna_says, twilio, case_system, fake_twilio, run_worker):
    proxy = asked()
    twilio.text(STRANGER, "nee", to=proxy)
    twilio.text(JAN, "nee", to=proxy)
    other = next(number for number in PROXY_NUMBERS if number != proxy)
    twilio.text(ANNA, "nee", to=other)
    run_worker()
    assert case_system.deliveries == []
    assert fake_twilio.texts_to(STRANGER.phone) == []

    anna_says("ja", proxy)
    assert [d.type for d in case_system.deliveries] == ["case.confirmed"]


def test_a_redelivered_nee_reopens_only_once(asked, twilio, case_system, fake_twilio, run_worker):
    proxy = asked()
    for _ in range(2):
        twilio.text(ANNA, "nee", to=proxy, sid="SM" + "1" * 32)
    run_worker()
    # A second effect would also pass the redelivery on as her answer to "what is still wrong?".
    assert [d.type for d in case_system.deliveries] == ["case.reopened"]
    assert fake_twilio.texts_to(ANNA.phone).count(expected("thanks_no")) == 1


@pytest.mark.parametrize("body", ["", "   ", "\x00", "Nee! " * 500])
def test_an_empty_or_odd_reply_gives_no_verdict_and_no_crash(body, asked, twilio, case_system, run_worker):
    proxy = asked()
    assert twilio.text(ANNA, body, to=proxy).status_code == 200
    run_worker()
    assert case_system.of_type("case.confirmed") == []
    assert len(case_system.of_type("case.reopened")) == (1 if body.startswith("Nee") else 0)


def test_it_withdraws_a_held_dispatch_notice_when_the_job_is_done_first(settings, request):
    # A night-time emergency fix: the "crew is coming" text waits for quiet hours to end,
    # but by then the crew has been and gone. She should get the question, not the notice.
    settings["QUIET_HOURS"] = "00:00-23:59"
    case_api, fake_twilio = request.getfixturevalue("case_api"), request.getfixturevalue("fake_twilio")
    run_worker, fast_forward = request.getfixturevalue("run_worker"), request.getfixturevalue("fast_forward")
    case_api.dispatch()
    case_api.complete()
    fast_forward(1800)
    run_worker()  # the question is queued, and held by quiet hours too
    fast_forward(86400)
    run_worker()
    to_anna = fake_twilio.texts_to(ANNA.phone)
    assert len(to_anna) == 1 and to_anna[0].endswith("Antwoord met JA of NEE.")
