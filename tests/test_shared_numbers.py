"""A shared proxy number: when the pool has no number free for both parties, it shares one.

Here the pool holds one number, P. Jan (crew) gets two jobs on the same day: Anna's hole
in the Kerkstraat and Bregje's in the Dorpsweg. Or Anna reports twice, and Jan and Piet
each take one. Whoever holds P for several cases is asked which case she means: by a
numbered question when she texts, by the case's short code when she calls.
"""

import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, PUBLIC_BASE_URL, STRANGER, Persona

BREGJE = Persona("Bregje Smit", "+31623456789", "06 23456789")  # a second resident
PIET = Persona("Piet Jansen", "+31634567890", "06-34567890")  # a second crew
CLARA = Persona("Clara Visser", "+31645678901", "06 45678901")  # a third resident, Piet's
P = PROXY_NUMBERS[0]
ORG = "Gemeente Utrecht"
SESSION_GRACE = 7200
CONFIRMATION_DELAY = 1800

FIRST = {"case_id": "MOR-2026-0042", "reference": "MOR-42", "address": "Kerkstraat 12"}
SECOND = {"case_id": "MOR-2026-0043", "reference": "MOR-43", "address": "Dorpsweg 3"}
THIRD = {"case_id": "MOR-2026-0044", "reference": "MOR-44", "address": "Molenlaan 7"}

QUESTION_NL = (
    f"{ORG}: over welke melding gaat uw bericht? 1 = Kerkstraat 12 (MOR-42), 2 = Dorpsweg 3 (MOR-43). "
    "Antwoord met het cijfer."
)
QUESTION_EN = (
    f"{ORG}: which report is your message about? 1 = Kerkstraat 12 (MOR-42), 2 = Dorpsweg 3 (MOR-43). "
    "Reply with the number."
)


@pytest.fixture
def settings(settings):
    return {**settings, "PROXY_NUMBERS": P}


@pytest.fixture(autouse=True)
def every_callback_is_signed(case_system):
    yield
    assert case_system.rejected == []


@pytest.fixture
def dispatch(case_api):
    def send(job: dict, citizen: Persona, crew: Persona, **fields):
        answer = case_api.dispatch(citizen=citizen, crew=crew, **job, **fields)
        assert answer.status_code == 202, answer.json
        return answer

    return send


@pytest.fixture
def jans_two_jobs(dispatch, run_worker, fake_twilio):
    """Jan has Anna's case (code 100) and Bregje's (code 101), both on P; dispatch texts are out."""

    def make(**fields):
        dispatch(FIRST, ANNA, JAN, **fields)
        dispatch(SECOND, BREGJE, JAN, **fields)
        run_worker()
        fake_twilio.reset()

    return make


@pytest.fixture
def annas_two_reports(dispatch, run_worker, fake_twilio):
    """Anna reported twice: Jan has the first (code 100), Piet the second (code 101), both on P."""
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, ANNA, PIET)
    run_worker()
    fake_twilio.reset()


@pytest.fixture
def case(client):
    def get(case_id: str) -> dict:
        answer = client.get(f"/v1/cases/{case_id}", headers={"Authorization": "Bearer retired-case-system-key"})
        assert answer.status_code == 200
        return answer.json

    return get


@pytest.fixture
def kinds(case):
    def timeline(case_id: str) -> list[str]:
        return [entry["kind"] for entry in case(case_id)["timeline"]]

    return timeline


@pytest.fixture
def says(twilio, run_worker):
    """A person texts P, and the worker sends whatever follows."""

    def text(person: Persona, body: str, **extra) -> None:
        assert twilio.text(person, body, to=P, **extra).status_code == 200
        run_worker()

    return text


@pytest.fixture
def keys(twilio):
    """A caller on P keys digits into the short-code Gather."""

    def post(caller: Persona, digits: str | None, attempt: int = 1, form: dict | None = None):
        fields = {"CallSid": "CA" + "1" * 32, "From": caller.phone, "To": P}
        if digits is not None:
            fields["Digits"] = digits
        return twilio.post(f"/twilio/ivr/code?attempt={attempt}", {**fields, **(form or {})})

    return post


