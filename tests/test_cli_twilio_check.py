"""`flask --app app twilio check` against the fake Twilio's IncomingPhoneNumbers: every proxy
number in the account, with its webhooks pointing here; skipped when there is no account to ask."""

import socket

from tests.conftest import PROXY_NUMBERS, PUBLIC_BASE_URL


def test_it_passes_when_every_number_points_here(cli, fake_twilio):
    fake_twilio.numbers_page_size = 2  # Twilio lists in pages: the check must read them all
    fake_twilio.own_number("+3197010009999", "https://elsewhere.example.com")  # another app's number
    for number in PROXY_NUMBERS:
        fake_twilio.own_number(number, PUBLIC_BASE_URL)
    result = cli("twilio", "check")
    assert result.exit_code == 0, result.output
    assert f"Twilio setup ok: 3 proxy number(s) point at {PUBLIC_BASE_URL}" in result.output


def test_it_names_every_mismatch_and_exits_1(cli, fake_twilio):
    fake_twilio.numbers_page_size = 2
    first, second, third = PROXY_NUMBERS
    fake_twilio.own_number(first, "https://old-host.example.org", voice_method="GET")
    fake_twilio.own_number(
        second,
        PUBLIC_BASE_URL,
        status_callback="https://tracker.example.com/calls",
        sms_application_sid="AP" + "1" * 32,
        capabilities={"voice": True, "sms": False},
    )
    # The third is not in the account at all.
    result = cli("twilio", "check")
    assert result.exit_code == 1
    problems = [line.removeprefix("problem: ") for line in result.output.splitlines() if line.startswith("problem: ")]
    assert problems == [
        f"{first}: SMS URL is https://old-host.example.org/twilio/sms, expected {PUBLIC_BASE_URL}/twilio/sms",
        f"{first}: voice URL is https://old-host.example.org/twilio/voice, expected {PUBLIC_BASE_URL}/twilio/voice",
        f"{first}: voice method is GET, expected POST",
        f"{second}: cannot take texts (Twilio capability 'sms' is off)",
        f"{second}: SMS goes to TwiML app AP{'1' * 32}, not to its SMS URL; take the number out of the app",
        f"{second}: voice status callback is https://tracker.example.com/calls; leave it empty, the gateway gives "
        "Twilio its own status URL with each call",
        f"{third}: is not a number of this Twilio account",
    ]
    assert "Error: 7 problem(s) in the Twilio setup" in result.output


def test_a_number_with_no_webhooks_set_says_so(cli, fake_twilio):
    for number in PROXY_NUMBERS:
        fake_twilio.own_number(number)  # bought, never configured
    result = cli("twilio", "check")
    assert result.exit_code == 1
    assert f"problem: {PROXY_NUMBERS[0]}: SMS URL is empty, expected {PUBLIC_BASE_URL}/twilio/sms" in result.output


def test_the_paths_it_expects_are_the_gateways_twilio_webhooks(client):
    # Unsigned, so refused: but refused by the webhook, not a 404 for a path that does not exist.
    for path in ("/twilio/sms", "/twilio/voice"):
        assert client.post(path, data={}).status_code == 403, path


def test_it_reports_a_public_base_url_that_twilio_cannot_reach(settings, request, fake_twilio):
    settings["PUBLIC_BASE_URL"] = "http://localhost:5000"
    for number in PROXY_NUMBERS:
        fake_twilio.own_number(number, "http://localhost:5000")
    result = request.getfixturevalue("cli")("twilio", "check")
    assert result.exit_code == 1
    assert "problem: PUBLIC_BASE_URL is http://localhost:5000: Twilio cannot reach that" in result.output


def test_it_stops_with_a_hint_when_twilio_refuses_the_credentials(settings, request):
    settings["TWILIO_AUTH_TOKEN"] = "a-wrong-token"
    result = request.getfixturevalue("cli")("twilio", "check")
    assert result.exit_code == 1
    assert "Twilio would not list the account's numbers: Twilio answered 401" in result.output
    assert "check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" in result.output


def test_it_is_skipped_without_twilio_credentials(settings, request):
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        settings.pop(name)
    result = request.getfixturevalue("cli")("twilio", "check")
    assert result.exit_code == 0
    assert result.output.startswith("Twilio check skipped: no TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN")


def test_it_is_skipped_when_twilio_cannot_be_reached(settings, request):
    with socket.socket() as closed:  # a port that was free a moment ago: nothing answers there
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{port}"
    cli = request.getfixturevalue("cli")
    for command in (["twilio", "check"], ["pool", "check"]):
        result = cli(*command)
        assert result.exit_code == 0, command
        assert (
            f"Twilio check skipped: http://127.0.0.1:{port} cannot be reached (Twilio unreachable: "
            "ConnectionError)" in result.output
        )
