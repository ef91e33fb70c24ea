"""Configuration, read once and strictly from the environment.

A malformed value stops start-up with a ConfigError that names the variable, so a
typo in a deploy is found at release time and not when the first resident replies.
Tests pass a plain mapping instead of the real environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from gateway.core.counters import LABEL_VALUE, MAX_CREW_LABELS
from gateway.core.env import (
    CALL_LIMITS,
    ConfigError,
    EnvReader,
    with_secret_files,
)
from gateway.core.gsm7 import is_gsm7
from gateway.core.signalen import settings as signalen_settings
from gateway.core.signalen.settings import SignalenSettings

SUPPORTED_LANGUAGES = ("nl", "en", "tr", "ar", "pl", "uk")


# Used only when no Twilio account is configured: texts are then printed, not sent,
# so these numbers never reach a real network.
EMBEDDED_PROXY_NUMBERS = ("+3197010000001", "+3197010000002", "+3197010000003")


# Without a Twilio account, WhatsApp is on too (printed, like texts), with the operator's file of
# placeholder templates, so the simulator can show it.
EMBEDDED_WHATSAPP_SENDER = "+3197010000009"
EMBEDDED_WHATSAPP_TEMPLATES = Path(__file__).resolve().parents[2] / "deploy" / "whatsapp_templates.toml"


# The embedded mode's stand-in webhook token (`flask --app app embedded`); never a real one.
EMBEDDED_TWILIO_TOKEN = "dev-token"


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
    # Crew teams (crew.id) counted under their own label in /metrics; all others as "other".
    metrics_crews: tuple[str, ...] = ()
    # "json": one JSON object per line (gateway/core/logs.py); "text": for a person at a terminal.
    log_format: str = "text"
    # A municipality's own texts per language; the app factory loads and checks them.
    templates_dir: Path | None = None
    # The E.164 WhatsApp sender registered in the Twilio account; None: no WhatsApp, and a
    # resident on `citizen.channel: whatsapp` gets texts (flows/dispatch.py notes it).
    whatsapp_sender: str | None = None
    # Its approved Content templates (flows/whatsapp_templates.py), checked by the app factory.
    whatsapp_templates_file: Path | None = None
    # The checked templates in force (flows/whatsapp_templates.py's Catalogue), put here by the app factory.
    whatsapp_templates: object = None
    # The app's texts in force (flows/messages.py's Texts), put here by the app factory: they
    # belong to one app, like its settings, and never to the process.
    texts: object = None
    # The phone simulator at /simulator (gateway/simulator/): on without a Twilio account.
    simulator: bool = False
    # Our own texts (re-ask, thanks, "forwarded", "which case?") to one person for one case in
    # 24 hours: a phone that answers by itself must not keep a conversation going (flows/limits.py).
    auto_reply_limit: int = 5
    # A text held on a shared number until she says which case: at most this many, this long.
    held_texts_max: int = 5
    held_characters_max: int = 1600
    which_case_per_hour: int = 3
    # The municipality's Signalen, polled by the `signalen` process and told of every callback.
    signalen: SignalenSettings | None = None

    @property
    def sends_for_real(self) -> bool:
        """Without a Twilio account, texts and calls are printed instead of sent."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, instance_path: str = "instance") -> Config:
        reader = EnvReader(with_secret_files(dict(os.environ if env is None else env)))
        sid = reader.optional("TWILIO_ACCOUNT_SID")
        token = reader.optional("TWILIO_AUTH_TOKEN")
        if sid and not token:
            raise ConfigError("TWILIO_AUTH_TOKEN", "is required when TWILIO_ACCOUNT_SID is set")
        default_db = "sqlite:///" + str(Path(instance_path).resolve() / "korte_lijn.sqlite3")
        proxy_numbers = _proxy_numbers(reader, sid)
        limits = _limits(reader)
        signalen = signalen_settings.read(reader, limits["default_region"], limits["allowed_regions"], proxy_numbers)
        return cls(
            database_url=_sqlalchemy_url(reader.text("DATABASE_URL", default_db)),
            twilio_account_sid=sid,
            twilio_auth_token=token,
            twilio_api_base_url=reader.url_or("TWILIO_API_BASE_URL", "https://api.twilio.com"),
            public_base_url=reader.url_or("PUBLIC_BASE_URL", "http://localhost:5000"),
            proxy_numbers=proxy_numbers,
            organisation_name=_organisation(reader),
            simulator=_simulator(reader, sid, token),
            # Production (sending for real) feeds a log collector; the embedded mode a person.
            log_format=reader.choice("LOG_FORMAT", "json" if sid and token else "text", ("json", "text")),
            templates_dir=reader.directory("TEMPLATES_DIR"),
            **_whatsapp(reader, sid),
            signalen=signalen,
            **_case_system(reader, sid, signalen is not None),
            **_timing(reader),
            **limits,
        )