def texts_to(fake_twilio, person: Persona) -> list[str]:
    return fake_twilio.texts_to(person.phone)


def questions_to(fake_twilio, person: Persona) -> list[str]:
    return [body for body in texts_to(fake_twilio, person) if "over welke melding" in body or "which report" in body]


def voice(response) -> ET.Element:
    """The TwiML of a call; every Dial in it shows P, never a real number."""
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    for dial in root.iter("Dial"):
        assert dial.get("callerId") == P
    return root


def dialled(root: ET.Element) -> list[str]:
    return [number.text for number in root.iter("Number")]


# --- The pool shares rather than refuses -----------------------------------------------------------


def test_it_accepts_jans_second_job_on_the_single_number_and_notes_that_it_is_shared(dispatch, kinds):
    first = dispatch(FIRST, ANNA, JAN)
    second = dispatch(SECOND, BREGJE, JAN)
    assert first.json["proxy_number"] == second.json["proxy_number"] == P
    assert "pool.shared" in kinds("MOR-2026-0043")
    assert "pool.shared" not in kinds("MOR-2026-0042")  # the first job had P to itself


def test_it_names_each_cases_own_short_code_in_both_dispatch_texts(dispatch, run_worker, fake_twilio):
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, BREGJE, JAN)
    run_worker()
    [for_anna] = texts_to(fake_twilio, ANNA)
    [for_bregje] = texts_to(fake_twilio, BREGJE)
    for_jan = texts_to(fake_twilio, JAN)
    assert for_anna.endswith("Uw code: 100.") and for_bregje.endswith("Uw code: 101.")
    assert [("MOR-42 (code 100)" in text, "MOR-43 (code 101)" in text) for text in for_jan] == [
        (True, False),
        (False, True),
    ]
    assert all(message["From"] == P for message in fake_twilio.messages)


def test_it_shares_the_number_when_one_resident_reports_twice(dispatch, run_worker, fake_twilio, kinds):
    dispatch(FIRST, ANNA, JAN)
    second = dispatch(SECOND, ANNA, PIET)
    assert second.json["proxy_number"] == P
    assert "pool.shared" in kinds("MOR-2026-0043")
    run_worker()
    assert sorted(text[-13:] for text in texts_to(fake_twilio, ANNA)) == ["Uw code: 100.", "Uw code: 101."]
    [for_piet] = texts_to(fake_twilio, PIET)
    assert "MOR-43 (code 101)" in for_piet


def test_it_never_refuses_a_dispatch_and_never_gives_two_cases_on_the_number_the_same_code(
    dispatch, run_worker, fake_twilio
):
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, BREGJE, JAN)
    dispatch(THIRD, ANNA, JAN)
    dispatch({"case_id": "MOR-2026-0045", "reference": "MOR-45", "address": "Laan 1"}, CLARA, PIET)
    run_worker()
    codes = [
        text.rsplit("Uw code: ", 1)[1]
        for text in fake_twilio.texts_to(ANNA.phone)
        + fake_twilio.texts_to(BREGJE.phone)
        + fake_twilio.texts_to(CLARA.phone)
    ]
    assert sorted(codes) == ["100.", "101.", "102.", "103."]


# --- Texts: which case? ----------------------------------------------------------------------------


def test_it_holds_jans_text_and_asks_him_from_p_which_case_he_means(jans_two_jobs, says, fake_twilio, kinds):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    [question] = fake_twilio.messages
    assert (question["From"], question["To"], question["Body"]) == (P, JAN.phone, QUESTION_NL)
    assert "text.held" in kinds("MOR-2026-0042") and "text.held" in kinds("MOR-2026-0043")


def test_it_asks_in_english_when_the_crew_reads_english(jans_two_jobs, says, fake_twilio):
    jans_two_jobs(crew_fields={"language": "en"})
    says(JAN, "We are coming at 10")
    assert questions_to(fake_twilio, JAN) == [QUESTION_EN]


