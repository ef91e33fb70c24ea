"""The seed story on WhatsApp against the Procfile's real processes, and a resident without
WhatsApp who gets texts instead. Everything goes over real HTTP; the fake Twilio decides each
WhatsApp message's fate as Twilio does and reports it to the gateway's status callback."""

from pathlib import Path

import pytest

from tests.conftest import ANNA, JAN, WHATSAPP_SENDER, Persona, seed_dispatch
from tests.over_http import send_event, text_form, twilio_post
from tests.processes import free_port, procfile_running

pytestmark = pytest.mark.e2e

BREGJE = Persona("Bregje Smit", "+31623456789", "06 23456789")  # a second resident, without WhatsApp
DEPLOY_FILE = Path(__file__).resolve().parent.parent / "deploy" / "whatsapp_templates.toml"
NOTICE, QUESTION = "HX" + "1".zfill(32), "HX" + "2".zfill(32)


@pytest.fixture
def gateway(settings, request, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings.update(
        PUBLIC_BASE_URL=base,
        CONFIRMATION_DELAY="1s",
        WHATSAPP_SENDER=WHATSAPP_SENDER,
        WHATSAPP_TEMPLATES=str(DEPLOY_FILE),
    )
    request.getfixturevalue("app")  # empties the tables and resets the fakes before anything starts
    with procfile_running(settings, tmp_path, port):
        yield base


def test_the_story_on_whatsapp_and_sms_behind_it_through_the_procfiles_processes(gateway, fake_twilio, case_system):
    base = gateway
    fake_twilio.report_whatsapp()
    fake_twilio.no_whatsapp(BREGJE.phone)
    anna = seed_dispatch()
    anna["citizen"]["channel"] = "whatsapp"
    answer = send_event(base, "case.dispatched", anna)
    assert answer.status_code == 202, answer.text
    proxy = answer.json()["proxy_number"]
    bregje = {**seed_dispatch(), "case_id": "MOR-2026-0043", "reference": "MOR-43"}
    bregje["citizen"] = {"phone": BREGJE.national, "name": BREGJE.name, "channel": "whatsapp"}
    assert send_event(base, "case.dispatched", bregje).status_code == 202

    # Anna: the notice as its template. Bregje: 63003, then the notice by text, once.
    [notice] = fake_twilio.wait_until(lambda: fake_twilio.whatsapp_to(ANNA.phone), 15, "Anna's notice")
    assert notice["ContentSid"] == NOTICE
    fake_twilio.wait_until(lambda: fake_twilio.texts_to(BREGJE.phone), 15, "Bregje's notice by text")
    [by_text] = fake_twilio.texts_to(BREGJE.phone)
    assert "MOR-43" in by_text and len(fake_twilio.whatsapp_to(BREGJE.phone)) == 1

    # Her message reaches Jan by text from the proxy number; his answer reaches her on WhatsApp.
    webhook = f"{base}/twilio/sms"
    assert fake_twilio.whatsapp_from(ANNA.phone, WHATSAPP_SENDER, webhook, "Het gat is voor nummer 12") == 200
    fake_twilio.wait_until(lambda: any("voor nummer 12" in t for t in fake_twilio.texts_to(JAN.phone)), 15, "relay")
    assert twilio_post(base, "/twilio/sms", text_form(JAN, "Komen we vanmiddag bekijken", proxy)).status_code == 200
    fake_twilio.wait_until(lambda: len(fake_twilio.whatsapp_to(ANNA.phone)) == 2, 15, "Jan's answer on WhatsApp")
    answer_to_her = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert "ContentSid" not in answer_to_her and answer_to_her["Body"].endswith("Komen we vanmiddag bekijken")
    assert fake_twilio.whatsapp_outcome[answer_to_her["sid"]] == ("sent", None)

    # The question with its buttons; she taps NEE.
    assert send_event(base, "case.completed", {"case_id": "MOR-2026-0042"}).status_code == 202
    fake_twilio.wait_until(lambda: len(fake_twilio.whatsapp_to(ANNA.phone)) == 3, 15, "the question")
    question = fake_twilio.whatsapp_to(ANNA.phone)[-1]
    assert question["ContentSid"] == QUESTION
    tap = {"ButtonPayload": "no", "ButtonText": "NEE", "OriginalRepliedMessageSid": question["sid"]}
    assert fake_twilio.whatsapp_from(ANNA.phone, WHATSAPP_SENDER, webhook, "NEE", **tap) == 200
    [reopened] = case_system.wait_for("case.reopened", timeout=15)
    assert (reopened.data["reply"], reopened.data["channel"]) == ("NEE", "whatsapp")
    assert case_system.of_type("message.undeliverable") == []
    assert case_system.rejected == [], "a callback's signature did not verify"
