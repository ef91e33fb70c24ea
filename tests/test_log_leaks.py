"""The session's log check (tests/conftest.py pytest_sessionfinish) catches what it is meant to."""

import logging

from gateway.core.phones import mask_numbers_in
from tests.conftest import ANNA, JAN, LOG_LINES, STRANGER
from tests.log_leaks import forms, leaks, process_lines

NUMBERS = set().union(*(forms(persona.phone, persona.national) for persona in (ANNA, JAN, STRANGER)))


def test_it_looks_for_every_form_of_a_personas_number():
    assert {
        "+31612345678",
        "06 12345678",
        "0612345678",
        "%2B31612345678",
        "06-12345678",
        "06 12 34 56 78",
        "0031612345678",
    } <= forms(ANNA.phone, ANNA.national)


def test_the_log_check_names_a_planted_line_in_a_process_log(tmp_path):
    (tmp_path / "web.log").write_text("fine\nGET /twilio/voice?From=%2B31687654321 200\n")
    found = leaks(process_lines([tmp_path]), NUMBERS)
    assert found == [f"{tmp_path / 'web.log'}: GET /twilio/voice?From=%2B31687654321 200"]


def test_the_log_check_names_a_planted_log_record():
    assert leaks([("log record", f"CALLBACK NOT SENT {{'phone': '{STRANGER.national}'}}")], NUMBERS)


def test_every_log_record_reaches_the_check_masked_as_the_gateway_prints_it():
    logging.getLogger("gateway.test").info("crew text: bel %s of %s", JAN.national, "%2B31612345678")
    assert LOG_LINES.lines[-1].endswith("crew text: bel +316****4321 of +316****5678")
    assert not leaks([("log record", LOG_LINES.lines[-1])], NUMBERS)


def test_every_format_of_a_number_is_masked_in_free_text():
    for number in sorted(NUMBERS):
        assert not leaks([("text", mask_numbers_in(f"bel {number}, graag."))], NUMBERS), number
