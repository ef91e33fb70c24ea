"""What a signal's change means (gateway/core/signalen/signals.py), by table, hostile documents
included; and the notes staff read in Signalen (gateway/core/signalen/writeback.py)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from gateway.core.names import EventType
from gateway.core.signalen.settings import CrewEntry, SignalenSettings
from gateway.core.signalen.signals import (
    ContactDetailsHidden,
    Event,
    MalformedSignal,
    Skip,
    decide,
    read_change,
)
from gateway.core.signalen.writeback import note_text, reopen_text
from tests.signalen.conftest import SIGNAL

CREWS = {
    "wegen@voorbeeldstad.nl": CrewEntry("ploeg-wegen", "Ploeg Wegen", "+31687654321"),
    "weg": CrewEntry("ploeg-weg", "Afdeling Wegen", "+31611112222"),
}
SETTINGS = SignalenSettings(
    api_url="http://signalen", token_url="http://sso", client_id="c", client_secret="s", poll_interval=30,
    dispatch_state="ingepland", reopen_state="reopened", crews_file=Path("crews.toml"), crews=CREWS,
)  # fmt: skip


def signal(**changes) -> dict:
    document = copy.deepcopy(SIGNAL)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = document
        for parent in parents:
            target = target[parent]
        target[last] = value
    return document


def test_the_dispatch_state_becomes_case_dispatched_with_her_words_and_the_signals_names():
    event = decide(read_change(SIGNAL), SETTINGS)
    assert isinstance(event, Event) and event.type == EventType.DISPATCHED
    assert event.data["case_id"] == "7" and event.data["reference"] == "SIG-7"
    assert event.data["description"] == "  Twee paaltjes weg.  "
    assert event.data["address"] == "Dam 1 1012JS Amsterdam"
    assert event.data["citizen"]["phone"] == "0612345678"
    assert event.data["crew"]["id"] == "ploeg-weg"  # its routing department


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"status__state": "o"}, (EventType.COMPLETED, {"case_id": "7", "note": "Ploeg komt"})),
        ({"status__state": "a", "status__text": None}, (EventType.CANCELLED, {"case_id": "7", "reason": None})),
        ({"status__state": "m"}, None),
        ({"status__state": "reopened"}, None),
        ({"status__state": "reopen requested"}, None),
    ],
)
def test_other_states(changes, expected):
    decision = decide(read_change(signal(**changes)), SETTINGS)
    assert (decision and (decision.type, decision.data)) == expected


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"reporter__phone": ""}, "no_phone"),
        ({"reporter__phone": None}, "no_phone"),
        ({"reporter": {}}, "no_phone"),
        ({"reporter__allows_contact": False}, "contact_not_allowed"),
        ({"routing_departments": None, "category__sub_slug": "straatverlichting"}, "no_crew"),
    ],
)
def test_a_signal_without_what_a_dispatch_needs_is_skipped(changes, reason):
    decision = decide(read_change(signal(**changes)), SETTINGS)
    assert isinstance(decision, Skip) and decision.reason == reason
    assert "0612345678" not in decision.detail


def test_the_assigned_user_comes_before_the_department():
    decision = decide(read_change(signal(assigned_user_email="Wegen@voorbeeldstad.nl")), SETTINGS)
    assert decision.data["crew"]["id"] == "ploeg-wegen"


def test_without_an_address_the_crew_gets_the_coordinates_in_words():
    decision = decide(read_change(signal(location__address_text=None)), SETTINGS)
    assert decision.data["address"] == "geen adres; op de kaart 52.37000 N, 4.89000 O"
    bare = decide(read_change(signal(location={})), SETTINGS)
    assert bare.data["address"] == "geen adres bekend"


def test_a_hidden_phone_stops_everything_rather_than_skipping():
    with pytest.raises(ContactDetailsHidden):
        decide(read_change(signal(reporter__phone="*****")), SETTINGS)


def test_one_status_is_one_key_however_often_it_is_read():
    first = read_change(SIGNAL)
    noted = read_change(signal(updated_at="2026-12-05T18:40:00+01:00"))  # a note bumped updated_at
    again = read_change(signal(status__created_at="2026-12-06T09:00:00+01:00"))  # planned again
    assert first.key == noted.key != again.key


@pytest.mark.parametrize(
    "document",
    [
        [],
        "SIG-7",
        {},
        signal(id="7"),
        signal(id=True),
        signal(updated_at="gisteren"),
        signal(updated_at="2026-12-05T18:32:14"),
        signal(status=None),
        signal(status__state=3),
        {k: v for k, v in SIGNAL.items() if k != "updated_at"},
    ],
)
def test_a_malformed_signal_document_is_refused_clearly(document):
    with pytest.raises(MalformedSignal):
        read_change(document)


def test_the_notes_quote_her_words_in_dutch():
    data = {"case_id": "7", "reference": "SIG-7", "round": 1}
    assert reopen_text({**data, "reply": "Nee, gat zit er nog", "channel": "whatsapp"}) == (
        'Melder via WhatsApp: "Nee, gat zit er nog". Niet opgelost volgens de melder.'
    )
    assert "bevestigt via telefoon" in note_text("case.confirmed", {**data, "reply": None, "channel": "voice"})
    message = note_text("case.citizen_message", {**data, "text": "Kan het morgen?", "media": 2})
    assert '"Kan het morgen?"' in message and "2 foto" in message
    assert "niet geantwoord" in note_text("case.unanswered", data)
    assert "STOP" in note_text("citizen.opted_out", {**data, "source": "STOP"})
    failed = note_text(
        "message.undeliverable",
        {
            **data,
            "recipient": "crew",
            "purpose": "dispatch_crew",
            "channel": "sms",
            "error_code": "30008",
            "reason": "x",
        },
    )
    assert "de ploeg" in failed and "dispatch_crew" in failed
    for text in (message, failed):
        assert text.startswith("Korte Lijn: ")