@pytest.mark.parametrize("choice", ["2", " 2. "])
def test_it_relays_jans_held_text_only_to_the_resident_of_the_case_he_picks(
    choice, jans_two_jobs, says, fake_twilio, case_system
):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, choice)
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert texts_to(fake_twilio, ANNA) == []
    assert len(questions_to(fake_twilio, JAN)) == 1
    assert case_system.deliveries == []  # a crew's text is not the resident's message


def test_it_relays_to_the_first_case_when_jan_picks_1(jans_two_jobs, says, fake_twilio, kinds):
    jans_two_jobs()
    says(JAN, "Staat uw auto voor de deur?")
    says(JAN, "1")
    assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: Staat uw auto voor de deur?"]
    assert texts_to(fake_twilio, BREGJE) == []
    assert "text.received" in kinds("MOR-2026-0042") and "text.received" not in kinds("MOR-2026-0043")


def test_it_sends_annas_held_text_to_the_crew_and_the_case_system_of_the_case_she_picks(
    annas_two_reports, says, fake_twilio, case_system
):
    says(ANNA, "Het gat is dieper geworden")
    assert questions_to(fake_twilio, ANNA) == [QUESTION_NL]
    assert texts_to(fake_twilio, JAN) == texts_to(fake_twilio, PIET) == []
    says(ANNA, "2")
    assert texts_to(fake_twilio, PIET) == [f"{ORG}, melder MOR-43: Het gat is dieper geworden"]
    assert texts_to(fake_twilio, JAN) == []
    [message] = case_system.wait_for("case.citizen_message")
    assert message.data["case_id"] == "MOR-2026-0043" and message.data["text"] == "Het gat is dieper geworden"


@pytest.mark.parametrize("body", ["101 we komen om 10 uur", "  101: we komen om 10 uur"])
def test_it_sends_a_text_that_starts_with_a_short_code_straight_to_that_case_without_the_code(
    body, jans_two_jobs, says, fake_twilio
):
    jans_two_jobs()
    says(JAN, body)
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: we komen om 10 uur"]
    assert texts_to(fake_twilio, ANNA) == []
    assert questions_to(fake_twilio, JAN) == []


def test_a_short_code_answers_the_question_too(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "100")
    assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert texts_to(fake_twilio, BREGJE) == []


def test_a_short_code_text_for_a_resident_with_two_reports_reaches_that_cases_crew(
    annas_two_reports, says, fake_twilio, case_system
):
    says(ANNA, "100 de paaltjes liggen nog in de tuin")
    assert texts_to(fake_twilio, JAN) == [f"{ORG}, melder MOR-42: de paaltjes liggen nog in de tuin"]
    assert texts_to(fake_twilio, PIET) == [] and questions_to(fake_twilio, ANNA) == []
    [message] = case_system.wait_for("case.citizen_message")
    assert message.data["case_id"] == "MOR-2026-0042"


def test_a_short_code_of_a_case_jan_does_not_hold_is_no_short_cut(
    dispatch, jans_two_jobs, says, run_worker, fake_twilio
):
    jans_two_jobs()
    dispatch(THIRD, CLARA, PIET)  # code 102, Piet's and Clara's
    run_worker()
    fake_twilio.reset()
    says(JAN, "102 we komen om 10 uur")
    assert texts_to(fake_twilio, CLARA) == []
    assert questions_to(fake_twilio, JAN) != []


def test_it_asks_again_after_an_answer_that_is_no_choice_and_keeps_both_texts(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "welke?")
    assert questions_to(fake_twilio, JAN) == [QUESTION_NL, QUESTION_NL]
    assert texts_to(fake_twilio, ANNA) == texts_to(fake_twilio, BREGJE) == []
    says(JAN, "1")
    [relayed] = texts_to(fake_twilio, ANNA)
    assert "We komen om 10 uur" in relayed and "welke?" in relayed


