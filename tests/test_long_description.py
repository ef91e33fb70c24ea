"""Long words still arrive: a description that does not fit one crew text goes out as numbered
parts, in order, each within Twilio's 1,600 characters; one over 5,000 characters is refused."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import parts
from tests.conftest import CASE_KEY, JAN

LABEL = re.compile(r"\((\d+)/(\d+)\) ")
WORDS = [
    "Er",
    "zit",
    "een",
    "diep",
    "gat",
    "in",
    "de",
    "stoep",
    "voor",
    "nummer",
    "12,",
    "mijn",
    "moeder",
    "loopt",
    "met",
    "een",
    "rollator",
    "en",
    "is",
    "er",
    "gisteren",
    "bijna",
    "in",
    "gevallen.",
]


def description_of(size: int) -> str:
    text, index = "", 0
    while len(text) < size:
        text += WORDS[index % len(WORDS)] + " "
        index += 1
    return text[: size - 1] + "."


def unlabelled(texts: list[str]) -> str:
    """The parts without their labels, joined: checks the labels count 1..N in order."""
    labels = [LABEL.match(text) for text in texts]
    assert all(labels), texts
    assert [(int(m.group(1)), int(m.group(2))) for m in labels] == [(i, len(texts)) for i in range(1, len(texts) + 1)]
    return "".join(text[m.end() :] for text, m in zip(texts, labels, strict=False))


@pytest.fixture
def crew_texts(case_api, run_worker, fake_twilio):
    def dispatch(description: str) -> list[str]:
        answer = case_api.dispatch(description=description)
        assert answer.status_code == 202, answer.get_data(as_text=True)
        run_worker()
        return fake_twilio.texts_to(JAN.phone)

    return dispatch


@pytest.mark.parametrize(
    "description",
    [
        description_of(5000),
        "a" * 5000,  # one very long word
        "Gat in de stoep. " + "🕳️" * 1600,  # emoji: two UTF-16 code units each, plus a variation selector
    ],
    ids=["words", "one-word", "emoji"],
)
def test_a_5000_character_description_reaches_the_crew_whole_in_numbered_texts(
    description, crew_texts, case_system, run_worker
):
    texts = crew_texts(description)  # the fake Twilio refuses a text over 1,600 characters, as Twilio does
    run_worker()
    assert case_system.of_type("message.undeliverable") == []
    assert len(texts) >= 3
    assert all(parts.length(text) <= 1600 for text in texts), [parts.length(text) for text in texts]
    notice = unlabelled(texts)
    assert description in notice
    first = texts[0]
    assert "Gemeente Utrecht MOR-42 (code " in first and "Kerkstraat 12" in first
    assert texts[-1].endswith("Bellen of sms'en naar dit nummer bereikt de melder.")


def test_the_parts_are_cut_between_words(crew_texts):
    texts = crew_texts(description_of(5000))
    for text in texts[:-1]:
        assert text.endswith(" "), text[-20:]
    assert all(len(text) >= 800 for text in texts[:-1])  # no tiny parts


def test_a_description_that_fits_goes_out_as_one_text_without_a_number(crew_texts):
    [text] = crew_texts(description_of(1000))
    assert not LABEL.match(text) and description_of(1000) in text


def test_the_parts_are_queued_and_sent_in_order(crew_texts, client):
    texts = crew_texts(description_of(5000))
    case = client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": "Bearer " + CASE_KEY}).json
    queued = [
        entry["data"]["body"]
        for entry in case["timeline"]
        if entry["kind"] == "text.queued" and entry["data"]["recipient"] == "crew"
    ]
    assert queued == texts


@pytest.mark.parametrize("size", [5001, 6000, 20000])
def test_a_description_over_5000_characters_is_refused(size, case_api, run_worker, fake_twilio):
    answer = case_api.dispatch(description=description_of(size))
    assert answer.status_code == 422
    assert answer.json["error"]["field"] == "description"
    run_worker()
    assert fake_twilio.messages == []


def test_the_openapi_document_states_the_maximum(client):
    description = client.get("/openapi.json").json["components"]["schemas"]["Dispatched"]["properties"]["description"]
    assert description["maxLength"] == 5000
    assert "5,000 characters" in description["description"] and "(1/3)" in description["description"]


# -- the splitter ----------------------------------------------------------------------------------


@given(st.text(st.sampled_from("ab cd\n€😀ł")), st.integers(min_value=20, max_value=120))
def test_any_text_split_gives_it_back_in_numbered_parts_that_fit(text, limit):
    pieces = parts.split(text, limit)
    assert all(parts.length(piece) <= limit for piece in pieces)
    assert (pieces == [text]) if parts.length(text) <= limit else unlabelled(pieces) == text


def test_it_counts_the_label_of_ten_parts_and_more():
    pieces = parts.split("woord " * 100, 40)
    assert len(pieces) >= 10 and pieces[9].startswith(f"(10/{len(pieces)}) ")
    assert all(len(piece) <= 40 for piece in pieces) and unlabelled(pieces) == "woord " * 100


@pytest.mark.parametrize(
    "text, expected",
    [
        ("aaaa bbbb cccc dd", ["(1/2) aaaa bbbb ", "(2/2) cccc dd"]),
        ("aaaaaaaaaaaaaaaaaaaa", ["(1/2) aaaaaaaaaa", "(2/2) aaaaaaaaaa"]),  # no space: cut mid-word
        ("a bbbbbbbbbbbbbbbbbb", ["(1/2) a bbbbbbbb", "(2/2) bbbbbbbbbb"]),  # a space too early: mid-word
    ],
)
def test_it_cuts_after_a_space_in_the_second_half_of_a_part(text, expected):
    assert parts.split(text, 16) == expected
