"""Configuration: read strictly, and a typo stops start-up with the variable's name."""

from datetime import time

import pytest

from gateway.core.config import Config, ConfigError
from gateway.factory import create_app
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, CALLBACK_SECRET, CASE_KEY, PROXY_NUMBERS


def test_it_has_the_documented_defaults():
    config = Config.from_env({})
    assert (config.confirmation_delay, config.reminder_after, config.confirmation_timeout, config.reopen_window) == (
        1800,
        86400,
        259200,
        1209600,
    )
    assert config.quiet_hours == (time(21, 0), time(8, 0))
    assert config.timezone.key == "Europe/Amsterdam"
    assert (config.default_language, config.default_region) == ("nl", "NL")
    assert config.database_url.startswith("sqlite:///")
    assert config.twilio_api_base_url == "https://api.twilio.com"
    assert not config.sends_for_real
    assert (config.call_retry_after, config.session_grace, config.sender_mps, config.retention_days) == (
        1800,
        7200,
        10.0,
        30,
    )
    assert config.fallback_phone_number is None
    assert (config.auto_reply_limit, config.held_texts_max, config.held_characters_max, config.which_case_per_hour) == (
        5,
        5,
        1600,
        3,
    )


def test_it_reads_the_limits_on_automatic_and_held_texts():
    config = Config.from_env(
        {"AUTO_REPLY_LIMIT": "3", "HELD_TEXTS_MAX": "2", "HELD_CHARACTERS_MAX": "480", "WHICH_CASE_PER_HOUR": "1"}
    )
    assert (config.auto_reply_limit, config.held_texts_max, config.held_characters_max, config.which_case_per_hour) == (
        3,
        2,
        480,
        1,
    )


def test_it_reads_the_settings_for_calls_rates_and_retention():
    config = Config.from_env(
        {
            "FALLBACK_PHONE_NUMBER": "14 030",
            "CALL_RETRY_AFTER": "15m",
            "SESSION_GRACE": "1h",
            "SENDER_MPS": "2.5",
            "RETENTION_DAYS": "90",
        }
    )
    assert (
        config.fallback_phone_number,
        config.call_retry_after,
        config.session_grace,
        config.sender_mps,
        config.retention_days,
    ) == ("14 030", 900, 3600, 2.5, 90)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("30m", 1800), ("2h", 7200), ("1h30m", 5400), ("90", 90), (" 2H ", 7200), ("1d", 86400), ("0", 0)],
)
def test_it_reads_durations_in_seconds_or_with_units(raw, seconds):
    assert Config.from_env({"REMINDER_AFTER": raw}).reminder_after == seconds


def test_it_reads_the_other_settings():
    config = Config.from_env(
        {
            "QUIET_HOURS": "22:30 - 7:00",
            "TIMEZONE": "Europe/Brussels",
            "DEFAULT_LANGUAGE": "EN",
            "DEFAULT_REGION": "be",
            "PROXY_NUMBERS": ",".join(PROXY_NUMBERS) + ",",
            "CASE_API_KEYS": " first-case-system-key , second-case-system-key ,",
            "PUBLIC_BASE_URL": "https://korte-lijn.example.org/",
        }
    )
    assert config.quiet_hours == (time(22, 30), time(7, 0))
    assert (config.timezone.key, config.default_language, config.default_region) == ("Europe/Brussels", "en", "BE")
    assert config.proxy_numbers == PROXY_NUMBERS and config.case_api_keys == (
        "first-case-system-key",
        "second-case-system-key",
    )
    assert config.public_base_url == "https://korte-lijn.example.org"


def test_an_absurd_duration_is_refused_at_start_up_not_at_the_first_completed_job():
    # About 31,700 years: accepted, it would make every case.completed fail with a 500.
    with pytest.raises(ConfigError, match="REOPEN_WINDOW"):
        Config.from_env({"REOPEN_WINDOW": "1000000000000"})


