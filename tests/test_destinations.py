"""Which numbers the gateway texts and calls: the rule by table, ALLOWED_REGIONS, and the events API."""

import pytest
from sqlalchemy import select

from gateway.core.config import Config, ConfigError
from gateway.core.destinations import refusal
from gateway.core.models import OutboxMessage
from gateway.factory import create_app
from tests.conftest import ANNA, JAN, PROXY_NUMBERS, Persona, fetch_case
from tests.metric_samples import METRICS_TOKEN, scrape

NL, BORDER = ("NL",), ("NL", "BE", "DE")


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": METRICS_TOKEN}


def outbox_rows(request, to: str) -> list[OutboxMessage]:
    with request.getfixturevalue("runtime").db.transaction() as session:
        return list(session.scalars(select(OutboxMessage).where(OutboxMessage.to_number == to)))


def timeline_kinds(case_api, case_id: str = "MOR-2026-0042") -> list[str]:
    return [entry["kind"] for entry in fetch_case(case_api.client, case_id)["timeline"]]


# Each a valid number of its kind (phonenumbers.example_number_for_type helped find them).
REFUSED = [
    ("+31900123456", NL, "is a premium-rate number"),  # 0900
    ("+31906123456", NL, "is a premium-rate number"),  # 0906
    ("+31909123456", NL, "is a premium-rate number"),  # 0909
    ("+449098765432", BORDER, "is a premium-rate number"),
    ("+19002345678", BORDER, "is a premium-rate number"),
    ("+3290012345", BORDER, "is a premium-rate number"),
    ("+31800123456", NL, "is a toll-free number"),  # 0800
    ("+498001234567890", BORDER, "is a toll-free number"),
    ("+3278791234", BORDER, "is a shared-cost number"),
    ("+31880000000", NL, "is a company number (UAN), not a personal line"),  # 088
    ("+3114020", NL, "is a company number (UAN), not a personal line"),  # 14 020
    ("+4970012345678", BORDER, "is a personal (follow-me) number"),
    ("+31662345678", NL, "is a pager number"),  # 066
    ("+49177991234567", BORDER, "is a voicemail access number"),
    ("+31112", NL, "is a short code, not a phone number"),
    ("+3197012345678", NL, "is a Dutch 097 machine-to-machine number"),  # MOBILE to phonenumbers
    ("+870773111632", BORDER, "is a satellite or other non-geographic number"),  # MOBILE to phonenumbers
    ("+88216123456", BORDER, "is a satellite or other non-geographic number"),
    ("+883510012345", BORDER, "is a satellite or other non-geographic number"),
    ("+5378301234", NL, "is in CU, outside ALLOWED_REGIONS (NL)"),  # a Cuban fixed line
    ("+2392221234", BORDER, "is in ST, outside ALLOWED_REGIONS (NL,BE,DE)"),  # Sao Tome
    ("+447400123456", NL, "is in GB, outside ALLOWED_REGIONS (NL)"),
    ("+32470123456", NL, "is in BE, outside ALLOWED_REGIONS (NL)"),
    ("+4915123456789", NL, "is in DE, outside ALLOWED_REGIONS (NL)"),
    (PROXY_NUMBERS[1], BORDER, "is one of the gateway's own numbers"),
    ("+3161234", NL, "is not a valid phone number"),
]

ALLOWED = [
    ("+31612345678", NL),  # 06 mobile
    ("+31201234567", NL),  # 020 fixed line
    ("+31851234567", NL),  # 085 VoIP: called, not texted
    ("+32470123456", BORDER),  # a Belgian mobile, for a border municipality
    ("+4915123456789", BORDER),  # a German mobile
    ("+3212345678", BORDER),  # a Belgian fixed line
]


@pytest.mark.parametrize("number, regions, reason", REFUSED)
def test_it_refuses_a_costly_or_foreign_number_and_says_why(number, regions, reason):
    assert refusal(number, regions, PROXY_NUMBERS) == reason


