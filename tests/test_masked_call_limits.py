"""A masked call keeps to the destination rule and RECIPIENT_DAILY_LIMIT at the moment of dialling."""

import logging
import threading
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from gateway.core.models import OutboxMessage
from gateway.factory import create_app
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, Persona, TwilioWebhooks, fetch_case
from tests.metric_samples import METRICS_TOKEN, scrape

ORG = "Gemeente Testdorp"
GENERAL_NUMBER = "+31201112222"
LOTTE = Persona("Lotte Peeters", "+32470123456", "+32 470 12 34 56")  # a Belgian mobile


@pytest.fixture
def settings(settings):
    return {
        **settings,
        "METRICS_TOKEN": METRICS_TOKEN,
        "ORGANISATION_NAME": ORG,
        "FALLBACK_PHONE_NUMBER": GENERAL_NUMBER,
    }


@pytest.fixture
def restarted_web(settings):
    """The web process started again with changed settings, on the same database: its signed webhooks."""
    apps = []

    def start(**changes: str) -> TwilioWebhooks:
        application = create_app({**settings, **changes})
        apps.append(application)
        return TwilioWebhooks(application.test_client())

    yield start
    for application in apps:
        application.extensions["korte_lijn"].db.dispose()


def dispatched(request, fake_twilio, citizen: Persona = ANNA) -> str:
    """An open job, its dispatch texts sent: the proxy number Jan and the resident share."""
    answer = request.getfixturevalue("case_api").dispatch(citizen=citizen)
    assert answer.status_code == 202
    request.getfixturevalue("run_worker")()
    fake_twilio.reset()
    return answer.json["proxy_number"]


def twiml(response) -> ET.Element:
    assert response.status_code == 200
    return ET.fromstring(response.data)


def not_connected(root: ET.Element) -> bool:
    said = " ".join(say.text for say in root.iter("Say"))
    return (
        list(root.iter("Dial")) == []
        and list(root.iter("Number")) == []
        and root.find("Hangup") is not None
        and ORG in said
        and "2 0 1 1 1 2 2 2 2" in said
    )


def connected_to(root: ET.Element) -> list[str]:
    return [number.text for number in root.iter("Number")]


def timeline(client) -> list[dict]:
    return fetch_case(client)["timeline"]


def test_the_crews_call_is_not_connected_once_the_residents_region_is_no_longer_allowed(
    settings, request, fake_twilio, case_system, restarted_web, caplog
):
    settings["ALLOWED_REGIONS"] = "NL,BE"
    proxy = dispatched(request, fake_twilio, citizen=LOTTE)
    client, run_worker = request.getfixturevalue("client"), request.getfixturevalue("run_worker")
    web = restarted_web(ALLOWED_REGIONS="NL")

    for _ in range(2):  # Jan tries again: the case system still hears it once
        assert not_connected(twiml(web.call(JAN, to=proxy)))
    assert connected_to(twiml(web.call(LOTTE, to=proxy))) == [JAN.phone]  # Jan's own number is fine
    run_worker()

    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["recipient"], report.data["purpose"], report.data["channel"]) == (
        "citizen",
        "masked_call",
        "call",
    )
    assert report.data["reason"] == "destination refused: +324****3456 is in BE, outside ALLOWED_REGIONS (NL)"
    refused = [entry for entry in timeline(client) if entry["kind"] == "dial.refused"]
    assert len(refused) == 2 and all("+324****3456" in entry["summary"] for entry in refused)
    assert scrape(client, "korte_lijn_messages_total", kind="call", recipient="citizen", outcome="refused") == 2
    assert fake_twilio.calls == [] and fake_twilio.messages == []
    assert LOTTE.phone not in caplog.text and "470123456" not in caplog.text


def test_a_number_since_added_to_proxy_numbers_is_not_dialled(
    request, fake_twilio, case_system, restarted_web, run_worker
):
    proxy = dispatched(request, fake_twilio)
    web = restarted_web(PROXY_NUMBERS=",".join((*PROXY_NUMBERS, ANNA.phone)))

    assert not_connected(twiml(web.call(JAN, to=proxy)))
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["reason"] == "destination refused: +316****5678 is one of the gateway's own numbers"


