"""POST /v1/events as a case system uses it: dispatch, complete, cancel, redeliveries, rounds, the pool."""

import re

import pytest

from tests.conftest import ANNA, JAN, PROXY_NUMBERS, STRANGER, Persona

PIET = Persona("Piet Jansen", "+31655554444", "06 55554444")  # a second crew
BREGJE = Persona("Bregje Smit", "+31633334444", "06 33334444")  # a second resident
CONFIRMATION_DELAY = 1800


def job(case_id: str = "MOR-2026-0042", citizen: Persona = ANNA, crew: Persona = JAN) -> dict:
    return {
        "case_id": case_id,
        "reference": case_id,
        "description": "Gat in de stoep.",
        "address": "Kerkstraat 12",
        "citizen": {"phone": citizen.national, "name": citizen.name},
        "crew": {"id": "crew-noord", "phone": crew.national, "name": crew.name},
    }


def questions_to(fake_twilio, person: Persona) -> list[str]:
    return [text for text in fake_twilio.texts_to(person.phone) if text.endswith("Antwoord met JA of NEE.")]


def test_it_answers_a_dispatch_with_the_case_its_status_and_its_proxy_number(case_api):
    answer = case_api.dispatch()
    assert answer.status_code == 202
    assert answer.json["case_id"] == "MOR-2026-0042"
    assert answer.json["status"] == "dispatched" and answer.json["round"] == 1
    assert answer.json["proxy_number"] in PROXY_NUMBERS


def test_it_answers_completion_and_cancellation_with_the_new_status(case_api):
    proxy = case_api.dispatch().json["proxy_number"]
    completed = case_api.complete(note="gat gevuld")
    assert completed.status_code == 202
    assert completed.json == {"case_id": "MOR-2026-0042", "status": "completed", "proxy_number": proxy, "round": 1}
    cancelled = case_api.cancel(reason="dubbele melding")
    assert cancelled.status_code == 202
    assert cancelled.json["case_id"] == "MOR-2026-0042" and cancelled.json["status"] == "cancelled"
    assert "proxy_number" in cancelled.json


def test_a_redelivered_dispatch_gets_the_same_answer_and_sends_nothing_more(case_api, fake_twilio, run_worker):
    first = case_api.send("case.dispatched", job(), webhook_id="evt_dispatch_1")
    run_worker()
    again = case_api.send("case.dispatched", job(), webhook_id="evt_dispatch_1")
    run_worker()
    assert first.status_code == 202 and again.status_code == 202
    assert again.json == first.json
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1


def test_a_redelivered_completion_does_not_complete_the_case_twice(
    case_api, client, fake_twilio, run_worker, fast_forward
):
    case_api.dispatch()
    first = case_api.send("case.completed", {"case_id": "MOR-2026-0042"}, webhook_id="evt_done")
    again = case_api.send("case.completed", {"case_id": "MOR-2026-0042"}, webhook_id="evt_done")
    # A second completion under a new id would be a 409; the redelivery must not be.
    assert again.status_code == 202 and again.json == first.json
    fast_forward(CONFIRMATION_DELAY + 1)
    run_worker()
    assert len(questions_to(fake_twilio, ANNA)) == 1
    timeline = client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": "Bearer retired-case-system-key"}).json[
        "timeline"
    ]
    assert [e["data"]["new"] for e in timeline if e["kind"] == "status"].count("completed") == 1


def test_it_forgets_a_refused_delivery_so_the_corrected_one_succeeds(case_api, fake_twilio, run_worker):
    broken = job()
    broken["citizen"]["phone"] = "06 1234"
    assert case_api.send("case.dispatched", broken, webhook_id="evt_fixed_later").status_code == 422
    fixed = case_api.send("case.dispatched", job(), webhook_id="evt_fixed_later")
    assert fixed.status_code == 202 and fixed.json["status"] == "dispatched"
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1


def test_a_completion_that_came_too_early_succeeds_when_redelivered_after_the_dispatch(case_api):
    assert case_api.send("case.completed", {"case_id": "MOR-2026-0042"}, webhook_id="evt_early").status_code == 404
    case_api.dispatch()
    late = case_api.send("case.completed", {"case_id": "MOR-2026-0042"}, webhook_id="evt_early")
    assert late.status_code == 202 and late.json["status"] == "completed"


@pytest.mark.parametrize("national", ["06 12345678", "06-12345678", "+31 6 1234 5678", "0031612345678"])
def test_it_texts_a_resident_given_in_national_format_at_her_e164_number(case_api, fake_twilio, run_worker, national):
    assert case_api.dispatch(citizen=Persona(ANNA.name, ANNA.phone, national)).status_code == 202
    run_worker()
    [to_anna] = [m for m in fake_twilio.messages if m["To"] == "+31612345678"]
    assert "MOR-42" in to_anna["Body"]


