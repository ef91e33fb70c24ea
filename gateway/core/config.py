"""Configuration, read once and strictly from the environment.

A malformed value stops start-up with a ConfigError that names the variable, so a
typo in a deploy is found at release time and not when the first resident replies.
Tests pass a plain mapping instead of the real environment.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from gateway.core.gsm7 import is_gsm7

SUPPORTED_LANGUAGES = ("nl", "en")

# Secrets may come from NAME_FILE (Docker/Kubernetes secrets) instead of NAME.
SECRET_NAMES = (
    "DATABASE_URL",
    "TWILIO_AUTH_TOKEN",
    "CASE_API_KEYS",
    "CASE_EVENTS_SECRET",
    "CASE_CALLBACK_SECRET",
    "METRICS_TOKEN",
)

# Used only when no Twilio account is configured: texts are then printed, not sent,
# so these numbers never reach a real network.
EMBEDDED_PROXY_NUMBERS = ("+3197010000001", "+3197010000002", "+3197010000003")


# The embedded mode's stand-in webhook token (`flask --app app embedded`); never a real one.
EMBEDDED_TWILIO_TOKEN = "dev-token"
# Its case API key: short and public, so accepted only where nothing goes out through Twilio.
EMBEDDED_CASE_KEY = "dev-key"
# A bearer key anyone could guess in a few tries is no key; 16 characters rule out words and PINs.
MIN_CASE_KEY_LENGTH = 16


class ConfigError(ValueError):
    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class Config:
    database_url: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_api_base_url: str
    public_base_url: str
    proxy_numbers: tuple[str, ...]
    case_api_keys: tuple[str, ...]
    case_events_secret: str | None
    case_callback_url: str | None
    case_callback_secret: str | None
    organisation_name: str
    confirmation_delay: int
    reminder_after: int
    confirmation_timeout: int
    reopen_window: int
    quiet_hours: tuple[time, time] | None
    timezone: ZoneInfo
    default_language: str
    default_region: str
    # Regions whose numbers are texted and called (gateway/core/destinations.py); costly kinds never are.
    allowed_regions: tuple[str, ...] = ("NL",)
    # Texts and calls one number receives in any 24 hours, across all cases (gateway/core/recipients.py).
    recipient_daily_limit: int = 20
    worker_poll_interval: float = 0.5
    # The municipality's general number, named to callers we cannot connect.
    fallback_phone_number: str | None = None
    call_retry_after: int = 1800
    # Seconds a call we place may last: a notice or the question takes under one minute.
    call_time_limit: int = 240
    # Seconds a masked call between resident and crew may last (<Dial timeLimit>).
    dial_time_limit: int = 1800
    session_grace: int = 7200
    sender_mps: float = 10.0
    # Texts one worker has in flight at once, at most one per proxy number (gateway/core/lanes.py).
    send_concurrency: int = 8
    retention_days: int = 30
    # Bearer token for GET /metrics; without it /metrics is off, except in the embedded mode.
    metrics_token: str | None = None
    # "json": one JSON object per line (gateway/core/logs.py); "text": for a person at a terminal.
    log_format: str = "text"
    # A municipality's own texts per language; the app factory loads and checks them.
    templates_dir: Path | None = None
    # The phone simulator at /simulator (gateway/simulator/): on without a Twilio account.
    simulator: bool = False
    # Our own texts (re-ask, thanks, "forwarded", "which case?") to one person for one case in
    # 24 hours: a phone that answers by itself must not keep a conversation going (flows/limits.py).
    auto_reply_limit: int = 5
    # A text held on a shared number until she says which case: at most this many, this long.
    held_texts_max: int = 5
    held_characters_max: int = 1600
    which_case_per_hour: int = 3

    @property
    def sends_for_real(self) -> bool:
        """Without a Twilio account, texts and calls are printed instead of sent."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, instance_path: str = "instance") -> Config:
        env = _with_secret_files(dict(os.environ if env is None else env))
        reader = _Reader(env)
        sid = reader.optional("TWILIO_ACCOUNT_SID")
        token = reader.optional("TWILIO_AUTH_TOKEN")
        if sid and not token:
            raise ConfigError("TWILIO_AUTH_TOKEN", "is required when TWILIO_ACCOUNT_SID is set")
        region = reader.region("DEFAULT_REGION", "NL")
        proxies = reader.phone_list("PROXY_NUMBERS")
        if not proxies:
            if sid:
                raise ConfigError("PROXY_NUMBERS", "at least one number is required to send through Twilio")
            proxies = EMBEDDED_PROXY_NUMBERS
        callback_url = reader.url("CASE_CALLBACK_URL", None)
        callback_secret = reader.whsec("CASE_CALLBACK_SECRET")
        if callback_url and not callback_secret:
            raise ConfigError("CASE_CALLBACK_SECRET", "is required when CASE_CALLBACK_URL is set")
        if sid and not callback_url:
            raise ConfigError(
                "CASE_CALLBACK_URL",
                "is required when texts go out through Twilio: "
                "without it a resident's NO would never reach the case system",
            )
        api_keys, events_secret = (
            reader.case_keys("CASE_API_KEYS", embedded=not sid),
            reader.whsec("CASE_EVENTS_SECRET"),
        )
        if sid and not (api_keys or events_secret):
            raise ConfigError("CASE_API_KEYS", "set it (or CASE_EVENTS_SECRET) so the case system can send events")
        metrics_token = reader.optional("METRICS_TOKEN")
        if metrics_token and (len(metrics_token) < 16 or not metrics_token.isprintable() or " " in metrics_token):
            raise ConfigError("METRICS_TOKEN", "expected at least 16 random characters without spaces")
        organisation = reader.text("ORGANISATION_NAME", "Gemeente Voorbeeldstad")
        if not is_gsm7(organisation):
            raise ConfigError("ORGANISATION_NAME", "must use GSM-7 characters only, or every text costs double")
        simulator = reader.boolean("SIMULATOR")
        if simulator and sid:
            # Refused, not just logged: the simulator signs webhooks with the real auth token for
            # anyone who can reach the page, and a text it triggers would go to a real phone.
            raise ConfigError(
                "SIMULATOR",
                "cannot be on while TWILIO_ACCOUNT_SID is set: the simulator would "
                "forge Twilio's signature for anyone and its texts would reach real phones",
            )
        if simulator and token not in (None, EMBEDDED_TWILIO_TOKEN):
            # A real token without a SID is a staging set-up that real webhooks reach: the
            # simulator would sign forged ones for anyone who can open its page.
            raise ConfigError(
                "SIMULATOR",
                "cannot be on while a real TWILIO_AUTH_TOKEN is set: the simulator "
                "would forge Twilio's signature with it for anyone who can reach the page",
            )
        default_db = "sqlite:///" + str(Path(instance_path).resolve() / "korte_lijn.sqlite3")
        return cls(
            database_url=_sqlalchemy_url(reader.text("DATABASE_URL", default_db)),
            twilio_account_sid=sid,
            twilio_auth_token=token,
            twilio_api_base_url=reader.url("TWILIO_API_BASE_URL", "https://api.twilio.com"),
            public_base_url=reader.url("PUBLIC_BASE_URL", "http://localhost:5000"),
            proxy_numbers=proxies,
            case_api_keys=api_keys,
            case_events_secret=events_secret,
            case_callback_url=callback_url,
            case_callback_secret=callback_secret,
            organisation_name=organisation,
            confirmation_delay=reader.duration("CONFIRMATION_DELAY", 1800),
            reminder_after=reader.duration("REMINDER_AFTER", 86400),
            confirmation_timeout=reader.duration("CONFIRMATION_TIMEOUT", 259200),
            reopen_window=reader.duration("REOPEN_WINDOW", 1209600),
            quiet_hours=reader.quiet_hours("QUIET_HOURS", "21:00-08:00"),
            timezone=reader.timezone("TIMEZONE", "Europe/Amsterdam"),
            default_language=reader.choice("DEFAULT_LANGUAGE", "nl", SUPPORTED_LANGUAGES),
            default_region=region,
            allowed_regions=reader.regions("ALLOWED_REGIONS", ("NL",)),
            recipient_daily_limit=reader.whole("RECIPIENT_DAILY_LIMIT", 20, 1, 1000),
            worker_poll_interval=reader.seconds_float("WORKER_POLL_INTERVAL", 0.5),
            fallback_phone_number=reader.dialable("FALLBACK_PHONE_NUMBER"),
            call_retry_after=reader.duration("CALL_RETRY_AFTER", 1800),
            call_time_limit=reader.duration_within("CALL_TIME_LIMIT", 240, CALL_LIMITS),
            dial_time_limit=reader.duration_within("DIAL_TIME_LIMIT", 1800, CALL_LIMITS),
            session_grace=reader.duration("SESSION_GRACE", 7200),
            sender_mps=reader.rate("SENDER_MPS", 10.0),
            send_concurrency=reader.whole("SEND_CONCURRENCY", 8, 1, 64),
            retention_days=reader.days("RETENTION_DAYS", 30),
            metrics_token=metrics_token,
            # Production (sending for real) feeds a log collector; the embedded mode a person.
            log_format=reader.choice("LOG_FORMAT", "json" if sid and token else "text", ("json", "text")),
            templates_dir=reader.directory("TEMPLATES_DIR"),
            # On by itself only where no real Twilio credential is in sight: a real auth token
            # alone (no SID) is a staging set-up that real webhooks reach.
            simulator=(not sid and token in (None, EMBEDDED_TWILIO_TOKEN)) if simulator is None else simulator,
            auto_reply_limit=reader.whole("AUTO_REPLY_LIMIT", 5, 1, 50),
            held_texts_max=reader.whole("HELD_TEXTS_MAX", 5, 1, 50),
            held_characters_max=reader.whole("HELD_CHARACTERS_MAX", 1600, 160, 1600),
            which_case_per_hour=reader.whole("WHICH_CASE_PER_HOUR", 3, 1, 20),
        )


