"""SIGNALEN_* settings and the crews file, read strictly like every other setting.

With SIGNALEN_API_URL set, the `signalen` process polls that Signalen, and the gateway's
callbacks are written back to it (gateway/core/signalen/writeback.py).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from gateway.core.destinations import refusal
from gateway.core.env import ConfigError, EnvReader
from gateway.core.phones import InvalidPhoneNumber, mask, normalise

# Signalen's state codes (signals/apps/signals/workflow.py), for SIGNALEN_DISPATCH_STATE.
STATES = (
    "m", "i", "b", "h", "ingepland", "o", "a", "reopened", "closure requested", "reopen requested",
    "reaction requested", "reaction received", "forward to external",
)  # fmt: skip
COMPLETED_STATE = "o"  # afgehandeld
CANCELLED_STATE = "a"  # geannuleerd
REOPEN_STATES = ("reopened", "reopen requested")
DEFAULT_CREW = "default"


@dataclass(frozen=True)
class CrewEntry:
    id: str
    name: str
    phone: str
    language: str | None = None


@dataclass(frozen=True)
class SignalenSettings:
    api_url: str
    token_url: str
    client_id: str
    client_secret: str
    poll_interval: int
    dispatch_state: str
    reopen_state: str
    crews_file: Path
    crews: dict[str, CrewEntry]

    def crew_for(self, keys: Collection[str | None]) -> tuple[str, CrewEntry] | None:
        """The first of `keys` the crews file names (case-insensitively), else its default."""
        for key in [*keys, DEFAULT_CREW]:
            if key and key.lower() in self.crews:
                return key.lower(), self.crews[key.lower()]
        return None


def read(
    reader: EnvReader, region: str, allowed_regions: Collection[str], own: Collection[str]
) -> SignalenSettings | None:
    names = ("SIGNALEN_TOKEN_URL", "SIGNALEN_CLIENT_ID", "SIGNALEN_CLIENT_SECRET", "SIGNALEN_CREWS")
    api_url = reader.url("SIGNALEN_API_URL", None)
    if api_url is None:
        for name in (*names, "SIGNALEN_POLL_INTERVAL", "SIGNALEN_DISPATCH_STATE", "SIGNALEN_REOPEN_STATE"):
            if reader.optional(name):
                raise ConfigError(name, "is set but SIGNALEN_API_URL is not: nothing would use it")
        return None
    for name in names:
        if not reader.optional(name):
            raise ConfigError(name, "is required when SIGNALEN_API_URL is set")
    crews_file = reader.file("SIGNALEN_CREWS")
    assert crews_file is not None  # required above
    interval = reader.duration("SIGNALEN_POLL_INTERVAL", 30)
    if not 1 <= interval <= 3600:
        raise ConfigError(
            "SIGNALEN_POLL_INTERVAL", f"expected 1 s to 1 h, got {reader.optional('SIGNALEN_POLL_INTERVAL')!r}"
        )
    dispatch_state = reader.optional("SIGNALEN_DISPATCH_STATE") or "ingepland"
    if dispatch_state not in STATES or dispatch_state in (COMPLETED_STATE, CANCELLED_STATE, *REOPEN_STATES):
        raise ConfigError(
            "SIGNALEN_DISPATCH_STATE",
            f"expected a Signalen state code for 'a crew is planned' such as ingepland or b, got {dispatch_state!r}",
        )
    reopen_state = reader.optional("SIGNALEN_REOPEN_STATE") or "reopened"
    if reopen_state not in REOPEN_STATES:
        raise ConfigError("SIGNALEN_REOPEN_STATE", f"expected reopened or reopen requested, got {reopen_state!r}")
    return SignalenSettings(
        api_url=api_url,
        token_url=reader.url("SIGNALEN_TOKEN_URL", None) or "",
        client_id=reader.text("SIGNALEN_CLIENT_ID", ""),
        client_secret=reader.text("SIGNALEN_CLIENT_SECRET", ""),
        poll_interval=interval,
        dispatch_state=dispatch_state,
        reopen_state=reopen_state,
        crews_file=crews_file,
        crews=read_crews(crews_file, region, allowed_regions, own),
    )


def read_crews(path: Path, region: str, allowed_regions: Collection[str], own: Collection[str]) -> dict[str, CrewEntry]:
    """[crews."<key>"] tables with id, name and phone (and a language, if not the default)."""

    def wrong(problem: str) -> ConfigError:
        return ConfigError("SIGNALEN_CREWS", f"{path}: {problem}")

    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise wrong(f"cannot be read as TOML: {exc}") from None
    tables = document.get("crews")
    if not isinstance(tables, dict) or not tables:
        raise wrong('expected [crews."<key>"] tables with id, name and phone')
    crews: dict[str, CrewEntry] = {}
    for key, table in tables.items():
        if not isinstance(table, dict):
            raise wrong(f'crews."{key}" is not a table')
        unknown = set(table) - {"id", "name", "phone", "language"}
        if unknown:
            raise wrong(f'crews."{key}" has unknown field(s) {", ".join(sorted(unknown))}')
        for field in ("id", "name", "phone"):
            value = table.get(field)
            if not isinstance(value, str) or not value.strip() or len(value) > (20 if field == "phone" else 100):
                raise wrong(f'crews."{key}".{field} must be a non-empty text')
        try:
            phone = normalise(table["phone"], region)
        except InvalidPhoneNumber as exc:
            raise wrong(f'crews."{key}".phone: {exc}') from None
        refused = refusal(phone, allowed_regions, own)
        if refused:
            raise wrong(f'crews."{key}".phone: {mask(phone)} {refused}')
        language = table.get("language")
        if language is not None and not isinstance(language, str):
            raise wrong(f'crews."{key}".language must be a language code like nl')
        if key.lower() in crews:
            raise wrong(f'crews."{key}" is named twice (keys are compared without case)')
        crews[key.lower()] = CrewEntry(table["id"].strip(), table["name"].strip(), phone, language)
    return crews
