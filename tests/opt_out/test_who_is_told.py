"""Who is told of a STOP: the case system, for each open case of the resident or the crew;
a stranger's STOP is only recorded.
"""

from __future__ import annotations

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, STRANGER, entries
from tests.opt_out.conftest import BEA, PIET

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
