"""Reading one environment variable at a time, strictly.

Each EnvReader method reads one variable and raises ConfigError naming it, so a typo in a
deploy stops start-up with a message and not the first resident's reply (gateway/core/config.py).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from datetime import time
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

# Secrets may come from NAME_FILE (Docker/Kubernetes secrets) instead of NAME.
SECRET_NAMES = (
    "DATABASE_URL",
    "TWILIO_AUTH_TOKEN",
    "CASE_API_KEYS",
    "CASE_EVENTS_SECRET",
    "CASE_CALLBACK_SECRET",
    "METRICS_TOKEN",
    "SIGNALEN_CLIENT_SECRET",
)

# Its case API key: short and public, so accepted only where nothing goes out through Twilio.
EMBEDDED_CASE_KEY = "dev-key"
# A bearer key anyone could guess in a few tries is no key; 16 characters rule out words and PINs.
MIN_CASE_KEY_LENGTH = 16


class ConfigError(ValueError):
    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name = name


def with_secret_files(env: dict[str, str]) -> dict[str, str]:
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


def format_duration(seconds: int) -> str:
    """The other way: 1800 to '30m', 5400 to '1h30m', 30 to '30s', as a setting would be written."""
    parts = []
    for unit, size in sorted(_UNIT_SECONDS.items(), key=lambda item: -item[1]):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


class EnvReader:
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

    def url_or(self, name: str, default: str) -> str:
        return self.url(name, None) or default

    def directory(self, name: str) -> Path | None:
        return self._existing(name, Path.is_dir, "a directory")

    def file(self, name: str) -> Path | None:
        return self._existing(name, Path.is_file, "a file")

    def _existing(self, name: str, is_kind: Callable[[Path], bool], kind: str) -> Path | None:
        value = self.optional(name)
        if value is None:
            return None
        if not is_kind(Path(value)):
            raise ConfigError(name, f"{value!r} is not {kind}")
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