def _whatsapp(reader: EnvReader, sid: str | None) -> dict[str, Any]:
    senders, templates = reader.phone_list("WHATSAPP_SENDER"), reader.file("WHATSAPP_TEMPLATES")
    if not sid and not senders and templates is None and EMBEDDED_WHATSAPP_TEMPLATES.is_file():
        return {"whatsapp_sender": EMBEDDED_WHATSAPP_SENDER, "whatsapp_templates_file": EMBEDDED_WHATSAPP_TEMPLATES}
    if len(senders) > 1:
        raise ConfigError("WHATSAPP_SENDER", "expected one number: WhatsApp has one business number")
    if senders and templates is None:
        raise ConfigError(
            "WHATSAPP_TEMPLATES", "is required when WHATSAPP_SENDER is set (see deploy/whatsapp_templates.toml)"
        )
    if templates is not None and not senders:
        raise ConfigError("WHATSAPP_TEMPLATES", "is set but WHATSAPP_SENDER is not: nothing would use it")
    return {"whatsapp_sender": senders[0] if senders else None, "whatsapp_templates_file": templates}


def _proxy_numbers(reader: EnvReader, sid: str | None) -> tuple[str, ...]:
    proxies = reader.phone_list("PROXY_NUMBERS")
    if proxies:
        return proxies
    if sid:
        raise ConfigError("PROXY_NUMBERS", "at least one number is required to send through Twilio")
    return EMBEDDED_PROXY_NUMBERS


def _organisation(reader: EnvReader) -> str:
    organisation = reader.text("ORGANISATION_NAME", "Gemeente Voorbeeldstad")
    if not is_gsm7(organisation):
        raise ConfigError("ORGANISATION_NAME", "must use GSM-7 characters only, or every text costs double")
    return organisation


def _case_system(reader: EnvReader, sid: str | None, signalen: bool) -> dict[str, Any]:
    """The case system's keys and callback, and the metrics token: who may talk to us, whom we tell.

    With Signalen as the case system, its connector brings the events and takes the callbacks,
    so neither CASE_API_KEYS nor CASE_CALLBACK_URL is needed (either may still be set)."""
    callback_url = reader.url("CASE_CALLBACK_URL", None)
    callback_secret = reader.whsec("CASE_CALLBACK_SECRET")
    if callback_url and not callback_secret:
        raise ConfigError("CASE_CALLBACK_SECRET", "is required when CASE_CALLBACK_URL is set")
    if sid and not callback_url and not signalen:
        raise ConfigError(
            "CASE_CALLBACK_URL",
            "is required when texts go out through Twilio (unless SIGNALEN_API_URL is set): "
            "without it a resident's NO would never reach the case system",
        )
    api_keys = reader.case_keys("CASE_API_KEYS", embedded=not sid)
    events_secret = reader.whsec("CASE_EVENTS_SECRET")
    if sid and not (api_keys or events_secret or signalen):
        raise ConfigError("CASE_API_KEYS", "set it (or CASE_EVENTS_SECRET) so the case system can send events")
    metrics_token = reader.optional("METRICS_TOKEN")
    if metrics_token and (len(metrics_token) < 16 or not metrics_token.isprintable() or " " in metrics_token):
        raise ConfigError("METRICS_TOKEN", "expected at least 16 random characters without spaces")
    return {
        "metrics_crews": _metrics_crews(reader),
        "case_api_keys": api_keys,
        "case_events_secret": events_secret,
        "case_callback_url": callback_url,
        "case_callback_secret": callback_secret,
        "metrics_token": metrics_token,
    }