@pytest.mark.parametrize(
    "answer",
    ["7", "0", "-1", "99999999999999999999", "\U0001f44d", "", "1 2", "1; DROP TABLE cases", "1\x002"],
    ids=["seven", "zero", "minus-one", "huge", "emoji", "empty", "two-numbers", "sql", "nul"],
)
def test_it_releases_nothing_on_a_hostile_choice_and_asks_again(answer, jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, answer)
    assert len(questions_to(fake_twilio, JAN)) == 2
    assert texts_to(fake_twilio, ANNA) == texts_to(fake_twilio, BREGJE) == []
    says(JAN, "1")  # the held text is still there to be released
    [relayed] = texts_to(fake_twilio, ANNA)
    assert relayed.startswith(f"{ORG}, ploeg: We komen om 10 uur")


def test_the_question_is_gone_once_answered(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "2")
    says(JAN, "1")  # an ordinary text now: held and asked about, not an answer
    assert texts_to(fake_twilio, ANNA) == []
    assert len(questions_to(fake_twilio, JAN)) == 2
    says(JAN, "2")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur", f"{ORG}, ploeg: 1"]


def test_a_redelivered_held_text_is_held_and_asked_about_once(jans_two_jobs, says, fake_twilio, kinds):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur", sid="SM" + "a" * 32)
    says(JAN, "We komen om 10 uur", sid="SM" + "a" * 32)
    assert len(questions_to(fake_twilio, JAN)) == 1
    assert kinds("MOR-2026-0042").count("text.held") == 1
    says(JAN, "1")
    assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: We komen om 10 uur"]


def test_a_redelivered_choice_releases_the_held_text_once(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    says(JAN, "2", sid="SM" + "b" * 32)
    says(JAN, "2", sid="SM" + "b" * 32)
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert len(questions_to(fake_twilio, JAN)) == 1


def test_a_choice_with_a_bad_signature_releases_nothing(jans_two_jobs, twilio, says, run_worker, fake_twilio):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    form = {"MessageSid": "SM" + "c" * 32, "From": JAN.phone, "To": P, "Body": "2", "NumMedia": "0"}
    assert twilio.post("/twilio/sms", form, signature="bm90LWEtc2lnbmF0dXJl").status_code == 403
    assert twilio.post("/twilio/sms", form, signature="").status_code == 403
    run_worker()
    assert texts_to(fake_twilio, BREGJE) == []
    says(JAN, "2", sid="SM" + "c" * 32)  # the same delivery, signed this time
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]


def test_a_held_picture_is_announced_with_the_released_text(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "Zo ziet het er nu uit", NumMedia="1")
    says(JAN, "2")
    [relayed] = texts_to(fake_twilio, BREGJE)
    assert "Zo ziet het er nu uit" in relayed and "(foto of bijlage, niet doorgestuurd)" in relayed


