"""The operator's commands (`flask --app app ...`), run with Flask's CliRunner against cases made
through the API, with Twilio and the case system faked at their edge.

Redelivery is in tests/test_cli_redeliver.py, `twilio check` in tests/test_cli_twilio_check.py.
"""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.models import Case
from gateway.factory import create_app
from tests.conftest import ANNA, CASE_KEY, JAN, PROXY_NUMBERS, STRANGER, Persona

REAL_NUMBERS = (ANNA.phone, JAN.phone, STRANGER.phone, "06 12345678", "0612345678", "+31 6 12345678")
COMMANDS = [
    ["pool", "list"],
    ["pool", "check"],
    ["case", "show"],
    ["callbacks", "redeliver"],
    ["callbacks-enable"],
    ["send-test-text"],
    ["purge"],
    ["twilio", "check"],
    ["texts"],
]


def assert_no_real_number(output: str) -> None:
    for number in REAL_NUMBERS:
        assert number not in output, number


def person(i: int) -> Persona:
    return Persona(f"Bewoner {i}", f"+316200000{i:02d}", f"06 200000{i:02d}")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(cli, command):
    result = cli(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


# -- pool ------------------------------------------------------------------------------------------------


def test_pool_list_shows_each_number_its_cases_and_who_shares_it(cli, case_api):
    for i in range(4):  # Anna reports four things, Jan fixes them all: three numbers, so one pair shares
        assert case_api.dispatch(case_id=f"MOR-{i}").status_code == 202
    result = cli("pool", "list")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()[1:4]}
    assert set(lines) == set(PROXY_NUMBERS)
    assert sorted(int(line.split()[1]) for line in lines.values()) == [1, 1, 2]  # cases per number
    shared = [line for line in lines.values() if line.split()[3] == "yes"]
    assert len(shared) == 1 and shared[0].split()[2] == "4"  # two cases, two leases each
    assert "+316****5678 (4 cases)" in shared[0]  # Anna is busy: four open cases
    assert "busiest participant: +316****5678 with 4 open case(s)" in result.output
    assert_no_real_number(result.output)


def test_pool_list_and_check_name_a_number_that_left_the_pool_while_cases_hold_it(cli, case_api, settings):
    for i in range(3):
        case_api.dispatch(case_id=f"MOR-{i}", citizen=person(i))
    smaller = create_app({**settings, "PROXY_NUMBERS": ",".join(PROXY_NUMBERS[:2])})
    try:
        runner = smaller.test_cli_runner()
        listed = runner.invoke(args=["pool", "list"])
        assert f"{PROXY_NUMBERS[2]}" in listed.output and "(not in PROXY_NUMBERS)" in listed.output
        checked = runner.invoke(args=["pool", "check"])
    finally:
        smaller.extensions["korte_lijn"].db.dispose()
    assert checked.exit_code == 1
    assert f"{PROXY_NUMBERS[2]}: 1 open case(s) still use it, but it is not in PROXY_NUMBERS" in checked.output


def test_pool_check_passes_when_every_number_is_in_the_twilio_account(cli, fake_twilio):
    for number in PROXY_NUMBERS:
        fake_twilio.own_number(number)
    result = cli("pool", "check")
    assert result.exit_code == 0, result.output
    assert "pool ok: 3 number(s), all valid E.164 and different, all in the Twilio account" in result.output


def test_pool_check_fails_on_a_number_missing_from_the_twilio_account(cli, fake_twilio):
    fake_twilio.own_number(PROXY_NUMBERS[0])
    fake_twilio.own_number(PROXY_NUMBERS[2])
    result = cli("pool", "check")
    assert result.exit_code == 1
    assert f"problem: {PROXY_NUMBERS[1]}: is not a number of this Twilio account" in result.output
    assert "1 problem(s) in the proxy pool" in result.output


def test_pool_check_notes_a_participant_busier_than_the_pool_is_big(cli, case_api, fake_twilio):
    for number in PROXY_NUMBERS:
        fake_twilio.own_number(number)
    for i in range(4):
        case_api.dispatch(case_id=f"MOR-{i}")
    result = cli("pool", "check")
    assert result.exit_code == 0  # sharing is by design, not a fault
    assert "note: +316****5678 has 4 open cases and the pool 3 numbers" in result.output


# -- case show -------------------------------------------------------------------------------------------


@pytest.fixture
def story(case_api, twilio, run_worker):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    twilio.text(ANNA, "Het gat zit links, bel me gerust op 06 12345678", to=proxy)
    case_api.complete()
    run_worker()
    return proxy


def test_case_show_prints_the_case_and_its_timeline_with_numbers_masked(cli, story):
    result = cli("case", "show", "MOR-2026-0042")
    assert result.exit_code == 0, result.output
    assert "case MOR-2026-0042 (MOR-42), Kerkstraat 12" in result.output
    assert f"proxy number {story}" in result.output  # the municipality's number, not personal
    assert "citizen +316****5678 Anna de Vries (nl)" in result.output
    for kind in ("status", "text.queued", "sms.sent", "text.received", "callback.queued"):
        assert f" {kind} " in result.output, kind
    assert_no_real_number(result.output)


