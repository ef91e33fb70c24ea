"""`flask --app app embedded`: web and worker in one process on SQLite, texts printed.

A Flask CLI plugin (pyproject.toml's `flask.commands`), so Flask does not build app.py's
app first: the embedded mode builds the one app of its process, with its own defaults.
"""

from __future__ import annotations

import os

import click
from werkzeug.serving import WSGIRequestHandler, make_server

from gateway.core import migrate
from gateway.core.config import EMBEDDED_TWILIO_TOKEN
from gateway.core.env import EMBEDDED_CASE_KEY, format_duration
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
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. 0.0.0.0 lets other machines in: never do that on a network you do not trust, "
    "the simulator signs requests as Twilio would.",
)
@click.option(
    "--port",
    default=5000,
    type=int,
    show_default=True,
    help="Port to listen on. Another port than 5000 also becomes PUBLIC_BASE_URL (http://localhost:PORT), "
    "unless PUBLIC_BASE_URL is set.",
)
def embedded(host: str, port: int) -> None:
    """Web and worker in one process on SQLite, texts printed: for trying it out.

    Without a Twilio account nothing is sent: texts, calls and callbacks are printed to this
    output, and the phone simulator at /simulator plays the resident and the crew.
    """
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
    delay = format_duration(config.confirmation_delay)
    click.echo(f"  question to residents: {delay} after case.completed (CONFIRMATION_DELAY)")
    if config.simulator:
        # The simulator reaches the gateway over real HTTP, through this very server.
        self_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        app.config[SIMULATOR_SELF_URL] = f"http://{_in_url(self_host)}:{port}"
        click.echo(f"  phone simulator: {config.public_base_url}/simulator")
    # Flask's app.run() refuses to run inside a `flask` command, and werkzeug's run_simple logs its
    # own banner in ANSI colours through the `werkzeug` logger: the server is made here and the
    # banner is ours, in the same plain lines as the rest.
    server = make_server(host, port, app, threaded=True, request_handler=_NoAccessLog)
    click.echo(f"Running on http://{_in_url(host)}:{server.port} (CTRL+C to quit); a development server, to try it out")
    server.serve_forever()


def _in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host
