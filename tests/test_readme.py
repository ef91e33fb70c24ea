"""The README tells the truth: the seed story's diagram quotes the texts really sent, and
the Operations section names every metric /metrics exposes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ANNA, JAN
from tests.metric_samples import METRICS_TOKEN, families

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
DIAGRAM = README.split("```mermaid", 1)[1].split("```", 1)[0]
OPERATIONS = README.split("\n## Operations", 1)[1].split("\n## ", 1)[0]
QUOTED_TEXT = re.compile(r'KL->>T: text to (Anna|Jan): "(.*)"\s*$', re.MULTILINE)


@pytest.fixture
def settings(settings):
    return {**settings, "METRICS_TOKEN": METRICS_TOKEN}


def test_the_seed_story_diagram_quotes_every_text_as_the_gateway_sends_it(
    settings, question_open, twilio, run_worker, fake_twilio
):
    assert twilio.text(ANNA, "Nee, het gat zit er nog", to=question_open).status_code == 200
    run_worker()
    sent = {"Anna": fake_twilio.texts_to(ANNA.phone), "Jan": fake_twilio.texts_to(JAN.phone)}

    quoted = QUOTED_TEXT.findall(DIAGRAM)
    assert [who for who, _ in quoted] == ["Anna", "Jan", "Anna", "Anna"], "dispatch notice, crew, question, thanks"
    for who, text in quoted:
        assert text in sent[who], f"the README quotes a text to {who} that the gateway does not send: {text}"
    assert len(quoted) == len(sent["Anna"]) + len(sent["Jan"]), "every text of the story is in the diagram"


def test_the_operations_section_names_every_metric_it_exposes(settings, client):
    exposed = {(family.name, family.type) for family in families(client)}
    assert len(exposed) >= 18
    missing = [
        name + ("_total" if kind == "counter" else "")
        for name, kind in exposed
        if f"`{name}{'_total' if kind == 'counter' else ''}" not in OPERATIONS
    ]
    assert missing == []