def test_empty_quiet_hours_turn_them_off():
    assert Config.from_env({"QUIET_HOURS": ""}).quiet_hours is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONFIRMATION_DELAY", "soon"),
        ("REMINDER_AFTER", "-5"),
        ("CONFIRMATION_TIMEOUT", "5x"),
        ("REOPEN_WINDOW", "1.5h"),
        ("REOPEN_WINDOW", "1h 30m"),
        ("QUIET_HOURS", "21-08"),
        ("QUIET_HOURS", "25:00-08:00"),
        ("QUIET_HOURS", "21:00-08:60"),
        ("QUIET_HOURS", "21:00-21:00"),
        ("TIMEZONE", "Mars/Olympus"),
        ("TIMEZONE", "../../etc/passwd"),
        ("DEFAULT_LANGUAGE", "fr"),
        ("DEFAULT_REGION", "XX"),
        ("PROXY_NUMBERS", "0612345678"),
        ("PROXY_NUMBERS", "+31 970 1000 0001"),
        ("PROXY_NUMBERS", f"{PROXY_NUMBERS[0]},{PROXY_NUMBERS[0]}"),
        ("PUBLIC_BASE_URL", "ftp://x"),
        ("PUBLIC_BASE_URL", "korte-lijn.example.org"),
        ("TWILIO_API_BASE_URL", "http://"),
        ("CASE_CALLBACK_URL", "case-system.local/callbacks"),
        ("CASE_CALLBACK_SECRET", CALLBACK_SECRET.removeprefix("whsec_")),
        ("CASE_CALLBACK_SECRET", "whsec_c2hvcnQ="),
        ("CASE_CALLBACK_SECRET", "whsec_not base64!"),
        ("CASE_EVENTS_SECRET", "hunter2"),
        ("ORGANISATION_NAME", "Gemeente \u2019s-Hertogenbosch"),
        ("WORKER_POLL_INTERVAL", "0"),
        ("WORKER_POLL_INTERVAL", "fast"),
        ("FALLBACK_PHONE_NUMBER", "bel ons"),
        ("FALLBACK_PHONE_NUMBER", "14 030; DROP"),
        ("CALL_RETRY_AFTER", "later"),
        ("SESSION_GRACE", "2 uur"),
        ("SENDER_MPS", "0"),
        ("SENDER_MPS", "ten"),
        ("SENDER_MPS", "100000"),
        ("RETENTION_DAYS", "0"),
        ("RETENTION_DAYS", "30d"),
        ("RETENTION_DAYS", "-1"),
        ("AUTO_REPLY_LIMIT", "0"),
        ("AUTO_REPLY_LIMIT", "many"),
        ("HELD_TEXTS_MAX", "100"),
        ("HELD_CHARACTERS_MAX", "48000"),
        ("HELD_CHARACTERS_MAX", "1,600"),
        ("WHICH_CASE_PER_HOUR", "-1"),
    ],
)
def test_a_malformed_value_is_refused_by_name(name, value):
    with pytest.raises(ConfigError) as refused:
        Config.from_env({name: value})
    assert refused.value.name == name
    assert name in str(refused.value)


def test_a_callback_url_without_a_secret_is_refused():
    with pytest.raises(ConfigError, match="CASE_CALLBACK_SECRET"):
        Config.from_env({"CASE_CALLBACK_URL": "https://zaken.example.org/callbacks"})