def test_case_show_json_is_the_api_document_with_words_masked_too(cli, story, client):
    result = cli("case", "show", "MOR-2026-0042", "--json")
    assert result.exit_code == 0
    shown = json.loads(result.output)
    api = client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": f"Bearer {CASE_KEY}"}).json
    assert {k: v for k, v in shown.items() if k != "timeline"} == {k: v for k, v in api.items() if k != "timeline"}
    assert [e["kind"] for e in shown["timeline"]] == [e["kind"] for e in api["timeline"]]
    assert "bel me gerust op +316****5678" in result.output
    assert_no_real_number(result.output)


def test_case_show_fails_clearly_for_an_unknown_case(cli):
    result = cli("case", "show", "MOR-0000-0000")
    assert result.exit_code == 1
    assert "no case with case_id 'MOR-0000-0000'" in result.output


@pytest.mark.parametrize("case_id", ["a b", "x" * 101, "../../etc/passwd", "MOR\x00-1", "MOR-1; DROP TABLE cases"])
def test_case_show_refuses_what_cannot_be_a_case_id(cli, case_id):
    result = cli("case", "show", case_id)
    assert result.exit_code == 2
    assert "is not a case_id" in result.output


# -- send-test-text --------------------------------------------------------------------------------------


def test_it_sends_a_test_text_naming_the_municipality_through_twilio(cli, fake_twilio):
    result = cli("send-test-text", ANNA.national)
    assert result.exit_code == 0, result.output
    [text] = fake_twilio.messages
    assert (text["To"], text["From"]) == (ANNA.phone, PROXY_NUMBERS[0])
    assert text["Body"] == "Gemeente Utrecht: dit is een testbericht. U hoeft niet te antwoorden."
    assert "StatusCallback" not in text  # no outbox row to report on
    assert f"test text sent: from {PROXY_NUMBERS[0]} to +316****5678, {text['sid']}" in result.output
    assert_no_real_number(result.output)


def test_it_sends_the_test_text_from_the_number_and_in_the_language_asked_for(cli, fake_twilio):
    result = cli("send-test-text", ANNA.phone, "--from", PROXY_NUMBERS[2], "--language", "en")
    assert result.exit_code == 0, result.output
    [text] = fake_twilio.messages
    assert text["From"] == PROXY_NUMBERS[2]
    assert text["Body"] == "Gemeente Utrecht: this is a test message. You do not need to reply."


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("abc", "is not a phone number"),
        ("06 1234", "is not a valid phone number"),
        ("0612345678" * 5, "is too long to be a phone number"),
        ("", "expected a phone number as text"),
        ("+999 12345678", "is not a phone number"),
        ("020 123 4567", "is a landline, which cannot receive texts"),
        ("0906 123456", "is a premium-rate number"),
        ("+32 470 12 34 56", "is in BE, outside ALLOWED_REGIONS (NL)"),
    ],
)
def test_it_refuses_what_cannot_take_a_test_text_and_sends_nothing(cli, fake_twilio, number, problem):
    result = cli("send-test-text", number)
    assert result.exit_code == 2
    assert "Invalid value for NUMBER: " in result.output and problem in result.output
    assert fake_twilio.requests_seen == 0


def test_it_refuses_a_sender_outside_the_pool(cli, fake_twilio):
    result = cli("send-test-text", ANNA.phone, "--from", JAN.phone)
    assert result.exit_code == 2 and "--from: is not one of PROXY_NUMBERS" in result.output
    assert fake_twilio.requests_seen == 0


def test_it_says_why_twilio_refused_the_test_text_with_the_number_masked(cli, fake_twilio):
    fake_twilio.refuse(ANNA.phone, status=400, code=21610)
    result = cli("send-test-text", ANNA.phone)
    assert result.exit_code == 1
    assert "the test text to +316****5678 was not sent: Twilio answered 400" in result.output
    assert_no_real_number(result.output)


def test_without_twilio_the_test_text_is_printed_and_says_so(settings, request):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        settings.pop(name)
    app, fake_twilio = request.getfixturevalue("app"), request.getfixturevalue("fake_twilio")
    result = app.test_cli_runner().invoke(args=["send-test-text", ANNA.phone])
    assert result.exit_code == 0
    assert "test text printed to the log, not sent (no Twilio account)" in result.output
    assert fake_twilio.requests_seen == 0


# -- purge -----------------------------------------------------------------------------------------------


def test_purge_removes_the_data_of_ended_cases_with_a_progress_bar_that_works_off_a_terminal(cli, case_api, runtime):
    for i in range(3):
        case_api.dispatch(case_id=f"MOR-{i}", citizen=person(i))
        case_api.cancel(case_id=f"MOR-{i}")
    case_api.dispatch(case_id="MOR-open")
    with runtime.db.transaction() as session:  # a month passes for the cancelled cases
        for case in session.scalars(select(Case).where(Case.ended_at.is_not(None))):
            case.ended_at -= timedelta(days=31)

    result = cli("purge")  # CliRunner is no terminal: click prints the label once, no bar
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "removing personal data",
        "personal data of 3 case(s) removed (retention 30 days)",
    ]
    with runtime.db.transaction() as session:
        phones = {case.case_id: case.citizen_phone for case in session.scalars(select(Case))}
    assert phones == {"MOR-0": None, "MOR-1": None, "MOR-2": None, "MOR-open": ANNA.phone}
    assert cli("purge").output.endswith("personal data of 0 case(s) removed (retention 30 days)\n")
