"""SIGNALEN_* and the crews file: what starts, and what stops start-up with a message naming it."""

from __future__ import annotations

import pytest

from gateway.core.config import Config
from gateway.core.env import ConfigError
from tests.conftest import JAN

URL = "https://api.meldingen.voorbeeldstad.nl"


@pytest.fixture
def env(settings, tmp_path):
    crews = tmp_path / "crews.toml"
    crews.write_text(
        '[crews."wegen@voorbeeldstad.nl"]\nid = "ploeg-wegen"\nname = "Ploeg Wegen"\nphone = "06 87654321"\n'
        '[crews.WEG]\nid = "ploeg-weg"\nname = "Afdeling Wegen"\nphone = "+31611112222"\nlanguage = "en"\n'
        '[crews.default]\nid = "ploeg-noord"\nname = "Ploeg Noord"\nphone = "+31687654321"\n'
    )
    return {
        **settings,
        "SIGNALEN_API_URL": URL,
        "SIGNALEN_TOKEN_URL": "https://sso.voorbeeldstad.nl/realms/gemeente/protocol/openid-connect/token",
        "SIGNALEN_CLIENT_ID": "korte-lijn",
        "SIGNALEN_CLIENT_SECRET": "geheim",
        "SIGNALEN_CREWS": str(crews),
    }


def refused(env: dict, **changes: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        Config.from_env({**env, **changes})
    return caught.value


def test_it_reads_the_settings_and_the_crews_with_their_defaults(env):
    signalen = Config.from_env(env).signalen
    assert signalen is not None
    assert (signalen.poll_interval, signalen.dispatch_state, signalen.reopen_state) == (30, "ingepland", "reopened")
    assert signalen.crews["wegen@voorbeeldstad.nl"].phone == JAN.phone
    assert signalen.crews["weg"].language == "en"


def test_it_tries_the_assigned_user_then_the_department_then_the_category_then_default(env):
    signalen = Config.from_env(env).signalen
    assert signalen.crew_for(["Wegen@Voorbeeldstad.nl", "WEG", "overig"])[1].id == "ploeg-wegen"
    assert signalen.crew_for([None, "WEG", "overig"])[1].id == "ploeg-weg"
    assert signalen.crew_for([None, None, "overig"])[1].id == "ploeg-noord"


def test_without_signalen_api_url_nothing_else_of_it_may_be_set(settings):
    assert Config.from_env(settings).signalen is None
    assert refused(settings, SIGNALEN_CLIENT_ID="x").name == "SIGNALEN_CLIENT_ID"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("SIGNALEN_API_URL", "meldingen.voorbeeldstad.nl", "http(s) URL"),
        ("SIGNALEN_TOKEN_URL", "", "is required"),
        ("SIGNALEN_CLIENT_SECRET", " ", "is required"),
        ("SIGNALEN_POLL_INTERVAL", "0", "expected 1 s to 1 h"),
        ("SIGNALEN_POLL_INTERVAL", "soon", "duration"),
        ("SIGNALEN_DISPATCH_STATE", "planned", "state code"),
        ("SIGNALEN_DISPATCH_STATE", "o", "state code"),
        ("SIGNALEN_REOPEN_STATE", "heropend", "reopened or reopen requested"),
        ("SIGNALEN_CREWS", "/nonexistent/crews.toml", "is not a file"),
    ],
)
def test_a_malformed_setting_stops_start_up_naming_it(env, name, value, words):
    error = refused(env, **{name: value})
    assert error.name == name and words in str(error)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("crews = [", "cannot be read as TOML"),
        ("[other]\nx = 1\n", "expected [crews"),
        ('[crews.default]\nid = "a"\nname = "b"\n', "phone must be a non-empty text"),
        ('[crews.default]\nid = "a"\nname = "b"\nphone = "0900 1234567"\n', "premium-rate"),
        ('[crews.default]\nid = "a"\nname = "b"\nphone = "hallo"\n', "phone"),
        ('[crews.default]\nid = "a"\nname = "b"\nphone = "0612345678"\nrank = 1\n', "unknown field"),
        ('[crews.a]\nid = "a"\nname = "b"\nphone = "0612345678"\n'
         '[crews.A]\nid = "a"\nname = "b"\nphone = "0612345678"\n', "named twice"),
        (b"\xff\xfe".decode("latin-1"), "cannot be read"),
    ],
)  # fmt: skip
def test_a_malformed_crews_file_stops_start_up_naming_it(env, tmp_path, text, words):
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    error = refused(env, SIGNALEN_CREWS=str(bad))
    assert error.name == "SIGNALEN_CREWS" and words in str(error), str(error)


def test_with_signalen_neither_a_callback_url_nor_case_api_keys_is_needed(env):
    bare = {k: v for k, v in env.items() if not k.startswith("CASE_")}
    config = Config.from_env(bare)
    assert config.case_callback_url is None and config.signalen is not None
    assert refused({k: v for k, v in bare.items() if not k.startswith("SIGNALEN_")}).name == "CASE_CALLBACK_URL"


def test_the_client_secret_may_come_from_a_file(env, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("uit-een-bestand\n")
    without = {k: v for k, v in env.items() if k != "SIGNALEN_CLIENT_SECRET"}
    config = Config.from_env({**without, "SIGNALEN_CLIENT_SECRET_FILE": str(secret)})
    assert config.signalen.client_secret == "uit-een-bestand"