def test_a_twilio_account_without_a_token_is_refused():
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        Config.from_env({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PROXY_NUMBERS": PROXY_NUMBERS[0]})


def test_a_twilio_account_without_proxy_numbers_is_refused():
    with pytest.raises(ConfigError, match="PROXY_NUMBERS"):
        Config.from_env({"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "token"})


def test_it_reads_secrets_from_files(tmp_path):
    (tmp_path / "token").write_text("file-token\n")
    (tmp_path / "callback").write_text(CALLBACK_SECRET + "\n")
    (tmp_path / "keys").write_text("case-system-key-one,case-system-key-two\n")
    config = Config.from_env(
        {
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN_FILE": str(tmp_path / "token"),
            "CASE_CALLBACK_URL": "https://zaken.example.org/callbacks",
            "CASE_API_KEYS_FILE": str(tmp_path / "keys"),
            "CASE_CALLBACK_SECRET_FILE": str(tmp_path / "callback"),
            "PROXY_NUMBERS": PROXY_NUMBERS[0],
        }
    )
    assert config.twilio_auth_token == "file-token"
    assert config.case_callback_secret == CALLBACK_SECRET
    assert config.case_api_keys == ("case-system-key-one", "case-system-key-two")


def test_it_will_not_send_for_real_without_somewhere_to_report_a_no():
    # Printing callbacks is for trying it out; with real texts a NO must reach the case system.
    with pytest.raises(ConfigError, match="^CASE_CALLBACK_URL"):
        Config.from_env(
            {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": "t",
                "CASE_API_KEYS": CASE_KEY,
                "PROXY_NUMBERS": PROXY_NUMBERS[0],
            }
        )


def test_it_will_not_send_for_real_when_no_case_system_can_reach_it():
    with pytest.raises(ConfigError, match="^CASE_API_KEYS"):
        Config.from_env(
            {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": "t",
                "PROXY_NUMBERS": PROXY_NUMBERS[0],
                "CASE_CALLBACK_URL": "https://zaken.example.org/cb",
                "CASE_CALLBACK_SECRET": CALLBACK_SECRET,
            }
        )


def test_a_secret_set_both_directly_and_from_a_file_is_refused(tmp_path):
    (tmp_path / "token").write_text("file-token")
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN_FILE") as refused:
        Config.from_env({"TWILIO_AUTH_TOKEN": "env-token", "TWILIO_AUTH_TOKEN_FILE": str(tmp_path / "token")})
    assert "TWILIO_AUTH_TOKEN or" in str(refused.value)


def test_a_missing_secret_file_is_refused_by_name(tmp_path):
    with pytest.raises(ConfigError, match="CASE_API_KEYS_FILE"):
        Config.from_env({"CASE_API_KEYS_FILE": str(tmp_path / "nowhere")})


def test_a_malformed_secret_in_a_file_is_refused_by_name(tmp_path):
    (tmp_path / "callback").write_text("not-a-whsec-secret")
    with pytest.raises(ConfigError, match="CASE_CALLBACK_SECRET"):
        Config.from_env({"CASE_CALLBACK_SECRET_FILE": str(tmp_path / "callback")})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://kl:pw@db:5432/kl", "postgresql+psycopg://kl:pw@db:5432/kl"),
        ("postgresql://kl@db/kl", "postgresql+psycopg://kl@db/kl"),
        ("postgresql+psycopg://kl@db/kl", "postgresql+psycopg://kl@db/kl"),
        ("sqlite:////var/lib/kl.sqlite3", "sqlite:////var/lib/kl.sqlite3"),
    ],
)
def test_it_names_the_postgres_driver_for_sqlalchemy(url, expected):
    assert Config.from_env({"DATABASE_URL": url}).database_url == expected


def test_create_app_refuses_a_malformed_setting_before_touching_anything(settings, tmp_path):
    database = tmp_path / "never" / "korte_lijn.sqlite3"
    with pytest.raises(ConfigError, match="QUIET_HOURS"):
        create_app({**settings, "DATABASE_URL": f"sqlite:///{database}", "QUIET_HOURS": "21-08"})
    assert not database.parent.exists()


@pytest.mark.parametrize("keys", ["a", "case-system-ke", f"{CASE_KEY},short", "case system key with spaces"])
def test_a_case_api_key_shorter_than_16_characters_is_refused(keys):
    with pytest.raises(ConfigError, match="^CASE_API_KEYS: each key needs at least 16"):
        Config.from_env({"CASE_API_KEYS": keys})


def test_the_embedded_dev_key_is_accepted_only_where_nothing_is_sent_for_real():
    assert Config.from_env({"CASE_API_KEYS": "dev-key"}).case_api_keys == ("dev-key",)
    with pytest.raises(ConfigError, match="^CASE_API_KEYS"):
        Config.from_env(
            {
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "PROXY_NUMBERS": PROXY_NUMBERS[0],
                "CASE_API_KEYS": "dev-key",
                "CASE_CALLBACK_URL": "https://zaken.example.org/cb",
                "CASE_CALLBACK_SECRET": CALLBACK_SECRET,
            }
        )


def test_the_simulator_is_refused_beside_a_real_auth_token_even_without_an_account_sid():
    with pytest.raises(ConfigError, match="^SIMULATOR: cannot be on while a real TWILIO_AUTH_TOKEN"):
        Config.from_env({"SIMULATOR": "1", "TWILIO_AUTH_TOKEN": AUTH_TOKEN})


def test_the_simulator_runs_beside_the_embedded_stand_in_token():
    assert Config.from_env({"SIMULATOR": "1", "TWILIO_AUTH_TOKEN": "dev-token"}).simulator
    assert Config.from_env({"SIMULATOR": "1"}).simulator
