"""Personal data and secrets stay out of the logs, whatever happens to a case."""

import logging

import pytest

from tests.conftest import ANNA, AUTH_TOKEN, CALLBACK_SECRET, CASE_KEY, EVENTS_SECRET, JAN, STRANGER, Persona

LOES = Persona("Loes Jansen", "+31201234567", "020 123 4567")  # on a landline


@pytest.fixture
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_no_phone_number_or_secret_is_ever_logged(
    everything_logged, case_api, twilio, run_worker, fast_forward, fake_twilio, case_system
):
    proxy = case_api.dispatch().json["proxy_number"]
    landline = case_api.dispatch(case_id="MOR-2026-0043", citizen=LOES).json["proxy_number"]
    twilio.text(ANNA, f"Bel me gerust op {ANNA.national} of {ANNA.phone}", to=proxy)
    twilio.text(JAN, "We komen om 10 uur", to=proxy)
    twilio.call(JAN, to=proxy)
    twilio.call(STRANGER, to=proxy)
    twilio.text(STRANGER, "Wie is dit?", to=proxy)
    fake_twilio.fail_next(status=400, code=21211)  # Twilio's error text quotes the number
    run_worker()
    case_api.complete()
    case_api.complete(case_id="MOR-2026-0043")
    fast_forward(1800)
    run_worker()
    twilio.text(ANNA, "Nee, het gat zit er nog", to=proxy)
    twilio.text(ANNA, "STOP", to=proxy)
    twilio.call(LOES, to=landline)
    run_worker()

    logged = everything_logged.text
    assert "****" in logged  # numbers do appear, masked
    for number in (ANNA.phone, ANNA.national, JAN.phone, STRANGER.phone, LOES.phone, "612345678", "687654321"):
        assert number not in logged, number
    for secret in (AUTH_TOKEN, CASE_KEY, CALLBACK_SECRET, EVENTS_SECRET):
        assert secret not in logged