def _with_secret_files(env: dict[str, str]) -> dict[str, str]:
    for name in SECRET_NAMES:
        path = env.get(f"{name}_FILE")
        if not path:
            continue
        if env.get(name):
            raise ConfigError(f"{name}_FILE", f"set either {name} or {name}_FILE, not both")
        try:
            env[name] = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE", f"cannot read {path}: {exc.strerror}") from None
    return env


def _sqlalchemy_url(url: str) -> str:
    # Platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


MAX_DURATION = 366 * 86400
# Seconds a call may be limited to: a minute to say anything at all; Twilio's own ceiling is 4 h.
CALL_LIMITS = (60, 4 * 3600)
_DURATION = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(raw: str) -> int:
    """'1800', '30m', '2h' or '1h30m' to seconds; ValueError on anything else."""
    text = raw.strip().lower()
    if text.isdigit():
        return int(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(raw)
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


class _Reader:
    """Each method reads one variable and raises ConfigError naming it."""

    def __init__(self, env: Mapping[str, str]):
        self.env = env

    def optional(self, name: str) -> str | None:
        value = self.env.get(name, "").strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def list(self, name: str) -> tuple[str, ...]:
        raw = self.env.get(name, "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    def case_keys(self, name: str, embedded: bool) -> tuple[str, ...]:
        keys = self.list(name)
        for key in keys:
            if embedded and key == EMBEDDED_CASE_KEY:
                continue
            if len(key) < MIN_CASE_KEY_LENGTH or not key.isprintable() or any(ch.isspace() for ch in key):
                raise ConfigError(
                    name,
                    f"each key needs at least {MIN_CASE_KEY_LENGTH} random characters "
                    "without spaces; one is shorter or has spaces",
                )
        return keys

    def url(self, name: str, default: str | None) -> str | None:
        value = self.optional(name)
        if value is None:
            return default
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(name, f"expected an http(s) URL, got {value!r}")
        return value.rstrip("/")

    def directory(self, name: str) -> Path | None:
        value = self.optional(name)
        if value is None:
            return None
        if not Path(value).is_dir():
            raise ConfigError(name, f"{value!r} is not a directory")
        return Path(value)

    def boolean(self, name: str) -> bool | None:
        """1/0, true/false, yes/no or on/off; None when unset."""
        value = self.optional(name)
        if value is None:
            return None
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(name, f"expected 1 or 0 (or true/false, yes/no, on/off), got {value!r}")

    def duration(self, name: str, default: int) -> int:
        value = self.optional(name)
        if value is None:
            return default
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise ConfigError(name, f"expected seconds or a duration like 30m or 2h, got {value!r}") from None
        if seconds > MAX_DURATION:
            raise ConfigError(name, f"{value!r} is longer than a year; that cannot be meant")
        return seconds

    def duration_within(self, name: str, default: int, bounds: tuple[int, int]) -> int:
        seconds = self.duration(name, default)
        if not bounds[0] <= seconds <= bounds[1]:
            raise ConfigError(
                name, f"expected a duration from {bounds[0]} s to {bounds[1] // 3600} h, got {self.optional(name)!r}"
            )
        return seconds

    def seconds_float(self, name: str, default: float) -> float:
        value = self.optional(name)
        if value is None:
            return default
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= 60:
            raise ConfigError(name, f"expected seconds between 0 and 60, got {value!r}")
        return seconds

    def days(self, name: str, default: int) -> int:
        value = self.optional(name)
        if value is None:
            return default
        if not value.isdigit() or not 1 <= int(value) <= 3650:
            raise ConfigError(name, f"expected a whole number of days from 1 to 3650, got {value!r}")
        return int(value)

    def whole(self, name: str, default: int, lowest: int, highest: int) -> int:
        value = self.optional(name)
        if value is None:
            return default
        if not value.isdigit() or not lowest <= int(value) <= highest:
            raise ConfigError(name, f"expected a whole number from {lowest} to {highest}, got {value!r}")
        return int(value)

    def rate(self, name: str, default: float) -> float:
        value = self.optional(name)
        if value is None:
            return default
        try:
            rate = float(value)
        except ValueError:
            rate = -1.0
        if not 0 < rate <= 1000:
            raise ConfigError(
                name, f"expected message segments per second per number, above 0 and at most 1000, got {value!r}"
            )
        return rate

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = (self.optional(name) or default).lower()
        if value not in allowed:
            raise ConfigError(name, f"expected one of {', '.join(allowed)}, got {value!r}")
        return value

    def region(self, name: str, default: str) -> str:
        value = (self.optional(name) or default).upper()
        if value not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(name, f"unknown phone region {value!r}; use a code like NL or BE")
        return value

    def regions(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """'NL,BE,DE': each a region phonenumbers knows; never empty."""
        if self.optional(name) is None:
            return default
        regions = tuple(dict.fromkeys(part.upper() for part in self.list(name)))
        if not regions:
            raise ConfigError(name, "expected region codes like NL or NL,BE,DE")
        for region in regions:
            if region not in phonenumbers.SUPPORTED_REGIONS:
                raise ConfigError(name, f"unknown phone region {region!r}; use codes like NL,BE,DE")
        return regions

    def timezone(self, name: str, default: str) -> ZoneInfo:
        value = self.optional(name) or default
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(name, f"unknown time zone {value!r}") from None

    def quiet_hours(self, name: str, default: str) -> tuple[time, time] | None:
        value = self.env.get(name, default).strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", value)
        try:
            if not match:
                raise ValueError
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            start, end = time(h1, m1), time(h2, m2)
        except ValueError:
            raise ConfigError(name, f"expected HH:MM-HH:MM or empty, got {value!r}") from None
        if start == end:
            raise ConfigError(name, "start and end are equal; leave it empty to turn quiet hours off")
        return start, end

    def phone_list(self, name: str) -> tuple[str, ...]:
        numbers = []
        for raw in self.list(name):
            try:
                parsed = phonenumbers.parse(raw, None)
            except phonenumbers.NumberParseException:
                parsed = None
            e164 = parsed and phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            if not parsed or e164 != raw or not phonenumbers.is_valid_number(parsed):
                raise ConfigError(name, f"{raw!r} is not a valid E.164 number like +3197012345678")
            numbers.append(raw)
        if len(set(numbers)) != len(numbers):
            raise ConfigError(name, "lists a number twice")
        return tuple(numbers)

    def dialable(self, name: str) -> str | None:
        """A number people can dial, as they would write it: '14 030', '030 286 0000', '+31 30 286 0000'."""
        value = self.optional(name)
        if value is None:
            return None
        if not re.fullmatch(r"\+?[0-9][0-9 \-]{1,18}[0-9]", value):
            raise ConfigError(name, f"expected a phone number of digits, spaces and dashes, got {value!r}")
        return value

    def whsec(self, name: str) -> str | None:
        value = self.optional(name)
        if value is None:
            return None
        if not value.startswith("whsec_"):
            raise ConfigError(name, "expected a Standard Webhooks secret starting with whsec_")
        try:
            key = base64.b64decode(value[len("whsec_") :], validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) < 24:
            raise ConfigError(name, "expected whsec_ followed by base64 of at least 24 random bytes")
        return value