def test_a_resident_who_holds_the_shared_number_for_one_case_is_not_asked(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(BREGJE, "Ik ben thuis vanaf 9 uur")
    assert texts_to(fake_twilio, JAN) == [f"{ORG}, melder MOR-43: Ik ben thuis vanaf 9 uur"]
    assert questions_to(fake_twilio, BREGJE) == []


def test_a_stranger_texting_the_shared_number_is_neither_asked_nor_relayed(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(STRANGER, "1")
    says(STRANGER, "100 hallo")
    assert fake_twilio.messages == []


def test_one_persons_open_question_is_not_answered_by_another(dispatch, says, run_worker, fake_twilio):
    dispatch(FIRST, ANNA, JAN)
    dispatch(SECOND, ANNA, PIET)
    dispatch(THIRD, BREGJE, JAN)  # Jan holds P for Anna's first report and for Bregje
    run_worker()
    fake_twilio.reset()
    says(ANNA, "Het gat is dieper geworden")
    says(JAN, "2")  # Jan has no question open: his "2" is held and he is asked himself
    assert texts_to(fake_twilio, PIET) == [] and texts_to(fake_twilio, BREGJE) == []
    assert len(questions_to(fake_twilio, JAN)) == 1
    says(ANNA, "2")  # her own question is still open
    assert texts_to(fake_twilio, PIET) == [f"{ORG}, melder MOR-43: Het gat is dieper geworden"]


# --- The confirmation question on a shared number ---------------------------------------------------


def test_a_resident_with_two_cases_on_the_number_says_which_one_her_nee_is_about(
    annas_two_reports, case_api, says, run_worker, fast_forward, fake_twilio, case_system
):
    assert case_api.complete(case_id="MOR-2026-0042", note="gat gevuld").status_code == 202
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    [asked] = texts_to(fake_twilio, ANNA)
    assert "MOR-42" in asked and asked.endswith("Antwoord JA of NEE.")
    says(ANNA, "nee")
    assert questions_to(fake_twilio, ANNA) == [QUESTION_NL]
    assert case_system.deliveries == []
    says(ANNA, "1")
    [reopened] = case_system.wait_for("case.reopened")
    assert reopened.data["case_id"] == "MOR-2026-0042" and reopened.data["reply"] == "nee"
    assert [d.type for d in case_system.deliveries] == ["case.reopened"]
    assert "MOR-42" in texts_to(fake_twilio, ANNA)[-1]  # her thank-you names the reopened case


def test_a_ja_for_the_other_report_does_not_confirm_the_asked_one(
    annas_two_reports, case_api, says, run_worker, fast_forward, fake_twilio, case_system, case
):
    case_api.complete(case_id="MOR-2026-0042")
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    says(ANNA, "ja")
    says(ANNA, "2")  # the still open job: her "ja" goes to Piet, the first case stays asked
    assert case_system.of_type("case.confirmed") == []
    assert texts_to(fake_twilio, PIET) == [f"{ORG}, melder MOR-43: ja"]
    assert case("MOR-2026-0042")["status"] == "awaiting_confirmation"


# --- Calls: the short code --------------------------------------------------------------------------


def test_it_asks_a_caller_who_holds_the_number_for_several_cases_for_the_code(jans_two_jobs, twilio):
    jans_two_jobs()
    root = voice(twilio.call(JAN, to=P))
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("input") == "dtmf" and gather.get("finishOnKey") == "#"
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/ivr/code?attempt=1"
    assert "code" in gather.find("Say").text
    assert root.find("Hangup") is not None  # silence ends the call


@pytest.mark.parametrize("digits", ["101", "101#"])
def test_it_connects_the_right_code_to_that_cases_resident(digits, jans_two_jobs, keys, kinds):
    jans_two_jobs()
    root = voice(keys(JAN, digits))
    [dial] = root.findall("Dial")
    assert dial.get("callerId") == P and dialled(root) == [BREGJE.phone]
    assert "call.connected" in kinds("MOR-2026-0043") and "call.connected" not in kinds("MOR-2026-0042")


def test_it_connects_a_resident_with_two_reports_to_the_crew_of_the_code_she_keys(annas_two_reports, twilio, keys):
    assert voice(twilio.call(ANNA, to=P)).find("Gather") is not None
    assert dialled(voice(keys(ANNA, "101"))) == [PIET.phone]
    assert dialled(voice(keys(ANNA, "100"))) == [JAN.phone]


def test_it_connects_a_caller_who_holds_the_shared_number_for_one_case_at_once(jans_two_jobs, twilio):
    jans_two_jobs()
    assert dialled(voice(twilio.call(BREGJE, to=P))) == [JAN.phone]


def test_a_resident_who_keys_the_code_of_her_asked_case_hears_the_question_not_the_crew(
    annas_two_reports, case_api, run_worker, fast_forward, keys, case
):
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(CONFIRMATION_DELAY)
    run_worker()
    root = voice(keys(ANNA, "100"))
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/ivr/answer?")
    assert "Kerkstraat 12" in gather.find("Say").text
    assert case(FIRST["case_id"])["status"] == "awaiting_confirmation"


def test_a_wrong_code_asks_once_more(jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, "999"))
    assert root.find("Dial") is None
    [gather] = root.findall("Gather")
    assert gather.get("action") == f"{PUBLIC_BASE_URL}/twilio/ivr/code?attempt=2"
    assert gather.get("finishOnKey") == "#"


def test_a_second_wrong_code_says_goodbye_and_hangs_up(jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, "999", attempt=2))
    assert root.find("Dial") is None and root.find("Gather") is None
    assert [child.tag for child in root][-1] == "Hangup"
    assert root.find("Say").text


