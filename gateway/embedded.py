"""`flask --app app embedded`: web and worker in one process on SQLite, texts printed.

A Flask CLI plugin (pyproject.toml's `flask.commands`), so Flask does not build app.py's
app first: the embedded mode builds the one app of its process, with its own defaults.
"""

from __future__ import annotations

import os

import click
from werkzeug.serving import WSGIRequestHandler, run_simple

from gateway.core import migrate
from gateway.core.config import EMBEDDED_TWILIO_TOKEN
from gateway.core.env import EMBEDDED_CASE_KEY
from gateway.factory import create_app
from gateway.runtime import Runtime
from gateway.simulator.forward import SELF_URL as SIMULATOR_SELF_URL
from gateway.startup import log_configuration

# The embedded default only: a machine without a Twilio account, trying it out.
EMBEDDED_DEFAULTS = {
    "CASE_API_KEYS": EMBEDDED_CASE_KEY,
    "TWILIO_AUTH_TOKEN": EMBEDDED_TWILIO_TOKEN,
    "CONFIRMATION_DELAY": "30s",
    "QUIET_HOURS": "",
}


class _NoAccessLog(WSGIRequestHandler):
    """werkzeug's own access line printed the query string unmasked (?From=%2B316...); the app
    logs each request itself (gateway/core/logs.py), with the path only and numbers masked."""

    def log_request(self, *_args: object, **_kwargs: object) -> None:
        pass


@click.command("embedded")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def embedded(host: str, port: int) -> None:
    """Web and worker in one process on SQLite, texts printed: for trying it out."""
    env = {**EMBEDDED_DEFAULTS, **os.environ}
    if "SQLITE" not in env.get("DATABASE_URL", "sqlite").upper():
        raise click.UsageError("the embedded mode runs on SQLite only; unset DATABASE_URL")
    if port != 5000:
        env.setdefault("PUBLIC_BASE_URL", f"http://localhost:{port}")
    app = create_app(env)
    rt: Runtime = app.extensions["korte_lijn"]
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
