"""WHATSAPP_SENDER and WHATSAPP_TEMPLATES: the operator's file (deploy/whatsapp_templates.toml)
starts the gateway; a malformed one, or one without a template the gateway needs, stops start-up
naming the file and the table."""

from pathlib import Path

import pytest

from flows import whatsapp_templates
from gateway.core.config import ConfigError
from gateway.factory import create_app
from tests.conftest import ANNA, WHATSAPP_SENDER

DEPLOY_FILE = Path(__file__).resolve().parent.parent / "deploy" / "whatsapp_templates.toml"
SENDER = WHATSAPP_SENDER


def catalogue_of(app) -> whatsapp_templates.Catalogue:
    return app.extensions["korte_lijn"].config.whatsapp_templates


@pytest.fixture
def whatsapp(tmp_path, settings):
    """Point the gateway at a WhatsApp sender and a templates file written from `content`."""

    def write(content: str | bytes) -> Path:
        path = tmp_path / "whatsapp_templates.toml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        settings.update(WHATSAPP_SENDER=SENDER, WHATSAPP_TEMPLATES=str(path))
        return path

    return write


def test_the_deploy_file_starts_the_gateway_with_a_template_for_every_text_she_did_not_ask_for(whatsapp, settings):
    whatsapp(DEPLOY_FILE.read_text(encoding="utf-8"))
    app = create_app(settings)
    config = app.extensions["korte_lijn"].config
    assert config.whatsapp_sender == SENDER
    for key in whatsapp_templates.NEEDS_TEMPLATE:
        for language in ("nl", "en"):
            assert catalogue_of(app).for_text(key, language).language == language
    assert set(whatsapp_templates.NEEDS_TEMPLATE) == {"dispatch_citizen", "question", "reminder", "relay_to_citizen"}


def test_a_language_without_its_own_template_gets_the_default_languages(whatsapp, settings):
    whatsapp(DEPLOY_FILE.read_text(encoding="utf-8"))
    question = catalogue_of(create_app(settings)).for_text("question", "tr")
    assert (question.language, question.content_sid) == ("nl", "HX00000000000000000000000000000002")


def test_the_variables_go_to_twilio_in_the_templates_order_and_never_empty(whatsapp, settings):
    whatsapp(DEPLOY_FILE.read_text(encoding="utf-8"))
    notice = catalogue_of(create_app(settings)).for_text("dispatch_citizen", "nl")
    values = {"org": "Gemeente Utrecht", "reference": "MOR-42", "address": "Kerkstraat 12", "eta": ""}
    values |= {"proxy": "+31 97 010 000 001", "code": "100", "description": "not a variable of it"}
    assert notice.content_variables(values) == {
        "1": "Gemeente Utrecht",
        "2": "MOR-42",
        "3": "Kerkstraat 12",
        "4": " ",  # WhatsApp refuses an empty variable
        "5": "+31 97 010 000 001",
        "6": "100",
    }


def test_without_a_sender_there_is_no_whatsapp(settings):
    config = create_app(settings).extensions["korte_lijn"].config
    assert (config.whatsapp_sender, config.whatsapp_templates) == (None, None)


GOOD = {
    "dispatch_citizen": '["org", "reference", "address", "eta", "proxy", "code"]',
    "question": '["org", "reference", "address"]',
    "reminder": '["org", "reference", "address"]',
    "relay_to_citizen": '["org", "text"]',
}


