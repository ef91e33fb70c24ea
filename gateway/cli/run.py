"""Running it: `flask --app app db-upgrade | worker | twilio-signature` (embedded: gateway/embedded.py)."""

from __future__ import annotations

import logging

import click
from flask import Flask
from twilio.request_validator import RequestValidator

from gateway.core import migrate
from gateway.core.config import EMBEDDED_TWILIO_TOKEN
from gateway.runtime import runtime
from gateway.startup import log_configuration

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade() -> None:
        """Run the database migrations (the Procfile's release step)."""
        migrate.upgrade(runtime().db)
        click.echo("database is up to date")

    @app.cli.command("worker")
    def worker() -> None:
        """Fire timers and send queued texts and callbacks (the Procfile's worker)."""
        log_configuration(runtime().config)
        runtime().worker.run()

    @app.cli.command("twilio-signature")
    @click.argument("path")
    @click.argument("params", nargs=-1)
    def twilio_signature(path: str, params: tuple[str, ...]) -> None:
        """Print the X-Twilio-Signature for POSTing PARAMS (Name=value ...) to PATH.

        Signed as Twilio signs, and as the gateway checks: with TWILIO_AUTH_TOKEN (unset: the
        embedded mode's dev-token) over PUBLIC_BASE_URL + PATH and the form. PATH is the path
        with its query string, if any (/twilio/status?o=12); PUBLIC_BASE_URL must be the one
        of the gateway that will check it.

        \b
        Example:
          flask --app app twilio-signature /twilio/sms From=+31612345678 To=+3197010000001 Body=Ja
        """
        config = runtime().config
        token = config.twilio_auth_token or EMBEDDED_TWILIO_TOKEN
        if any("=" not in param for param in params):
            raise click.BadParameter("each must be Name=value", param_hint="PARAMS")
        form = dict(param.split("=", 1) for param in params)
        click.echo(RequestValidator(token).compute_signature(config.public_base_url + path, form))