def test_the_right_code_on_the_second_try_still_connects(jans_two_jobs, keys):
    jans_two_jobs()
    assert dialled(voice(keys(JAN, "100", attempt=2))) == [ANNA.phone]


@pytest.mark.parametrize(
    "digits",
    ["abc", "#", "1" * 20, "", None, "*101", "101\x00", "100 OR 1=1", "1", "00000000100"],
    ids=["letters", "hash", "twenty-digits", "empty", "missing", "star", "nul", "sql", "menu-1", "padded"],
)
def test_it_dials_nobody_on_garbage_digits(digits, jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, digits))
    assert root.find("Dial") is None
    assert [gather.get("action") for gather in root.iter("Gather")] == [f"{PUBLIC_BASE_URL}/twilio/ivr/code?attempt=2"]


def test_a_code_of_another_persons_case_connects_nobody(dispatch, jans_two_jobs, keys):
    jans_two_jobs()
    dispatch(THIRD, CLARA, PIET)  # code 102: Piet's and Clara's
    root = voice(keys(JAN, "102"))
    assert root.find("Dial") is None and CLARA.phone not in dialled(root)


def test_a_code_keyed_by_a_stranger_connects_nobody(jans_two_jobs, keys):
    jans_two_jobs()
    for attempt in (1, 2):
        root = voice(keys(STRANGER, "100", attempt=attempt))
        assert root.find("Dial") is None and root.find("Gather") is None


@pytest.mark.parametrize("attempt", ["-5", "99999999999999999999"])
def test_a_forged_attempt_number_never_dials(attempt, jans_two_jobs, twilio):
    jans_two_jobs()
    form = {"CallSid": "CA" + "2" * 32, "From": JAN.phone, "To": P, "Digits": "999"}
    root = voice(twilio.post(f"/twilio/ivr/code?attempt={attempt}", form))
    assert root.find("Dial") is None


def test_a_code_with_a_bad_signature_is_refused(jans_two_jobs, twilio):
    jans_two_jobs()
    form = {"CallSid": "CA" + "3" * 32, "From": JAN.phone, "To": P, "Digits": "101"}
    assert twilio.post("/twilio/ivr/code?attempt=1", form, signature="bm9wZQ==").status_code == 403
    # Signed for another attempt than the one posted to.
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + "/twilio/ivr/code?attempt=2", form)
    assert twilio.post("/twilio/ivr/code?attempt=1", form, signature=signature).status_code == 403


def test_a_code_never_connects_to_a_number_the_caller_forges_into_the_form(jans_two_jobs, keys):
    jans_two_jobs()
    root = voice(keys(JAN, "101", form={"Called": STRANGER.phone, "Number": STRANGER.phone}))
    assert dialled(root) == [BREGJE.phone]


def test_a_hostile_reference_cannot_inject_twiml_into_the_connecting_call(dispatch, keys):
    injected = 'X"/></Say><Dial><Number>+31611112222</Number></Dial><Say>'
    dispatch(FIRST, ANNA, JAN)
    dispatch({**SECOND, "reference": injected}, BREGJE, JAN)
    root = voice(keys(JAN, "101"))
    assert dialled(root) == [BREGJE.phone]
    assert len(root.findall("Dial")) == 1
    assert injected in "".join(say.text or "" for say in root.iter("Say"))


# --- The crew's side of the number after the job ----------------------------------------------------


def test_it_releases_the_crews_side_session_grace_after_completion(dispatch, case_api, run_worker, fast_forward, kinds):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE - 60)
    run_worker()
    assert "session.crew_ended" not in kinds("MOR-2026-0042")
    fast_forward(60)
    run_worker()
    assert "session.crew_ended" in kinds("MOR-2026-0042")


