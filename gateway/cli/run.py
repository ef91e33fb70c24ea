"""Running it: `flask --app app db-upgrade | worker | embedded | twilio-signature`."""

from __future__ import annotations

import logging
import os

import click
from flask import Flask
from twilio.request_validator import RequestValidator
from werkzeug.serving import WSGIRequestHandler, run_simple

from gateway import create_app, log_configuration, migrate
from gateway.config import EMBEDDED_CASE_KEY, EMBEDDED_TWILIO_TOKEN
from gateway.runtime import runtime
from gateway.simulator.forward import SELF_URL as SIMULATOR_SELF_URL

log = logging.getLogger(__name__)

# The embedded default only: a machine without a Twilio account, trying it out.
EMBEDDED_DEFAULTS = {
    "CASE_API_KEYS": EMBEDDED_CASE_KEY,
    "TWILIO_AUTH_TOKEN": EMBEDDED_TWILIO_TOKEN,
    "CONFIRMATION_DELAY": "30s",
    "QUIET_HOURS": "",
}


class _NoAccessLog(WSGIRequestHandler):
    """werkzeug's own access line printed the query string unmasked (?From=%2B316...); the app
    logs each request itself (gateway/logs.py), with the path only and numbers masked."""

    def log_request(self, *_args, **_kwargs) -> None:
        pass


def register(app: Flask) -> None:
    @app.cli.command("db-upgrade")
    def db_upgrade():
        """Run the database migrations (the Procfile's release step)."""
        migrate.upgrade(runtime().db)
        click.echo("database is up to date")

    @app.cli.command("worker")
    def worker():
        """Fire timers and send queued texts and callbacks (the Procfile's worker)."""
        log_configuration(runtime().config)
        runtime().worker.run()

    @app.cli.command("embedded")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def embedded(host: str, port: int):
        """Web and worker in one process on SQLite, texts printed: for trying it out."""

        env = {**EMBEDDED_DEFAULTS, **os.environ}
        if "SQLITE" not in env.get("DATABASE_URL", "sqlite").upper():
            raise click.UsageError("the embedded mode runs on SQLite only; unset DATABASE_URL")
        if port != 5000:
            env.setdefault("PUBLIC_BASE_URL", f"http://localhost:{port}")
        app = create_app(env)
        rt = app.extensions["korte_lijn"]
        log_configuration(rt.config)
        migrate.upgrade(rt.db)
        rt.worker.start_in_background()
        config = rt.config
        click.echo(f"Korte Lijn embedded on {config.public_base_url}  database {config.database_url}")
        click.echo(f"  case API key: {env['CASE_API_KEYS']}   Twilio webhook token: {env['TWILIO_AUTH_TOKEN']}")
        click.echo(f"  proxy numbers: {', '.join(config.proxy_numbers)}")
        if config.simulator:
            # The simulator reaches the gateway over real HTTP, through this very server.
            self_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            app.config[SIMULATOR_SELF_URL] = f"http://{f'[{self_host}]' if ':' in self_host else self_host}:{port}"
            click.echo(f"  phone simulator: {config.public_base_url}/simulator")
        # Flask's app.run() refuses to run inside a `flask` command; werkzeug serves directly.
        run_simple(host, port, app, use_reloader=False, threaded=True, request_handler=_NoAccessLog)

    @app.cli.command("twilio-signature")
    @click.argument("path")
    @click.argument("params", nargs=-1)
    def twilio_signature(path: str, params: tuple[str, ...]):
        """Print the X-Twilio-Signature for POSTing PARAMS (Name=value ...) to PATH."""
        config = runtime().config
        token = config.twilio_auth_token or EMBEDDED_DEFAULTS["TWILIO_AUTH_TOKEN"]
        if any("=" not in param for param in params):
            raise click.BadParameter("each must be Name=value", param_hint="PARAMS")
        form = dict(param.split("=", 1) for param in params)
        click.echo(RequestValidator(token).compute_signature(config.public_base_url + path, form))
