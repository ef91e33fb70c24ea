"""The seed story, in one process: Anna's hole and bollards, from dispatch to reopen."""

from tests.conftest import ANNA, JAN, PROXY_NUMBERS
from tests.moments import next_year_at


def test_it_plays_the_whole_story_through_the_masked_number(
    case_api, twilio, fake_twilio, case_system, run_worker, fast_forward
):
    answer = case_api.dispatch(eta=next_year_at(11, 28, 10))
    assert answer.status_code == 202
    proxy = answer.json["proxy_number"]
    assert proxy in PROXY_NUMBERS and answer.json["status"] == "dispatched"
    run_worker()

    [to_anna] = fake_twilio.texts_to(ANNA.phone)
    assert "Gemeente Utrecht" in to_anna and "MOR-42" in to_anna and "Kerkstraat 12" in to_anna
    assert "28-11" in to_anna and "10:00" in to_anna
    [to_jan] = fake_twilio.texts_to(JAN.phone)
    assert '"Twee paaltjes weggehaald en een gat voor mijn deur."' in to_jan
    assert all(m["From"] == proxy for m in fake_twilio.messages)

    twilio.text(JAN, "We staan om 10 uur bij u, waar zit het gat precies?", to=proxy)
    twilio.text(ANNA, "Recht voor mijn deur, niet aan de overkant!", to=proxy)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("We staan om 10 uur bij u, waar zit het gat precies?")
    assert fake_twilio.texts_to(JAN.phone)[-1].endswith("Recht voor mijn deur, niet aan de overkant!")
    [message] = case_system.of_type("case.citizen_message")
    assert message.data["text"] == "Recht voor mijn deur, niet aan de overkant!"

    assert case_api.complete(note="gat gevuld").status_code == 202
    fast_forward(1800)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1].endswith("Antwoord met JA of NEE.")

    twilio.text(ANNA, "Nee, het gat aan de overkant is gevuld maar mijn gat zit er nog", to=proxy)
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == "Nee, het gat aan de overkant is gevuld maar mijn gat zit er nog"
    assert reopened.data["case_id"] == "MOR-2026-0042"
    assert case_system.rejected == []
