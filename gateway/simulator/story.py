"""The simulator's people and the seed story they play: the README's story, ready to send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from gateway.core.config import Config
from gateway.core.names import EventType


@dataclass(frozen=True)
class Phone:
    key: str
    label: str
    number: str  # E.164, as the gateway stores it
    national: str  # as the case system sends it
    landline: bool = False


# Made-up numbers of the right shape; the simulator never sends anything anywhere.
ANNA = Phone("anna", "Anna, the resident", "+31612345678", "06 12345678")
ANNA_LANDLINE = Phone("anna-landline", "Anna's landline", "+31201234567", "020 123 4567", landline=True)
JAN = Phone("jan", "Jan, the crew", "+31687654321", "06 87654321")
STRANGER = Phone("stranger", "A stranger", "+31611112222", "06 11112222")
PHONES = {phone.key: phone for phone in (ANNA, JAN, STRANGER, ANNA_LANDLINE)}
BY_NUMBER = {phone.number: phone for phone in PHONES.values()}


def presets(config: Config) -> list[dict]:
    """Events the case-system panel offers, in story order; each can be edited before sending."""
    eta = datetime.combine(datetime.now(config.timezone).date() + timedelta(days=1), time(10), config.timezone)
    crew = {"id": "noord", "phone": JAN.national, "name": "Jan"}
    return [
        _preset(
            "Seed story: dispatch crew Jan to Anna (C-1)",
            EventType.DISPATCHED,
            {
                "case_id": "C-1",
                "reference": "MOR-1",
                "address": "Kerkstraat 12",
                "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
                "citizen": {"phone": ANNA.national, "name": "Anna"},
                "crew": crew,
                "eta": eta.isoformat(),
            },
        ),
        _preset("Seed story: Jan reports the job done (C-1)", EventType.COMPLETED, {"case_id": "C-1"}),
        _preset("Cancel the job (C-1)", EventType.CANCELLED, {"case_id": "C-1", "reason": "Dubbele melding"}),
        _preset(
            "Landline: dispatch Jan to Anna's landline (C-2)",
            EventType.DISPATCHED,
            {
                "case_id": "C-2",
                "reference": "MOR-2",
                "address": "Kerkstraat 12",
                "description": "De lantaarnpaal voor de deur brandt niet.",
                "citizen": {"phone": ANNA_LANDLINE.national, "name": "Anna"},
                "crew": crew,
            },
        ),
        _preset("Landline: Jan reports the job done (C-2)", EventType.COMPLETED, {"case_id": "C-2"}),
        # Her texts in her language (tr, ar, pl or uk: change `language`); try answering "Hayır".
        _preset(
            "Her language: dispatch Jan to Anna in Turkish (C-3)",
            EventType.DISPATCHED,
            {
                "case_id": "C-3",
                "reference": "MOR-3",
                "address": "Dorpsweg 3",
                "description": "Kapımın önündeki kaldırımda derin bir çukur var.",
                "citizen": {"phone": ANNA.national, "name": "Anna", "language": "tr"},
                "crew": crew,
            },
        ),
        _preset("Her language: Jan reports the job done (C-3)", EventType.COMPLETED, {"case_id": "C-3"}),
        # Anna on WhatsApp: switch her phone to WhatsApp; the question comes with JA and NEE buttons.
        _preset(
            "WhatsApp: dispatch Jan to Anna on WhatsApp (C-4)",
            EventType.DISPATCHED,
            {
                "case_id": "C-4",
                "reference": "MOR-4",
                "address": "Kerkstraat 12",
                "description": "Twee paaltjes weggehaald en een gat voor mijn deur.",
                "citizen": {"phone": ANNA.national, "name": "Anna", "channel": "whatsapp"},
                "crew": crew,
            },
        ),
        _preset("WhatsApp: Jan reports the job done (C-4)", EventType.COMPLETED, {"case_id": "C-4"}),
    ]


def _preset(label: str, event_type: str, data: dict) -> dict:
    return {"label": label, "event": {"type": event_type, "data": data}}
