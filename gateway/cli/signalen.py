"""`flask --app app signalen run | check`: the Signalen connector (gateway/signalen/)."""

from __future__ import annotations

import signal
import sys
import threading

import click
from flask import Flask

from gateway.runtime import runtime
from gateway.signalen import check as checks
from gateway.signalen import process
from gateway.startup import log_configuration


def register(app: Flask) -> None:
    @app.cli.group("signalen")
    def group() -> None:
        """The Signalen connector (README: Signalen)."""

    @group.command("run")
    def run() -> None:
        """Poll Signalen and take its changes in (the Procfile's signalen process)."""
        config = runtime().config
        log_configuration(config)
        stop = threading.Event()
        # Finish the change in hand on SIGTERM; its transaction makes a hard kill safe too.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        process.run(runtime().db, config, stop)

    @group.command("check")
    def check() -> None:
        """Test SIGNALEN_* against the live Signalen: the token, the permissions and the crews file."""
        settings = runtime().config.signalen
        if settings is None:
            raise click.ClickException("SIGNALEN_API_URL is not set")
        ok = True
        for good, line in checks.check(settings):
            ok = ok and good
            click.echo(("ok    " if good else "FAIL  ") + line)
        if not ok:
            sys.exit(1)
