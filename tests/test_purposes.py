"""One table of purposes (flows/purposes.py): each has its texts, and each text a purpose."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flows import messages, purposes
from flows.purposes import PURPOSES

FLOWS = Path(__file__).resolve().parent.parent / "flows"


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_every_purpose_has_its_text_and_a_called_one_its_spoken_words(language):
    catalogue = messages.DEFAULT_TEXTS.catalogue(language)
    for purpose in PURPOSES.values():
        assert purpose.text_template in catalogue, (language, purpose.name)
        if purpose.called:
            assert purpose.voice_template in catalogue, (language, purpose.name)


def test_the_flows_name_no_purpose_outside_the_table():
    """A purpose written as a bare string in a flow would escape its rules (bulk, quiet hours, the cap)."""
    strays = []
    for path in FLOWS.glob("*.py"):
        if path.name == "purposes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("text", "call", "tell_citizen"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and arg.value in PURPOSES:
                        strays.append(f"{path.name}:{node.lineno} {arg.value}")
    assert strays == []


def test_bulk_texts_are_the_ones_we_start_and_automatic_ones_answer():
    assert {p.name for p in PURPOSES.values() if p.bulk} == {
        "dispatch_citizen",
        "dispatch_crew",
        "question",
        "reminder",
    }
    assert purposes.AUTOMATIC.isdisjoint({p.name for p in PURPOSES.values() if p.bulk})
    assert set(purposes.ASKING) == {"question", "reminder"}