@pytest.mark.parametrize("number, regions", ALLOWED)
def test_it_allows_the_lines_people_answer_in_the_allowed_regions(number, regions):
    assert refusal(number, regions, PROXY_NUMBERS) is None


def test_allowed_regions_defaults_to_the_netherlands_and_reads_a_border_municipalitys_list():
    assert Config.from_env({}).allowed_regions == ("NL",)
    assert Config.from_env({"ALLOWED_REGIONS": " nl, BE ,de,"}).allowed_regions == ("NL", "BE", "DE")


@pytest.mark.parametrize("value", ["NL,XX", "Netherlands", "001", ",", "NL;BE"])
def test_an_unknown_region_in_allowed_regions_stops_start_up_by_name(value):
    with pytest.raises(ConfigError) as refused:
        Config.from_env({"ALLOWED_REGIONS": value})
    assert refused.value.name == "ALLOWED_REGIONS"


# -- at the events API ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "national, reason",
    [
        ("0900 123456", "is a premium-rate number"),
        ("0906 123456", "is a premium-rate number"),
        ("+31 909 123 456", "is a premium-rate number"),
        ("+44 909 876 5432", "is a premium-rate number"),
        ("+1 900 234 5678", "is a premium-rate number"),
        ("+870 773 111 632", "is a satellite or other non-geographic number"),
        ("+882 16 123456", "is a satellite or other non-geographic number"),
        ("+53 7830 1234", "is in CU, outside ALLOWED_REGIONS (NL)"),
        ("+239 222 1234", "is in ST, outside ALLOWED_REGIONS (NL)"),
        ("0800 123456", "is a toll-free number"),
        ("088 000 0000", "is a company number (UAN), not a personal line"),
        ("097 012 345 678", "is a Dutch 097 machine-to-machine number"),
        (PROXY_NUMBERS[0], "is one of the gateway's own numbers"),
    ],
)
def test_it_refuses_a_dispatch_to_such_a_citizen_naming_the_field_and_the_reason(
    national, reason, case_api, run_worker, fake_twilio, case_system
):
    answer = case_api.dispatch(citizen=Persona("Aanvaller", "", national))
    assert answer.status_code == 422
    error = answer.json["error"]
    assert error["field"] == "citizen.phone"
    assert error["message"].startswith("citizen.phone: +") and error["message"].endswith(" " + reason)
    digits = "".join(ch for ch in national if ch.isdigit())
    assert digits[-8:] not in error["message"]  # masked: enough to tell numbers apart, not to dial
    run_worker()
    assert fake_twilio.messages == [] and fake_twilio.calls == [] and case_system.deliveries == []


@pytest.mark.parametrize(
    "national, reason",
    [
        ("0909 123456", "is a premium-rate number"),
        ("0800 123456", "is a toll-free number"),
        (PROXY_NUMBERS[2], "is one of the gateway's own numbers"),
    ],
)
def test_it_refuses_a_dispatch_to_such_a_crew(national, reason, case_api, fake_twilio, run_worker):
    answer = case_api.dispatch(crew=Persona("Ploeg", "", national))
    assert answer.status_code == 422 and answer.json["error"]["field"] == "crew.phone"
    assert answer.json["error"]["message"].endswith(reason)
    run_worker()
    assert fake_twilio.messages == []


def test_it_texts_a_belgian_mobile_only_where_allowed_regions_names_belgium(settings, request, fake_twilio):
    belgian = Persona("Lotte Peeters", "+32470123456", "+32 470 12 34 56")
    settings["ALLOWED_REGIONS"] = "NL,BE,DE"
    case_api, run_worker = request.getfixturevalue("case_api"), request.getfixturevalue("run_worker")
    assert case_api.dispatch(citizen=belgian).status_code == 202
    run_worker()
    assert len(fake_twilio.texts_to(belgian.phone)) == 1 and len(fake_twilio.texts_to(JAN.phone)) == 1


