"""`flask --app app twilio check`: is the Twilio account set up for this gateway?"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from gateway.core import twilio_setup
from gateway.core.config import Config
from gateway.core.transport import TransportError
from gateway.core.twilio_transport import AccountNumber, TwilioTransport
from gateway.runtime import runtime

twilio = AppGroup("twilio", help="The Twilio account behind the proxy numbers.")


def account_numbers_or_skip(config: Config) -> list[AccountNumber] | None:
    """The account's numbers; None, after saying why, when there is no account to ask."""
    if not config.sends_for_real:
        click.echo("Twilio check skipped: no TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN (embedded mode, texts are printed)")
        return None
    try:
        return TwilioTransport(config).account_numbers()
    except TransportError as exc:
        if exc.code is None:  # no answer at all: offline, or a firewall in between
            click.echo(f"Twilio check skipped: {config.twilio_api_base_url} cannot be reached ({exc})")
            return None
        hint = "; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN" if exc.code in ("401", "403", "20003") else ""
        raise click.ClickException(f"Twilio would not list the account's numbers: {exc}{hint}") from None


@twilio.command("check")
def check() -> None:
    """Check every proxy number against the Twilio account: it exists, can text and be called,
    and its SMS and voice webhooks POST to PUBLIC_BASE_URL/twilio/sms and /twilio/voice.

    Exits 1 and names each mismatch. Skipped (exit 0) without Twilio credentials or when
    Twilio cannot be reached.
    """
    config = runtime().config
    owned = account_numbers_or_skip(config)
    if owned is None:
        return
    problems = twilio_setup.problems(config, owned)
    for problem in problems:
        click.echo(f"problem: {problem}")
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the Twilio setup")
    click.echo(f"Twilio setup ok: {len(config.proxy_numbers)} proxy number(s) point at {config.public_base_url}")


def register(app: Flask) -> None:
    app.cli.add_command(twilio)
