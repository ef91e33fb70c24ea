"""A municipality's own texts (TEMPLATES_DIR): they reach residents, a bad one stops start-up
with the file and key named, and each text's segment count is reported at start-up."""

import logging

import pytest

from flows import messages
from gateway.core.config import ConfigError
from gateway.factory import create_app
from gateway.startup import log_configuration
from tests.conftest import ANNA, JAN
from tests.moments import next_year_at

SHORTER_DISPATCH = "{org}: onze ploeg komt voor melding {reference}{eta}. Vragen? Bel of sms dit nummer. Code: {code}."


def texts_of(app) -> messages.Texts:
    return messages.texts(app.extensions["korte_lijn"].config)


@pytest.fixture
def templates(tmp_path, settings):
    """Write TEMPLATES_DIR/<name> and point the gateway at the folder."""
    settings["TEMPLATES_DIR"] = str(tmp_path)

    def write(name: str, content: str | bytes):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write


@pytest.fixture
def logged():
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = records.append
    loggers = [logging.getLogger(name) for name in ("gateway", "flows.custom_texts")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    yield records
    for logger, level in zip(loggers, levels, strict=False):
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_an_override_changes_the_text_the_resident_receives(templates, request):
    templates("nl.toml", f'dispatch_citizen = "{SHORTER_DISPATCH}"\n')
    case_api, fake_twilio = request.getfixturevalue("case_api"), request.getfixturevalue("fake_twilio")
    case_api.dispatch(eta=next_year_at(11, 28, 10))
    request.getfixturevalue("run_worker")()
    [text] = fake_twilio.texts_to(ANNA.phone)
    assert text.startswith("Gemeente Utrecht: onze ploeg komt voor melding MOR-42 op 28-11 rond 10:00. Vragen?")
    assert text.endswith("Code: 100.")
    [crew_text] = fake_twilio.texts_to(JAN.phone)
    assert crew_text.startswith("Gemeente Utrecht MOR-42 (code 100)")  # not overridden: the default


def test_an_override_in_one_language_leaves_the_other_alone(templates, request):
    templates("en.toml", 'question = "{org}: all fixed at {address} ({reference})? Reply YES or NO."\n')
    texts = texts_of(request.getfixturevalue("app"))
    assert texts.catalogue("en")["question"] == "{org}: all fixed at {address} ({reference})? Reply YES or NO."
    assert texts.catalogue("nl")["question"] == messages.defaults("nl")["question"]
    assert texts.catalogue("en")["reminder"] == messages.defaults("en")["reminder"]


def test_two_apps_in_one_process_keep_their_own_texts(templates, settings):
    """The texts belong to the app, not to the process: a second app without TEMPLATES_DIR
    does not change the first one's wording, nor the first the second's."""
    templates("nl.toml", f'dispatch_citizen = "{SHORTER_DISPATCH}"\n')
    own, plain = create_app(settings), create_app({**settings, "TEMPLATES_DIR": ""})
    try:
        assert texts_of(own).catalogue("nl")["dispatch_citizen"] == SHORTER_DISPATCH
        assert texts_of(plain).catalogue("nl")["dispatch_citizen"] == messages.defaults("nl")["dispatch_citizen"]
        assert messages.DEFAULT_TEXTS.catalogue("nl")["dispatch_citizen"] == messages.defaults("nl")["dispatch_citizen"]
    finally:
        own.extensions["korte_lijn"].db.dispose()
        plain.extensions["korte_lijn"].db.dispose()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('questoin = "{org}: opgelost?"', "unknown template key; did you mean 'question'?"),
        ('vraag = "{org}: opgelost?"', "unknown template key"),
        (
            'question = "{org}: is {adres} opgelost? JA of NEE"',
            "unknown placeholder {adres}; this text knows {address}, {org}, {reference}",
        ),
        ('question = "Is melding {reference} opgelost? JA of NEE"', "misses the required placeholder {org}"),
        ('relay_to_crew = "{org}, melder {reference}: (zie app)"', "misses the required placeholder {text}"),
        ('question = "{org: is {reference} opgelost?"', "has a stray brace"),
        ('question = "{org}: opgelost? {reference}}"', "has a stray brace"),
        ('question = "{org}: {0} opgelost? {reference}"', "placeholder {0} is not a name like {org}"),
        (
            'question = "{org.__class__.__init__.__globals__} {reference}"',
            "placeholder {org.__class__.__init__.__globals__} is not a name like {org}",
        ),
        ('question = "{org}: {reference[0]} opgelost?"', "placeholder {reference[0]} is not a name like {org}"),
        ('question = "{org:>40}: {reference} opgelost?"', "placeholder {org} takes no format or conversion"),
        ('question = "{org!r}: {reference} opgelost?"', "placeholder {org} takes no format or conversion"),
        (
            'question = "{org}: is melding {reference} opgelost? Antwoord JA óf NEE"',
            "uses characters outside GSM-7 ('ó')",
        ),
        ('question = "{org}: melding {reference} opgelost? 👍 of 👎"', "uses characters outside GSM-7"),
        ("question = 42", "must be a non-empty string in double quotes"),
        ('question = "  "', "must be a non-empty string in double quotes"),
        ('[question]\nnl = "{org}"', "must be a non-empty string in double quotes"),
        ('months = "januari februari maart"', "must be the twelve month names separated by spaces"),
    ],
)
def test_a_bad_override_stops_start_up_naming_the_file_and_key(templates, settings, content, problem):
    path = templates("nl.toml", content + "\n")
    key = content.split("=")[0].strip(" [\n").split("]")[0]
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert str(refused.value).startswith(f"TEMPLATES_DIR: {path}, key {key!r}: {problem}"), str(refused.value)


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("nl.toml", 'question = "{org}: opgelost?', "is not valid TOML: "),
        ("nl.toml", 'question = """{org}"""\nquestion = "{org}"', "is not valid TOML: "),
        ("nl.toml", b'question = "{org} \xff\xfe"', "is not UTF-8 text"),
        ("de.toml", 'question = "{org}: behoben?"', "unknown language 'de'; name the files nl.toml or en.toml"),
    ],
)
def test_a_file_that_cannot_be_read_stops_start_up_naming_it(templates, settings, name, content, problem):
    path = templates(name, content)
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert str(refused.value).startswith(f"TEMPLATES_DIR: {path}: {problem}"), str(refused.value)


