"""Reading Anna's answer to "is it fixed?": every row of tests/reply_table.py, in every language.

A wrong YES leaves a hole in the street, so the rows that matter most are the ones with a
negation or a "maar": none of them may ever read as YES. Each row is read with its case's
language, as the gateway reads it. A new wording is one more row there.
"""

import importlib.util
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows import messages
from flows import reply_words as W
from flows.replies import carrier_keyword, clean, interpret, tokens
from tests.reply_table import ROWS

HELD_OUT = Path(__file__).resolve().parent.parent / "bench" / "reply_heldout.py"
NEW_LANGUAGES = ("tr", "ar", "pl", "uk")


def held_out_rows() -> list[tuple[str, str, str, str]]:
    spec = importlib.util.spec_from_file_location("reply_heldout", HELD_OUT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ROWS


@pytest.mark.parametrize(
    ("reply", "expected", "why", "language"), ROWS, ids=[f"{row[3]}-{row[0]!r}"[:60] for row in ROWS]
)
def test_it_reads_a_realistic_reply(reply, expected, why, language):
    reading = interpret(reply, language)
    assert reading.verdict == expected, f"{why}: read as {reading.verdict} ({reading.reason})"
    assert reading.reason


def test_the_table_covers_every_verdict_and_every_language():
    assert len({reply for reply, _, _, _ in ROWS}) == len(ROWS)
    verdicts = Counter(expected for _, expected, _, _ in ROWS)
    assert all(verdicts[verdict] >= 5 for verdict in ("yes", "no", "unclear", "opt_out", "opt_in")), verdicts
    per_language = Counter(language for _, _, _, language in ROWS)
    assert set(per_language) == set(messages.LANGUAGES)
    assert all(per_language[language] >= 40 for language in NEW_LANGUAGES), per_language
    for language in NEW_LANGUAGES:
        mine = Counter(expected for _, expected, _, lang in ROWS if lang == language)
        assert min(mine["yes"], mine["no"], mine["unclear"]) >= 8, (language, mine)


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_it_never_reads_a_held_out_no_or_unclear_reply_as_yes(language):
    # bench/reply_heldout.py was written apart from the interpreter and is never tuned on;
    # its accuracy is reported by bench/replies.py. The one thing it must show here: no false YES.
    rows = [row for row in held_out_rows() if row[3] == language]
    assert rows
    false_yes = [
        reply for reply, expected, _, _ in rows if expected != "yes" and interpret(reply, language).verdict == "yes"
    ]
    assert false_yes == []


@pytest.mark.parametrize(
    ("written", "same_as"),
    [
        ("Hayır", "hayir"),
        ("HAYIR", "hayir"),
        ("hayır", "HAYIR"),
        ("İYİ", "iyi"),
        ("نَعَمْ", "نعم"),
        ("نعـــــم", "نعم"),
        ("\u200fنعم\u200f", "نعم"),
        ("أجل", "اجل"),
        ("١٢", "12"),
        ("wciąż", "wciaz"),
        ("Załatwione", "zalatwione"),
        ("Тak", "так"),  # Cyrillic Т, Latin a and k
        ("нi", "ні"),  # Cyrillic н, Latin i
        ("ЇЖАК", "їжак"),
    ],
)
def test_it_folds_the_ways_one_word_is_typed(written, same_as):
    assert tokens(written) == tokens(same_as)


# Letters of every script the residents write in, digits, spaces, punctuation and emoji.
ANY_SCRIPT = st.text(
    alphabet=st.one_of(
        st.characters(categories=("Ll", "Lu", "Nd", "Zs", "Po")),
        st.sampled_from("ıİłąśžüğşçéèأإآىةـًٌٍَُِّْ\u200f\u200eТНіїаекорху👍👎🙏"),
    ),
    max_size=60,
)


@given(st.sampled_from(sorted(W.NO)), ANY_SCRIPT, st.sampled_from(messages.LANGUAGES))
def test_a_no_word_of_any_language_followed_by_anything_is_never_a_yes(no, tail, language):
    assert interpret(f"{no} {tail}", language).verdict != "yes"


@given(st.sampled_from(sorted(W.YES)), st.lists(st.sampled_from("\u0640\u200f\u200e\u064e\u0651"), max_size=4))
def test_marks_and_stretches_inside_a_word_change_nothing(word, marks):
    # Tatweel, direction marks and Arabic vowel signs are not letters: "نعـــم" is "نعم".
    marked = word[:1] + "".join(marks) + word[1:]
    assert tokens(clean(marked)) == tokens(word)


def test_a_word_in_latin_letters_only_stays_latin():
    # "Hi" is an English greeting, not a Ukrainian "ні" typed on a Latin keyboard.
    assert tokens("Hi") == ["hi"] and interpret("Hi", "uk").verdict == "unclear"


@pytest.mark.parametrize(
    ("reply", "language", "expected"),
    [
        ("Tak", "nl", "yes"),  # the whole answer: a Polish resident with a Dutch case
        ("Er ligt nog een tak op de stoep", "nl", "unclear"),  # a branch
        ("Ja, de tak is weg", "nl", "yes"),
        ("Ja, tak, naprawione", "pl", "yes"),
        ("He, het is gemaakt", "nl", "yes"),
        ("Evet he", "tr", "yes"),
        ("La", "nl", "no"),
        ("ja, de la is gemaakt", "nl", "yes"),
    ],
)
def test_a_false_friend_counts_in_its_own_languages_or_as_the_first_word(reply, language, expected):
    assert interpret(reply, language).verdict == expected


@pytest.mark.parametrize(
    "keyword",
    ["STOP", "stop", "Stop.", "STOPALL", "unsubscribe", "Cancel", "END", "quit", "REVOKE", "optout", " stop! "],
)
def test_it_knows_every_carrier_opt_out_keyword_as_the_whole_message(keyword):
    assert carrier_keyword(keyword) == "opt_out"


@pytest.mark.parametrize("text", ["stop met sms", "Stop maar, het is goed", "YES", "nee", "cancel my report", ""])
def test_it_takes_nothing_else_for_a_carrier_keyword(text):
    assert carrier_keyword(text) is None


@pytest.mark.parametrize(
    "hostile",
    [
        "\x00" * 50,
        "ja" * 5000,
        "\u202eja\u202c",
        "👍" * 2000,
        "<ja>" * 100,
        '"' * 300,
        "Liked " + '"' * 100,
        "nee\n" * 500,
    ],
)
def test_it_reads_hostile_input_without_failing_and_never_as_a_bare_yes(hostile):
    reading = interpret(hostile)
    assert reading.verdict in ("yes", "no", "unclear")
    if "<" in hostile or "\x00" in hostile:
        assert reading.verdict != "yes"


# clean() skips Unicode normalisation for ASCII text (most replies): it must clean exactly as
# the full path does, for any text at all.
def _clean_in_full(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.translate({0x201C: '"', 0x201D: '"', 0x201E: '"', 0x2018: "'", 0x2019: "'", 0x00A0: " "})
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")).strip()


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_clean_reads_ascii_text_as_the_full_path_does(text):
    assert clean(text) == _clean_in_full(text)


@given(st.text())
def test_clean_reads_any_text_as_the_full_path_does(text):
    assert clean(text) == _clean_in_full(text)