def _metrics_crews(reader: EnvReader) -> tuple[str, ...]:
    crews = tuple(dict.fromkeys(crew.lower() for crew in reader.list("METRICS_CREWS")))
    for crew in crews:
        if not LABEL_VALUE.fullmatch(crew):
            raise ConfigError(
                "METRICS_CREWS", f"{crew!r} is not a crew id: letters, digits, '-', '_', '.' (40 at most)"
            )
    if len(crews) > MAX_CREW_LABELS:
        # Each crew multiplies the rows of three metrics; a team list, not every crew member.
        raise ConfigError("METRICS_CREWS", f"names {len(crews)} crews; at most {MAX_CREW_LABELS}")
    return crews


def _simulator(reader: EnvReader, sid: str | None, token: str | None) -> bool:
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
    # On by itself only where no real Twilio credential is in sight: a real auth token
    # alone (no SID) is a staging set-up that real webhooks reach.
    return (not sid and token in (None, EMBEDDED_TWILIO_TOKEN)) if simulator is None else simulator


def _timing(reader: EnvReader) -> dict[str, Any]:
    """When things happen: the question, reminders, quiet hours, calls, the worker's tick."""
    return {
        "confirmation_delay": reader.duration("CONFIRMATION_DELAY", 1800),
        "reminder_after": reader.duration("REMINDER_AFTER", 86400),
        "confirmation_timeout": reader.duration("CONFIRMATION_TIMEOUT", 259200),
        "reopen_window": reader.duration("REOPEN_WINDOW", 1209600),
        "quiet_hours": reader.quiet_hours("QUIET_HOURS", "21:00-08:00"),
        "timezone": reader.timezone("TIMEZONE", "Europe/Amsterdam"),
        "default_language": reader.choice("DEFAULT_LANGUAGE", "nl", SUPPORTED_LANGUAGES),
        "worker_poll_interval": reader.seconds_float("WORKER_POLL_INTERVAL", 0.5),
        "fallback_phone_number": reader.dialable("FALLBACK_PHONE_NUMBER"),
        "call_retry_after": reader.duration("CALL_RETRY_AFTER", 1800),
        "call_time_limit": reader.duration_within("CALL_TIME_LIMIT", 240, CALL_LIMITS),
        "dial_time_limit": reader.duration_within("DIAL_TIME_LIMIT", 1800, CALL_LIMITS),
        "session_grace": reader.duration("SESSION_GRACE", 7200),
        "retention_days": reader.days("RETENTION_DAYS", 30),
    }


def _limits(reader: EnvReader) -> dict[str, Any]:
    """What the gateway bounds itself: where it sends, how much, how fast."""
    return {
        "default_region": reader.region("DEFAULT_REGION", "NL"),
        "allowed_regions": reader.regions("ALLOWED_REGIONS", ("NL",)),
        "recipient_daily_limit": reader.whole("RECIPIENT_DAILY_LIMIT", 20, 1, 1000),
        "sender_mps": reader.rate("SENDER_MPS", 10.0),
        "send_concurrency": reader.whole("SEND_CONCURRENCY", 8, 1, 64),
        "auto_reply_limit": reader.whole("AUTO_REPLY_LIMIT", 5, 1, 50),
        "held_texts_max": reader.whole("HELD_TEXTS_MAX", 5, 1, 50),
        "held_characters_max": reader.whole("HELD_CHARACTERS_MAX", 1600, 160, 1600),
        "which_case_per_hour": reader.whole("WHICH_CASE_PER_HOUR", 3, 1, 20),
    }


def _sqlalchemy_url(url: str) -> str:
    # Platforms hand out postgres:// URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
