"""A shared number holds her texts until she says which case: bounded, and asked a few times an hour.

Anna reported twice; both cases share the one proxy number P, so each text she sends without
a choice is held and "which case?" is asked (flows/choice.py).
"""

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, Persona

PIET = Persona("Piet Jansen", "+31634567890", "06-34567890")
P = PROXY_NUMBERS[0]


@pytest.fixture
def settings(settings):
    return {**settings, "PROXY_NUMBERS": P}


@pytest.fixture
def annas_two_reports(case_api, run_worker, fake_twilio):
    for case_id, reference, address, crew in (
        ("MOR-2026-0042", "MOR-42", "Kerkstraat 12", JAN),
        ("MOR-2026-0043", "MOR-43", "Dorpsweg 3", PIET),
    ):
        assert case_api.dispatch(case_id=case_id, reference=reference, address=address, crew=crew).status_code == 202
    run_worker()
    fake_twilio.reset()


def which_case_texts(fake_twilio) -> list[str]:
    return [text for text in fake_twilio.texts_to(ANNA.phone) if "over welke melding" in text]


def test_it_keeps_thirty_long_texts_to_one_bounded_held_text_and_asks_three_times(
    annas_two_reports, twilio, run_worker, fake_twilio, case_system
):
    for n in range(30):
        assert twilio.text(ANNA, f"{n:02d} " + "gat " * 399, to=P).status_code == 200
    run_worker()
    assert len(which_case_texts(fake_twilio)) == 3  # WHICH_CASE_PER_HOUR

    twilio.text(ANNA, "1", to=P)
    run_worker()
    [message] = case_system.of_type("case.citizen_message")
    assert len(message.data["text"]) <= 1600
    assert message.data["text"].startswith("29 gat")  # the newest; the oldest went first
    [relayed] = fake_twilio.texts_to(JAN.phone)
    assert len(relayed) <= 1600


def test_it_holds_at_most_five_texts_and_drops_the_oldest(annas_two_reports, twilio, run_worker, case_system):
    for n in range(1, 31):
        twilio.text(ANNA, f"Bericht {n}", to=P)
    twilio.text(ANNA, "2", to=P)
    run_worker()
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"].splitlines() == [f"Bericht {n}" for n in range(26, 31)]
