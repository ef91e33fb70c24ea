"""A refused Twilio signature leaves a line an operator can act on: the URL it was checked against,
and the command that makes a right one; never a resident's number."""

from __future__ import annotations

import re

import pytest

from gateway.factory import create_app
from tests.conftest import ANNA, JAN, PUBLIC_BASE_URL
from tests.log_leaks import forms

FORM = {"MessageSid": "SM" + "1" * 32, "From": ANNA.phone, "To": "+3197010000001", "Body": "Ja", "NumMedia": "0"}


def refusals(caplog) -> list[str]:
    lines = [record.getMessage() for record in caplog.records if record.name == "gateway.http.twilio_common"]
    return [line for line in lines if line.startswith("refused")]


def no_number_in(line: str) -> None:
    numbers = forms(ANNA.phone, ANNA.national) | forms(JAN.phone, JAN.national)
    assert not [number for number in numbers if number in line], line


def test_it_names_the_url_it_checked_and_the_command_that_signs_right(twilio, client, caplog, cli):
    # Signed for the Host the request came in on, as a proxy in front would make Twilio do.
    wrong = twilio.validator.compute_signature("http://localhost/twilio/sms", FORM)
    assert twilio.post("/twilio/sms", FORM, signature=wrong).status_code == 403
    [line] = refusals(caplog)
    assert "X-Twilio-Signature does not match" in line
    assert f"checked against {PUBLIC_BASE_URL}/twilio/sms " in line and "TWILIO_AUTH_TOKEN" in line
    no_number_in(line)

    # The command the line names, as it names it, signs a request that is accepted.
    path = re.search(r"flask --app app twilio-signature '([^']*)' Name=value", line).group(1)
    signed = cli("twilio-signature", path, *(f"{key}={value}" for key, value in FORM.items()))
    assert signed.exit_code == 0, signed.output
    answer = client.post(path, data=FORM, headers={"X-Twilio-Signature": signed.output.strip()})
    assert answer.status_code == 200


def test_it_masks_a_number_in_the_query_it_checked_against(twilio, caplog):
    path = "/twilio/status?o=7&From=%2B31612345678&To=0687654321"
    assert twilio.post(path, {"MessageSid": "SM1", "MessageStatus": "delivered"}, signature="").status_code == 403
    [line] = refusals(caplog)
    assert "no X-Twilio-Signature" in line
    assert f"checked against {PUBLIC_BASE_URL}/twilio/status?o=7&From=+316****5678&To=+316****4321 " in line
    no_number_in(line)


@pytest.fixture
def tokenless(settings, app):
    env = {key: value for key, value in settings.items() if not key.startswith("TWILIO_")}
    application = create_app({**env, "SIMULATOR": "0"})
    yield application
    application.extensions["korte_lijn"].db.dispose()


def test_it_says_when_there_is_no_token_to_check_with(tokenless, caplog):
    answer = tokenless.test_client().post("/twilio/sms", data=FORM, headers={"X-Twilio-Signature": "c2lnbmVk"})
    assert answer.status_code == 403
    [line] = refusals(caplog)
    assert "no TWILIO_AUTH_TOKEN is set" in line and f"{PUBLIC_BASE_URL}/twilio/sms" in line