def test_the_crews_call_is_not_connected_once_the_resident_had_her_daily_limit_of_texts(
    settings, request, fake_twilio, case_system, caplog
):
    settings["RECIPIENT_DAILY_LIMIT"] = "2"
    proxy = dispatched(request, fake_twilio)  # her first text: the dispatch notice
    twilio, client, run_worker = (request.getfixturevalue(name) for name in ("twilio", "client", "run_worker"))
    assert twilio.text(JAN, "We komen om 10 uur.", to=proxy).status_code == 200
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1  # her second: Jan's words

    caplog.set_level(logging.INFO)
    assert not_connected(twiml(twilio.call(JAN, to=proxy)))
    run_worker()

    [report] = case_system.of_type("message.undeliverable")
    assert report.data["reason"] == (
        "daily limit: +316****5678 already got 2 texts and calls in 24 hours (RECIPIENT_DAILY_LIMIT)"
    )
    [critical] = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "RECIPIENT_DAILY_LIMIT reached" in critical.getMessage() and "+316****5678" in critical.getMessage()
    assert scrape(client, "korte_lijn_recipient_limit_hits_total", recipient="citizen") == 1
    assert scrape(client, "korte_lijn_messages_total", kind="call", recipient="citizen", outcome="over_limit") == 1
    assert ANNA.phone not in caplog.text and "12345678" not in caplog.text


def test_dials_count_toward_the_limit_so_a_text_after_them_is_dropped(settings, request, fake_twilio, case_system):
    settings["RECIPIENT_DAILY_LIMIT"] = "3"
    proxy = dispatched(request, fake_twilio)  # the dispatch notice: one
    twilio, client, runtime, run_worker = (
        request.getfixturevalue(name) for name in ("twilio", "client", "runtime", "run_worker")
    )
    for _ in range(2):  # two dials: three
        assert connected_to(twiml(twilio.call(JAN, to=proxy))) == [ANNA.phone]
    assert twilio.text(JAN, "Bent u thuis?", to=proxy).status_code == 200
    run_worker()

    assert fake_twilio.texts_to(ANNA.phone) == [] and fake_twilio.calls == []  # dials are never placed again
    [report] = case_system.of_type("message.undeliverable")
    assert (report.data["purpose"], report.data["channel"]) == ("relay", "sms")
    assert report.data["reason"].startswith("daily limit: +316****5678 already got 3 texts and calls")
    assert not_connected(twiml(twilio.call(JAN, to=proxy)))
    assert scrape(client, "korte_lijn_outbox_pending", kind="call", state="due") == 0
    with runtime.db.transaction() as session:
        dials = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "masked_call")).all()
        assert [(row.status, row.to_number, row.from_number) for row in dials] == [("sent", ANNA.phone, proxy)] * 2


def test_the_residents_call_counts_toward_the_crews_limit(settings, request, fake_twilio):
    settings["RECIPIENT_DAILY_LIMIT"] = "2"
    proxy = dispatched(request, fake_twilio)  # Jan's dispatch text: one
    twilio = request.getfixturevalue("twilio")
    assert connected_to(twiml(twilio.call(ANNA, to=proxy))) == [JAN.phone]
    assert not_connected(twiml(twilio.call(ANNA, to=proxy)))
    assert connected_to(twiml(twilio.call(JAN, to=proxy))) == [ANNA.phone]  # her own count is apart


def test_the_limit_holds_exactly_when_many_residents_call_the_crew_at_once(settings, request):
    settings["RECIPIENT_DAILY_LIMIT"] = "4"
    case_api, client = request.getfixturevalue("case_api"), request.getfixturevalue("client")
    residents = [Persona(f"Bewoner {i}", f"+3164{i:07d}", f"06 4{i:07d}") for i in range(10)]
    proxies = [
        case_api.dispatch(f"MOR-{i}", citizen=resident).json["proxy_number"] for i, resident in enumerate(residents)
    ]  # Jan's texts stay queued: nothing counted yet
    roots: list[ET.Element] = []

    def call(resident: Persona, proxy: str) -> None:
        roots.append(twiml(TwilioWebhooks(client.application.test_client()).call(resident, to=proxy)))

    callers = [threading.Thread(target=call, args=pair) for pair in zip(residents, proxies, strict=False)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join(timeout=60)
    assert sorted(len(connected_to(root)) for root in roots) == [0] * 6 + [1] * 4