def tables(**changes: str | None) -> str:
    """A whole, valid Dutch file, with some tables replaced (a string) or left out (None)."""
    out = []
    for n, (key, variables) in enumerate(GOOD.items()):
        table = f'[{key}.nl]\ncontent_sid = "HX{n:032x}"\nvariables = {variables}\n'
        replaced = changes.get(key, table)
        if replaced is not None:
            out.append(replaced)
    return "\n".join(out)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (tables(question=None), "no template for question in DEFAULT_LANGUAGE 'nl': WhatsApp delivers nothing"),
        (tables(reminder=None, relay_to_citizen=None), "no template for reminder, relay_to_citizen in DEFAULT"),
        (tables() + '[thanks_yes.nl]\ncontent_sid = "HX' + "a" * 32 + '"\nvariables = []\n', "[thanks_yes]: is not a"),
        ('question = "HX1"\n' + tables(question=None), "[question]: expected a table per language"),
        (
            tables() + '[question.de]\ncontent_sid = "HX' + "b" * 32 + '"\nvariables = []\n',
            "[question.de]: unknown lan",
        ),
        (tables(question='[question.nl]\ncontent_sid = "HX12"\nvariables = []\n'), "[question.nl]: content_sid 'HX12'"),
        (tables(question='[question.nl]\ncontent_sid = "hx' + "c" * 32 + '"\nvariables = []\n'), "is not a Content"),
        (tables(question="[question.nl]\ncontent_sid = 42\nvariables = []\n"), "content_sid 42 is not"),
        (tables(question='[question.nl]\nvariables = ["org"]\n'), "[question.nl]: expected exactly content_sid"),
        (
            tables(question='[question.nl]\ncontent_sid = "HX' + "d" * 32 + '"\nvariables = []\nbuttons = 2\n'),
            "expected exactly content_sid and variables",
        ),
        (
            tables(question='[question.nl]\ncontent_sid = "HX' + "e" * 32 + '"\nvariables = ["org", "adress"]\n'),
            "[question.nl]: unknown variable 'adress'; the text's placeholders are address, org, proxy, reference",
        ),
        (
            tables(question='[question.nl]\ncontent_sid = "HX' + "e" * 32 + '"\nvariables = ["org", "org"]\n'),
            "[question.nl]: names a variable twice",
        ),
        (
            tables(question='[question.nl]\ncontent_sid = "HX' + "e" * 32 + '"\nvariables = "org"\n'),
            "[question.nl]: variables must be a list of placeholder names",
        ),
        (
            tables(dispatch_citizen='[dispatch_citizen.nl]\ncontent_sid = "HX' + "f" * 32 + '"\nvariables = ["org"]\n'),
            "[dispatch_citizen.nl]: must name 'proxy'",
        ),
        (
            tables(question='[question.nl]\ncontent_sid = "HX' + "0" * 32 + '"\nvariables = []\n'),
            "is named for more than one text",
        ),
    ],
)
def test_a_bad_templates_file_stops_start_up_naming_the_file_and_the_table(whatsapp, settings, content, problem):
    path = whatsapp(content)
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert str(refused.value).startswith(f"WHATSAPP_TEMPLATES: {path}"), str(refused.value)
    assert problem in str(refused.value), str(refused.value)


@pytest.mark.parametrize(
    ("content", "problem"),
    [('[question.nl]\ncontent_sid = "HX1', "is not valid TOML: "), (b"[question.nl]\xff\xfe", "is not UTF-8 text")],
)
def test_a_file_that_cannot_be_read_stops_start_up(whatsapp, settings, content, problem):
    path = whatsapp(content)
    with pytest.raises(ConfigError) as refused:
        create_app(settings)
    assert str(refused.value).startswith(f"WHATSAPP_TEMPLATES: {path}: {problem}"), str(refused.value)


@pytest.mark.parametrize(
    ("env", "problem"),
    [
        ({"WHATSAPP_SENDER": SENDER}, "WHATSAPP_TEMPLATES: is required when WHATSAPP_SENDER is set"),
        ({"WHATSAPP_TEMPLATES": str(DEPLOY_FILE)}, "WHATSAPP_TEMPLATES: is set but WHATSAPP_SENDER is not"),
        ({"WHATSAPP_SENDER": "06 12345678"}, "WHATSAPP_SENDER: '06 12345678' is not a valid E.164 number"),
        ({"WHATSAPP_SENDER": "whatsapp:+3197010009999"}, "is not a valid E.164 number"),
        ({"WHATSAPP_SENDER": f"{SENDER},+3197010009998"}, "WHATSAPP_SENDER: expected one number"),
        ({"WHATSAPP_SENDER": SENDER, "WHATSAPP_TEMPLATES": "/nonexistent.toml"}, "'/nonexistent.toml' is not a file"),
    ],
)
def test_the_settings_are_checked_together(settings, env, problem):
    with pytest.raises(ConfigError) as refused:
        create_app({**settings, **env})
    assert problem in str(refused.value), str(refused.value)


def test_without_a_whatsapp_sender_she_gets_texts_and_the_timeline_says_why(
    case_api, run_worker, fake_twilio, case_document
):
    case_api.dispatch(citizen_fields={"channel": "whatsapp"})
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 1 and fake_twilio.whatsapp_to(ANNA.phone) == []
    [note] = [e for e in case_document()["timeline"] if e["kind"] == "channel.sms"]
    assert note["data"] == {"asked": "whatsapp", "used": "sms"}
    assert "no WHATSAPP_SENDER" in note["summary"]
