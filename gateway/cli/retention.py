"""`flask --app app purge`: the nightly retention run, on demand."""

from __future__ import annotations

import click
from flask import Flask

from gateway.core import retention
from gateway.core.db import utcnow
from gateway.runtime import runtime


def register(app: Flask) -> None:
    @app.cli.command("purge")
    def purge() -> None:
        """Remove personal data of cases that ended more than RETENTION_DAYS ago (also run nightly)."""
        rt = runtime()
        now, days = utcnow(), rt.config.retention_days
        # click draws the bar on a terminal only; in a pipe or a cron mail it stays quiet.
        with click.progressbar(
            length=retention.due(rt.db, days, now), label="removing personal data", show_pos=True
        ) as bar:
            removed = retention.purge(rt.db, days, now, progress=bar.update)
        click.echo(f"personal data of {removed} case(s) removed (retention {days} days)")
