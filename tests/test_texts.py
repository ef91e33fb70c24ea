"""The message texts: the same in every language, GSM-7 in Dutch and English, each within its budget.

The budgets are flows/messages.py's BUDGETS: what a text may cost in segments with long sample
values, in GSM-7 (160 characters a segment) or, for tr, ar, pl and uk, in UCS-2 (70)."""

import pytest

from flows import messages, parts
from gateway.core import gsm7

ORG, REFERENCE, ADDRESS = messages.SAMPLE["org"], messages.SAMPLE["reference"], messages.SAMPLE["address"]
# The longest crew notice the API accepts (5,000-character description, every field at its maximum)
# goes out in numbered parts (flows/parts.py): at most this many, each at most 1,600 characters.
LONGEST_CREW_NOTICE_PARTS = 4


def keys(language: str) -> list[str]:
    return sorted(messages.DEFAULT_TEXTS.catalogue(language))


def sms_keys() -> list[str]:
    return messages.DEFAULT_TEXTS.text_keys("nl")


def realistic(language: str, key: str) -> str:
    return messages.DEFAULT_TEXTS.sample(language, key)


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_every_language_has_the_same_texts_with_the_same_placeholders(language):
    assert keys(language) == keys("nl")
    for key in keys("nl"):
        ours, dutch = messages.DEFAULT_TEXTS.catalogue(language)[key], messages.DEFAULT_TEXTS.catalogue("nl")[key]
        assert messages.placeholders(ours) == messages.placeholders(dutch), key


@pytest.mark.parametrize("language", messages.GSM7_LANGUAGES)
def test_every_dutch_and_english_template_is_gsm7(language):
    for key, template in messages.DEFAULT_TEXTS.catalogue(language).items():
        assert gsm7.is_gsm7(template), f"{language}.{key}: {[ch for ch in template if not gsm7.is_gsm7(ch)]}"


@pytest.mark.parametrize("language", messages.LANGUAGES)
@pytest.mark.parametrize("key", sms_keys())
def test_every_text_names_the_organisation_and_the_case_as_given(language, key):
    text = realistic(language, key)
    assert ORG in text
    if "{reference}" in messages.DEFAULT_TEXTS.catalogue(language)[key]:
        assert REFERENCE in text
    if language in messages.GSM7_LANGUAGES:
        assert gsm7.is_gsm7(text), f"{language}.{key}"


def test_every_text_has_a_segment_budget():
    assert set(sms_keys()) == set(messages.BUDGETS)


@pytest.mark.parametrize("language", messages.LANGUAGES)
@pytest.mark.parametrize("key", sorted(messages.BUDGETS))
def test_every_text_stays_within_its_segment_budget(language, key):
    assert gsm7.segments(realistic(language, key)) <= messages.budget(language, key)


def test_the_resident_budgets_are_the_plain_language_ones():
    # What the issue of plain language (#15) allows a text to the resident in UCS-2.
    assert {key: messages.BUDGETS[key].ucs2 for key in ("dispatch_citizen", "question", "reminder")} == {
        "dispatch_citizen": 3,
        "question": 2,
        "reminder": 2,
    }
    assert {messages.BUDGETS[key].ucs2 for key in ("thanks_yes", "thanks_no", "forwarded")} == {1}


def test_the_texts_command_shows_each_cost_against_its_budget(cli):
    printed = cli("texts").output.splitlines()
    assert len(printed) == len(messages.LANGUAGES) * len(messages.BUDGETS)
    [turkish_question] = [line for line in printed if line.startswith("tr  question")]
    assert "UCS-2" in turkish_question and "of 2 segment(s)  ok" in turkish_question
    assert not [line for line in printed if "OVER BUDGET" in line]


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_the_longest_crew_notice_stays_within_its_parts_budget(language):
    description = ("Gat in de stoep, bijna gevallen. " * 200)[:5000]
    notice = messages.DEFAULT_TEXTS.render(
        language,
        "dispatch_crew",
        org=ORG,
        reference="R" * 100,
        code="104",
        address="A" * 300,
        description=description,
        name=messages.DEFAULT_TEXTS.render(language, "crew_name", name="N" * 200),
    )
    pieces = parts.split(notice)
    assert len(pieces) <= LONGEST_CREW_NOTICE_PARTS
    # A GSM-7 part of 1,600 characters is 11 segments; a UCS-2 one 24.
    most = 11 if language in messages.GSM7_LANGUAGES else 24
    assert all(gsm7.segments(piece) <= most for piece in pieces), [gsm7.segments(piece) for piece in pieces]