def test_a_later_dispatch_starts_a_new_round_and_silences_the_old_one(case_api, fake_twilio, run_worker, fast_forward):
    first = case_api.dispatch().json
    run_worker()
    case_api.complete()
    again = case_api.dispatch(description="Het gat aan de overkant is gevuld, niet het mijne.")
    assert again.status_code == 202
    assert again.json["round"] == 2 and again.json["status"] == "dispatched"
    assert again.json["proxy_number"] == first["proxy_number"]
    fast_forward(CONFIRMATION_DELAY + 1)
    run_worker()
    # Round 1's question would ask Anna about a job that has just been sent back out.
    assert questions_to(fake_twilio, ANNA) == []
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2


def test_the_resident_keeps_her_proxy_number_when_another_crew_takes_the_new_round(case_api, fake_twilio, run_worker):
    proxy = case_api.dispatch().json["proxy_number"]
    again = case_api.dispatch(crew=PIET)
    assert again.status_code == 202 and again.json["proxy_number"] == proxy
    run_worker()
    assert [m["From"] for m in fake_twilio.messages if m["To"] == PIET.phone] == [proxy]


def test_cancelling_withdraws_the_texts_not_yet_sent(case_api, fake_twilio, run_worker):
    case_api.dispatch()
    assert case_api.cancel(reason="dubbele melding").status_code == 202
    run_worker()
    assert fake_twilio.messages == []


def test_cancelling_after_completion_withdraws_the_question(case_api, fake_twilio, run_worker, fast_forward):
    case_api.dispatch()
    run_worker()
    case_api.complete()
    case_api.cancel()
    fast_forward(CONFIRMATION_DELAY + 1)
    run_worker()
    assert questions_to(fake_twilio, ANNA) == []


def test_cancelling_frees_the_proxy_number_so_anna_is_a_stranger_to_it(
    case_api, twilio, fake_twilio, case_system, run_worker
):
    proxy = case_api.dispatch().json["proxy_number"]
    run_worker()
    case_api.cancel()
    twilio.text(ANNA, "Komen jullie nog?", to=proxy)
    call = twilio.call(ANNA, to=proxy)
    run_worker()
    assert "<Dial" not in call.text and "is niet voor u" in call.text
    assert not any("Komen jullie nog?" in text for text in fake_twilio.texts_to(JAN.phone))
    assert case_system.of_type("case.citizen_message") == []


def test_two_jobs_of_one_crew_for_two_residents_get_different_numbers(case_api):
    for_anna = case_api.send("case.dispatched", job("MOR-1", citizen=ANNA))
    for_bregje = case_api.send("case.dispatched", job("MOR-2", citizen=BREGJE))
    assert for_anna.status_code == for_bregje.status_code == 202
    # Jan calling back must reach the right resident, so the number must tell the jobs apart.
    assert for_anna.json["proxy_number"] != for_bregje.json["proxy_number"]


def test_two_jobs_of_one_resident_get_different_numbers(case_api):
    with_jan = case_api.send("case.dispatched", job("MOR-1", crew=JAN))
    with_piet = case_api.send("case.dispatched", job("MOR-2", crew=PIET))
    assert with_jan.status_code == with_piet.status_code == 202
    assert with_jan.json["proxy_number"] != with_piet.json["proxy_number"]


class TestWithASingleProxyNumber:
    @pytest.fixture
    def settings(self, settings):
        return {**settings, "PROXY_NUMBERS": PROXY_NUMBERS[0]}

    @pytest.mark.parametrize(
        "second_job",
        [job("MOR-2", citizen=ANNA, crew=PIET), job("MOR-2", citizen=BREGJE)],
        ids=["same-resident", "same-crew"],
    )
    def test_it_shares_the_number_rather_than_refuse_a_dispatch_for_a_party_who_holds_every_number(
        self, case_api, client, fake_twilio, run_worker, second_job
    ):
        assert case_api.send("case.dispatched", job("MOR-1")).status_code == 202
        shared = case_api.send("case.dispatched", second_job, webhook_id="evt_second_job")
        assert shared.status_code == 202 and shared.json["proxy_number"] == PROXY_NUMBERS[0]
        case = client.get("/v1/cases/MOR-2", headers={"Authorization": "Bearer retired-case-system-key"}).json
        assert "pool.shared" in [entry["kind"] for entry in case["timeline"]]
        run_worker()
        assert len(fake_twilio.messages) == 4  # both cases' dispatch texts, each naming its own code
        # "Uw code is 100." to the resident, "(code 100)" to the crew.
        codes = {re.search(r"code (?:is )?(\d+)", message["Body"]).group(1) for message in fake_twilio.messages}
        assert len(codes) == 2

    def test_two_unrelated_pairs_share_the_single_number(self, case_api):
        for_anna = case_api.send("case.dispatched", job("MOR-1", citizen=ANNA, crew=JAN))
        for_stranger = case_api.send("case.dispatched", job("MOR-2", citizen=STRANGER, crew=PIET))
        assert for_anna.status_code == for_stranger.status_code == 202
        assert for_anna.json["proxy_number"] == for_stranger.json["proxy_number"] == PROXY_NUMBERS[0]
