"""Anna in her own language: every text, the question and her answer, in nl, en, tr, ar, pl and uk.

The texts themselves (wording, segment budgets) are tests/test_texts.py's; the calls are
tests/voice/test_language.py's. Here: the case system names a language, in any of the ways
it may spell it, and the resident gets that language from the dispatch notice to the thanks.
"""

from __future__ import annotations

import pytest

from flows import messages
from tests.conftest import ANNA, JAN

ORG, REFERENCE, ADDRESS = "Gemeente Utrecht", "MOR-42", "Kerkstraat 12"

# How a case system may spell each language, and a no and a yes as residents write them.
LANGUAGES = {
    "nl": ("NL-nl", "Nee, het gat zit er nog", "Ja hoor, netjes"),
    "en": ("en-GB", "No, the hole is still there", "Yes, all good"),
    "tr": ("tr-TR", "HAYIR hala bozuk", "Evet düzeldi, teşekkürler"),
    "ar": ("ar_MA", "لا، ما زال مكسور", "نعم، تم الإصلاح شكرا"),
    "pl": ("PL", "Nie, dalej jest dziura", "Tak, naprawione. Pozdrawiam"),
    "uk": ("uk-UA", "Ні, досі зламано", "Так, дякую"),
}
# "I don't know" as she would write it: the reader asks again, in her language.
DOUBTS = {
    "nl": "Weet ik niet",
    "en": "Not sure",
    "tr": "Bilmiyorum",
    "ar": "لا أعرف",
    "pl": "Nie wiem",
    "uk": "Не знаю",
}


def render(language: str, key: str, **values: str) -> str:
    return messages.DEFAULT_TEXTS.render(language, key, org=ORG, reference=REFERENCE, **values)


@pytest.fixture
def asked(case_api, run_worker, fast_forward, fake_twilio):
    """Dispatch in a language, complete, wait CONFIRMATION_DELAY: Anna has the question. Returns the proxy."""

    def ask(spelled: str) -> str:
        proxy = case_api.dispatch(citizen_fields={"language": spelled}).json["proxy_number"]
        assert case_api.complete().status_code == 202
        fast_forward(1800)
        run_worker()
        return proxy

    return ask


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_her_no_in_her_language_reopens_and_every_text_is_hers(
    language, asked, twilio, run_worker, fake_twilio, case_system, case_document
):
    spelled, no, _ = LANGUAGES[language]
    proxy = asked(spelled)
    assert case_document()["citizen"]["language"] == language
    notice, question = fake_twilio.texts_to(ANNA.phone)
    assert notice == render(language, "dispatch_citizen", address=ADDRESS, eta="", code="100")
    assert question == render(language, "question", address=ADDRESS)

    assert twilio.text(ANNA, no, to=proxy).status_code == 200
    run_worker()
    [reopened] = case_system.of_type("case.reopened")
    assert reopened.data["reply"] == no
    assert fake_twilio.texts_to(ANNA.phone)[-1] == render(language, "thanks_no")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_her_yes_in_her_language_confirms(language, asked, twilio, run_worker, fake_twilio, case_system):
    spelled, _, yes = LANGUAGES[language]
    proxy = asked(spelled)
    assert twilio.text(ANNA, yes, to=proxy).status_code == 200
    run_worker()
    assert [d.type for d in case_system.deliveries if d.type.startswith("case.")][-1] == "case.confirmed"
    assert fake_twilio.texts_to(ANNA.phone)[-1] == render(language, "thanks_yes")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_her_doubt_is_asked_again_and_her_silence_reminded_in_her_language(
    language, asked, twilio, run_worker, fast_forward, fake_twilio, case_system
):
    proxy = asked(LANGUAGES[language][0])
    assert twilio.text(ANNA, DOUBTS[language], to=proxy).status_code == 200
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1] == render(language, "reask", address=ADDRESS)
    assert case_system.deliveries == []

    fast_forward(86400)
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[-1] == render(language, "reminder", address=ADDRESS)


@pytest.mark.parametrize(("language", "answer"), [("pl", "ja"), ("tr", "nee"), ("uk", "yes"), ("ar", "No")])
def test_she_may_answer_in_another_language_than_her_case(language, answer, asked, twilio, run_worker, case_system):
    proxy = asked(language)
    assert twilio.text(ANNA, answer, to=proxy).status_code == 200
    run_worker()
    expected = "case.confirmed" if answer in ("ja", "yes") else "case.reopened"
    assert [d.type for d in case_system.deliveries if d.type.startswith("case.")] == [expected]


def test_a_language_without_texts_gets_the_default_and_the_timeline_says_so(
    case_api, run_worker, fake_twilio, case_document
):
    assert case_api.dispatch(citizen_fields={"language": "fr-BE"}, crew_fields={"language": "de"}).status_code == 202
    document = case_document()
    assert (document["citizen"]["language"], document["crew"]["language"]) == ("nl", "nl")
    notes = [entry for entry in document["timeline"] if entry["kind"] == "language.fallback"]
    assert [note["data"] for note in notes] == [
        {"role": "citizen", "asked": "fr", "used": "nl"},
        {"role": "crew", "asked": "de", "used": "nl"},
    ]
    run_worker()
    assert fake_twilio.texts_to(ANNA.phone)[0].startswith(f"{ORG}: we komen")


def test_no_language_gets_the_default_without_a_note(case_api, case_document):
    assert case_api.dispatch().status_code == 202
    assert not [entry for entry in case_document()["timeline"] if entry["kind"] == "language.fallback"]


@pytest.mark.parametrize("spelled", ["t1", "ü", "türkçe", "tr--", "x" * 36, "", "-tr", "ру"])
def test_a_language_that_is_no_language_code_is_refused(spelled, case_api):
    answer = case_api.dispatch(citizen_fields={"language": spelled})
    assert answer.status_code == 422, spelled
    assert answer.json["error"]["field"] == "citizen.language"


def test_the_crew_gets_its_own_language_and_her_words_as_she_wrote_them(case_api, run_worker, fake_twilio):
    """A Polish crew and a Turkish resident: each reads its own language; her description is not translated."""
    description = "Kaldırım taşları kırık, kapımın önünde çukur var."
    case_api.dispatch(citizen_fields={"language": "tr"}, crew_fields={"language": "pl"}, description=description)
    run_worker()
    [notice] = fake_twilio.texts_to(ANNA.phone)
    assert notice == render("tr", "dispatch_citizen", address=ADDRESS, eta="", code="100")
    [crew_text] = fake_twilio.texts_to(JAN.phone)
    name = messages.DEFAULT_TEXTS.render("pl", "crew_name", name=ANNA.name)
    assert crew_text == render("pl", "dispatch_crew", address=ADDRESS, code="100", description=description, name=name)