@pytest.mark.parametrize("language", messages.LANGUAGES)
@pytest.mark.parametrize("key", ["dispatch_citizen", "dispatch_crew"])
def test_the_dispatch_texts_name_the_case_and_its_short_code(language, key):
    text = realistic(language, key)
    assert REFERENCE in text and ADDRESS in text and "104" in text


@pytest.mark.parametrize("language", messages.LANGUAGES)
def test_every_spoken_text_is_plain_words_for_the_speech_engine(language):
    for key, template in messages.DEFAULT_TEXTS.catalogue(language).items():
        if key.startswith("voice_"):
            assert "<" not in template and "&" not in template, key


def test_render_refuses_a_missing_placeholder():
    with pytest.raises(messages.MissingPlaceholder, match="reference"):
        messages.DEFAULT_TEXTS.render("nl", "question", org=ORG, address=ADDRESS)


def test_the_residents_own_words_pass_verbatim_even_with_emoji():
    description = "Gat 🕳️ voor mijn deur, de \u201cpaaltjes\u201d liggen in de berm {org} {0}"
    text = messages.DEFAULT_TEXTS.render(
        "nl",
        "dispatch_crew",
        org=ORG,
        reference=REFERENCE,
        address=ADDRESS,
        description=description,
        name="",
        code="104",
    )
    assert f'"{description}"' in text


def test_typographic_look_alikes_in_case_data_are_made_gsm7():
    text = messages.DEFAULT_TEXTS.render(
        "nl", "question", org="Gemeente \u2019s-Hertogenbosch", reference="MOR\u20131", address="Kerkstraat\u00a012"
    )
    assert "Gemeente 's-Hertogenbosch" in text and "MOR-1" in text and "(Kerkstraat 12)" in text
    assert gsm7.is_gsm7(text)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("😀" * 35, 1),  # an emoji is two UTF-16 code units
        ("😀" * 36, 2),
        ("a" * 70 + "\u2019", 2),  # one curly quote turns the whole text into UCS-2
        ("€" * 80, 1),  # €, [ and ] take an escape and a septet
        ("€" * 81, 2),
        ("a" * 158 + "]", 1),
        ("a" * 159 + "[", 2),
        ("[" * 80 + "a", 2),
    ],
)
def test_segments_are_counted_like_a_phone_network_counts_them(text, count):
    assert gsm7.segments(text) == count


def test_it_knows_which_characters_are_gsm7():
    assert gsm7.is_gsm7("€[]{}^~|\\ éèàÄÖÑÜ @£$¥ Ça va?")
    for outsider in ("\u2019", "\u201c", "\u00a0", "ł", "😀", "\u2013"):
        assert not gsm7.is_gsm7(outsider), repr(outsider)
    assert gsm7.to_gsm7("\u201cZo\u2019n\u201d\u00a0gat \u2013 echt\u2026") == '"Zo\'n" gat - echt...'


def test_typographic_look_alikes_in_a_template_are_replaced_when_it_is_loaded():
    # An editor's curly quote or non-breaking space must not make every text two segments.
    loaded = messages.parse('question = "{org}: is het \u201copgelost\u201d?\u00a0Antwoord \u2018JA\u2019 of NEE."')
    assert loaded["question"] == "{org}: is het \"opgelost\"? Antwoord 'JA' of NEE."
    assert gsm7.is_gsm7(loaded["question"])