def test_a_belgian_mobile_is_refused_with_the_default_regions(case_api):
    answer = case_api.dispatch(citizen=Persona("Lotte Peeters", "+32470123456", "+32 470 12 34 56"))
    assert answer.status_code == 422
    assert answer.json["error"]["message"] == "citizen.phone: +324****3456 is in BE, outside ALLOWED_REGIONS (NL)"


def test_the_openapi_document_says_which_numbers_are_accepted(client):
    party = client.get("/openapi.json").json["components"]["schemas"]["Party"]
    assert "premium-rate" in party["properties"]["phone"]["description"]
    assert "ALLOWED_REGIONS" in party["properties"]["phone"]["description"]


def test_a_dutch_mobile_and_a_home_voip_line_are_still_accepted(case_api):
    assert case_api.dispatch(citizen=ANNA).status_code == 202
    assert case_api.dispatch("MOR-2", citizen=Persona("Thuis", "+31851234567", "085 123 4567")).status_code == 202


# -- at send time: rows queued before the rule tightened ----------------------------------------


@pytest.fixture
def restarted(settings):
    """The worker started again with changed settings, on the same database; returns its tick."""
    apps = []

    def start(**changes: str):
        application = create_app({**settings, **changes})
        apps.append(application)
        return application.extensions["korte_lijn"].worker.tick

    yield start
    for application in apps:
        application.extensions["korte_lijn"].db.dispose()


@pytest.mark.parametrize(
    "belgian, channel",
    [
        (Persona("Lotte Peeters", "+32470123456", "+32 470 12 34 56"), "sms"),
        (Persona("Lotte Peeters", "+3212345678", "+32 12 34 56 78"), "call"),  # a Belgian fixed line
    ],
    ids=["text-to-a-mobile", "call-to-a-landline"],
)
def test_a_worker_restarted_with_narrower_regions_sends_nothing_queued_for_the_old_ones(
    belgian, channel, settings, request, restarted, fake_twilio, case_system
):
    settings["ALLOWED_REGIONS"] = "NL,BE"
    case_api = request.getfixturevalue("case_api")
    assert case_api.dispatch(citizen=belgian).status_code == 202
    restarted(ALLOWED_REGIONS="NL")()

    assert [m["To"] for m in fake_twilio.messages] == [JAN.phone] and fake_twilio.calls == []
    [report] = case_system.of_type("message.undeliverable")
    masked = belgian.phone[:4] + "****" + belgian.phone[-4:]
    reason = f"destination refused: {masked} is in BE, outside ALLOWED_REGIONS (NL)"
    assert report.data["reason"] == reason
    assert (report.data["recipient"], report.data["purpose"], report.data["channel"]) == (
        "citizen",
        "dispatch_citizen",
        channel,
    )
    [row] = outbox_rows(request, to=belgian.phone)
    assert (row.status, row.last_error, row.sent_at) == ("failed", reason, None)
    assert f"{channel}.refused" in timeline_kinds(case_api)
    kind = "text" if channel == "sms" else "call"
    assert scrape(case_api.client, "korte_lijn_messages_total", kind=kind, recipient="citizen", outcome="refused") == 1


def test_a_number_added_to_proxy_numbers_since_is_not_texted(settings, restarted, case_api, fake_twilio, case_system):
    assert case_api.dispatch().status_code == 202
    restarted(PROXY_NUMBERS=",".join((*PROXY_NUMBERS, ANNA.phone)))()
    assert fake_twilio.texts_to(ANNA.phone) == [] and len(fake_twilio.texts_to(JAN.phone)) == 1
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["reason"] == "destination refused: +316****5678 is one of the gateway's own numbers"


def test_the_undeliverable_callbacks_reason_is_in_the_openapi_document(client):
    webhook = client.get("/openapi.json").json["components"]["schemas"]["MessageUndeliverable"]
    assert "daily limit" in webhook["properties"]["reason"]["description"]
    assert "destination refused" in webhook["properties"]["reason"]["description"]