def test_a_crew_text_before_the_grace_is_over_gets_the_job_is_done_notice(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE - 60)
    run_worker()
    fake_twilio.reset()
    says(JAN, "Vergeten: de paaltjes komen morgen")
    [notice] = texts_to(fake_twilio, JAN)
    assert "MOR-42" in notice and "paaltjes" not in notice
    assert texts_to(fake_twilio, ANNA) == []


def test_a_crew_text_after_the_grace_is_ignored_as_a_strangers(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio, kinds
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    fake_twilio.reset()
    says(JAN, "Vergeten: de paaltjes komen morgen")
    assert fake_twilio.messages == []
    assert "text.received" not in kinds("MOR-2026-0042")


def test_the_resident_still_reaches_the_case_after_the_crews_side_is_released(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio, case_system
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    says(ANNA, "nee")
    [reopened] = case_system.wait_for("case.reopened")
    assert reopened.data["case_id"] == "MOR-2026-0042"


def test_a_call_from_the_crew_after_the_grace_dials_nobody(dispatch, case_api, run_worker, fast_forward, twilio):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    root = voice(twilio.call(JAN, to=P))
    assert root.find("Dial") is None and root.find("Gather") is None


def test_the_freed_number_serves_the_crews_next_job_without_sharing(
    dispatch, case_api, says, run_worker, fast_forward, fake_twilio, kinds
):
    dispatch(FIRST, ANNA, JAN)
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    assert dispatch(SECOND, BREGJE, JAN).json["proxy_number"] == P
    assert "pool.shared" not in kinds("MOR-2026-0043")
    run_worker()
    fake_twilio.reset()
    says(JAN, "We komen om 10 uur")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert questions_to(fake_twilio, JAN) == [] and texts_to(fake_twilio, ANNA) == []


def test_a_shared_crew_whose_other_case_ended_reaches_the_open_case_without_a_question(
    jans_two_jobs, case_api, says, run_worker, fast_forward, fake_twilio
):
    jans_two_jobs()
    case_api.complete(case_id=FIRST["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    fake_twilio.reset()
    says(JAN, "We komen om 10 uur")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert questions_to(fake_twilio, JAN) == [] and texts_to(fake_twilio, ANNA) == []


def test_a_cancelled_case_no_longer_counts_as_one_of_the_crews_cases(
    jans_two_jobs, case_api, says, fake_twilio, twilio
):
    jans_two_jobs()
    assert case_api.cancel(case_id=FIRST["case_id"], reason="dubbele melding").status_code == 202
    says(JAN, "We komen om 10 uur")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]
    assert dialled(voice(twilio.call(JAN, to=P))) == [BREGJE.phone]


class TestWithAShorterSessionGrace:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "SESSION_GRACE": "10m"}

    def test_it_releases_the_crews_side_after_the_configured_grace(
        self, dispatch, case_api, says, run_worker, fast_forward, fake_twilio, kinds
    ):
        dispatch(FIRST, ANNA, JAN)
        case_api.complete(case_id=FIRST["case_id"])
        fast_forward(600)
        run_worker()
        assert "session.crew_ended" in kinds("MOR-2026-0042")
        fake_twilio.reset()
        says(JAN, "nog een vraag")
        assert fake_twilio.messages == []


# --- Enough numbers: nobody shares ------------------------------------------------------------------


class TestWithEnoughNumbers:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "PROXY_NUMBERS": ",".join(PROXY_NUMBERS)}

    def test_it_gives_the_crews_two_jobs_two_numbers(self, dispatch, kinds):
        to_anna = dispatch(FIRST, ANNA, JAN).json["proxy_number"]
        to_bregje = dispatch(SECOND, BREGJE, JAN).json["proxy_number"]
        assert to_anna != to_bregje
        assert "pool.shared" not in kinds("MOR-2026-0042") + kinds("MOR-2026-0043")

    def test_it_gives_a_resident_who_reports_twice_two_numbers(self, dispatch, kinds):
        first = dispatch(FIRST, ANNA, JAN).json["proxy_number"]
        second = dispatch(SECOND, ANNA, PIET).json["proxy_number"]
        assert first != second and "pool.shared" not in kinds("MOR-2026-0043")

    def test_it_asks_nobody_which_case_when_every_case_has_its_own_number(
        self, dispatch, twilio, run_worker, fake_twilio
    ):
        to_anna = dispatch(FIRST, ANNA, JAN).json["proxy_number"]
        to_bregje = dispatch(SECOND, BREGJE, JAN).json["proxy_number"]
        run_worker()
        fake_twilio.reset()
        twilio.text(JAN, "1", to=to_anna)
        twilio.text(JAN, "Voor mevrouw Smit", to=to_bregje)
        run_worker()
        assert texts_to(fake_twilio, ANNA) == [f"{ORG}, ploeg: 1"]
        assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: Voor mevrouw Smit"]
        assert questions_to(fake_twilio, JAN) == []

    def test_a_call_from_the_crew_connects_at_once_on_an_unshared_number(self, dispatch, twilio):
        dispatch(FIRST, ANNA, JAN)
        to_bregje = dispatch(SECOND, BREGJE, JAN).json["proxy_number"]
        root = ET.fromstring(twilio.call(JAN, to=to_bregje).data)
        assert root.find("Gather") is None
        assert [number.text for number in root.iter("Number")] == [BREGJE.phone]


# --- Edge cases found in review: cases that end mid-question, postcodes, a code on its own ---------


def test_a_longer_number_at_the_start_of_a_text_is_not_taken_for_a_short_code(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "1012 AB is de postcode")
    assert texts_to(fake_twilio, BREGJE) == []
    assert questions_to(fake_twilio, JAN) == [QUESTION_NL]


def test_jans_answer_releases_his_held_text_though_his_other_case_was_cancelled_meanwhile(
    jans_two_jobs, says, case_api, fake_twilio
):
    jans_two_jobs()
    says(JAN, "We komen om 10 uur")
    assert case_api.cancel(case_id=FIRST["case_id"], reason="dubbele melding").status_code == 202
    says(JAN, "2")
    assert texts_to(fake_twilio, BREGJE) == [f"{ORG}, ploeg: We komen om 10 uur"]


def test_a_text_held_for_cases_that_ended_never_reaches_a_later_resident(
    jans_two_jobs, says, case_api, dispatch, run_worker, fast_forward, fake_twilio
):
    jans_two_jobs()
    says(JAN, "Mevrouw De Vries, we komen om 10 uur")  # never answered
    case_api.cancel(case_id=FIRST["case_id"])
    case_api.complete(case_id=SECOND["case_id"])
    fast_forward(SESSION_GRACE)
    run_worker()
    dispatch(THIRD, CLARA, JAN)  # days later: two new jobs for Jan on P
    dispatch({"case_id": "MOR-2026-0045", "reference": "MOR-45", "address": "Laan 1"}, BREGJE, JAN)
    run_worker()
    fake_twilio.reset()
    says(JAN, "Morgen om 8 uur")
    says(JAN, "1")
    assert texts_to(fake_twilio, CLARA) == [f"{ORG}, ploeg: Morgen om 8 uur"]


def test_a_bare_short_code_sends_no_empty_text_and_picks_the_case_for_the_next_one(jans_two_jobs, says, fake_twilio):
    jans_two_jobs()
    says(JAN, "101")
    assert all(text.strip() != f"{ORG}, ploeg:" for text in texts_to(fake_twilio, BREGJE))
    assert questions_to(fake_twilio, JAN) == []
    says(JAN, "Ik ben er om 10 uur")
    assert texts_to(fake_twilio, BREGJE)[-1] == f"{ORG}, ploeg: Ik ben er om 10 uur"


def test_a_wrong_code_from_a_caller_left_with_one_case_is_not_logged_as_connected(
    jans_two_jobs, twilio, keys, case_api, kinds
):
    jans_two_jobs()
    assert voice(twilio.call(JAN, to=P)).find("Gather") is not None
    case_api.cancel(case_id=FIRST["case_id"])  # while Jan is still on the line
    root = voice(keys(JAN, "999"))
    assert root.find("Dial") is None
    assert "call.connected" not in kinds(SECOND["case_id"])