def test_templates_dir_must_be_a_directory(settings, tmp_path):
    with pytest.raises(ConfigError, match=r"^TEMPLATES_DIR: '.*missing' is not a directory$"):
        create_app({**settings, "TEMPLATES_DIR": str(tmp_path / "missing")})


def test_a_readme_beside_the_templates_is_ignored(templates, request):
    templates("README.md", "Onze eigen teksten {niet een template}")
    templates("nl.toml", f'dispatch_citizen = "{SHORTER_DISPATCH}"\n')
    texts = texts_of(request.getfixturevalue("app"))
    assert texts.overridden("nl") == {"dispatch_citizen"}


def test_typographic_look_alikes_are_replaced_with_a_warning(templates, request, logged):
    path = templates("nl.toml", 'question = "{org}: is \u201c{reference}\u201d opgelost?\u00a0Antwoord JA of NEE."\n')
    texts = texts_of(request.getfixturevalue("app"))
    assert texts.catalogue("nl")["question"] == '{org}: is "{reference}" opgelost? Antwoord JA of NEE.'
    warnings = [r.getMessage() for r in logged if r.levelno == logging.WARNING and r.name == "flows.custom_texts"]
    assert warnings == [f"{path}, key 'question': typographic quotes, dashes or spaces replaced with GSM-7 ones"]


def test_a_spoken_text_may_use_any_letter(templates, request):
    templates("nl.toml", 'voice_goodbye = "Tot ziens, en een fijne dag verder. Geëerd dat u belde."\n')
    texts = texts_of(request.getfixturevalue("app"))
    assert texts.catalogue("nl")["voice_goodbye"].endswith("Geëerd dat u belde.")


def test_start_up_reports_each_texts_segments_marking_the_municipalitys_own(templates, request, logged):
    templates("nl.toml", f'dispatch_citizen = "{SHORTER_DISPATCH}"\n')
    # What each serving process logs once its app is built (web, worker, embedded).
    log_configuration(request.getfixturevalue("runtime").config)
    [nl] = [r.getMessage() for r in logged if r.getMessage().startswith("texts nl, SMS segments")]
    assert "dispatch_citizen* 1" in nl and "reminder 1" in nl
    [en] = [r.getMessage() for r in logged if r.getMessage().startswith("texts en, SMS segments")]
    assert "dispatch_citizen 2" in en and "*" not in en


def test_the_texts_command_shows_the_overrides_costs(templates, request):
    templates("nl.toml", f'dispatch_citizen = "{SHORTER_DISPATCH}"\n')
    result = request.getfixturevalue("app").test_cli_runner().invoke(args=["texts"])
    [line] = [line for line in result.output.splitlines() if line.startswith("nl  dispatch_citizen*")]
    assert line.endswith("GSM-7  1 of 3 segment(s)  ok")  # shorter than the default's 2
    assert any(
        line.startswith("en  dispatch_citizen ") and line.endswith("2 of 3 segment(s)  ok")
        for line in result.output.splitlines()
    )


@pytest.mark.parametrize(
    ("language", "content", "problem"),
    [
        (
            "nl",
            'question = "{org}: ' + "is het gat bij {address} nu echt helemaal dicht? " * 3 + '{reference} JA of NEE."',
            "costs 2 SMS segments with long sample values (293 characters, GSM-7); its budget is 1",
        ),
        ("nl", 'thanks_yes = "{org}: ' + "heel hartelijk bedankt! " * 6 + '{reference}"', "its budget is 1"),
        (
            "tr",
            'question = "{org}: {reference} ({address}) numaralı bildiriminizdeki sorun giderildi mi? '
            'Lütfen EVET ya da HAYIR yazın."',
            "costs 3 SMS segments with long sample values (",
        ),
        ("uk", 'thanks_no = "{org}: дякуємо. Ми знову працюємо над {reference}."', "UCS-2); its budget is 1"),
    ],
)
def test_an_override_over_its_segment_budget_stops_start_up(templates, settings, language, content, problem):
    path = templates(f"{language}.toml", content + "\n")
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    key = content.split("=")[0].strip()
    assert str(refused.value).startswith(f"TEMPLATES_DIR: {path}, key {key!r}: "), str(refused.value)
    assert problem in str(refused.value)


def test_a_turkish_override_may_use_turkish_letters_within_its_budget(templates, request):
    templates("tr.toml", 'thanks_yes = "{org}: teşekkürler! {reference} kapandı."\n')
    texts = texts_of(request.getfixturevalue("app"))
    assert texts.catalogue("tr")["thanks_yes"] == "{org}: teşekkürler! {reference} kapandı."
    assert texts.overridden("tr") == {"thanks_yes"}
