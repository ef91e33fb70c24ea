"""Callbacks to the case system: `flask --app app callbacks-enable | callbacks redeliver`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import delete, update
from sqlalchemy.engine import CursorResult

from gateway.core import redelivery
from gateway.core.db import utcnow
from gateway.core.env import parse_duration
from gateway.core.models import DisabledEndpoint, OutboxMessage
from gateway.core.names import Channel, OutboxStatus
from gateway.core.phones import mask_numbers_in
from gateway.core.schemas import CASE_ID
from gateway.runtime import runtime

BATCH = 100
callbacks = AppGroup("callbacks", help="Callbacks to the case system (CASE_CALLBACK_URL).")


class Since(click.ParamType):
    """A moment: an ISO date or date-time, or a duration ago such as 2d or 36h. (A moment that names
    no zone is read in TIMEZONE by the command: the app is not loaded yet while options are parsed.)"""

    name = "moment"

    def convert(self, value: str | datetime, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return utcnow() - timedelta(seconds=parse_duration(value))
        except (ValueError, OverflowError):  # not a duration, or one reaching before year 1
            pass
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            self.fail(
                "expected a date (2026-11-28), a date and time (2026-11-28T10:00) or a duration ago (2d)", param, ctx
            )
        return moment


@callbacks.command("enable")
def enable() -> None:
    """Send callbacks again after the case system answered 410 Gone; held ones go first."""
    rt = runtime()
    with rt.db.transaction() as session:
        gone: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # a DELETE's result has rowcount
            delete(DisabledEndpoint).where(DisabledEndpoint.url == rt.config.case_callback_url)
        )
        held: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # as has an UPDATE's
            update(OutboxMessage)
            .where(OutboxMessage.channel == Channel.CALLBACK, OutboxMessage.status == OutboxStatus.PENDING)
            .values(due_at=utcnow())
        )
    if gone.rowcount:
        click.echo(f"callbacks to {rt.config.case_callback_url} enabled; {held.rowcount} held callback(s) due now")
    else:
        click.echo("callbacks were not disabled")


@callbacks.command("redeliver")
@click.option("--case", "case_id", metavar="CASE_ID", help="Only this case's callbacks.")
@click.option("--since", type=Since(), help="Only callbacks queued at or after this moment (2026-11-28, 2d).")
@click.option("--dry-run", is_flag=True, help="List what would be redelivered; change nothing.")
def redeliver(case_id: str | None, since: datetime | None, dry_run: bool) -> None:
    """Put callbacks the worker gave up on back in the outbox, with their ORIGINAL webhook-id.

    The running worker sends them with the full retry schedule; the case system can drop
    one it did receive after all by its webhook-id. Callbacks held after a 410 Gone are not
    failed ones: `callbacks-enable` releases them, and redelivered ones wait for it too.
    """
    rt = runtime()
    url = rt.config.case_callback_url
    if not url:
        raise click.ClickException("CASE_CALLBACK_URL is not set: there is nowhere to redeliver to")
    if case_id is not None and not CASE_ID.fullmatch(case_id):
        raise click.BadParameter("is not a case_id", param_hint="--case")
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=rt.config.timezone)
    failed = redelivery.failed_callbacks(rt.db, case_id, since)
    if dry_run:
        for callback in failed:
            click.echo(
                f"{callback.id:>8}  {callback.case_id or '-'}  {callback.type}  {callback.webhook_id}  "
                f"{callback.attempts} attempt(s)  {mask_numbers_in(callback.last_error or '')}"
            )
        click.echo(f"dry run: {len(failed)} failed callback(s) would be redelivered; nothing changed")
    else:
        done = 0
        with click.progressbar(length=len(failed), label="redelivering callbacks", show_pos=True) as bar:
            for start in range(0, len(failed), BATCH):
                batch = [callback.id for callback in failed[start : start + BATCH]]
                done += redelivery.requeue(rt.db, rt.config, batch)
                bar.update(len(batch))
        click.echo(f"{done} failed callback(s) back in the outbox, due now; the worker sends them")
    with rt.db.transaction() as session:
        disabled = session.get(DisabledEndpoint, url)
        if disabled is not None and failed:
            click.echo(
                f"warning: {url} answered 410 Gone on {disabled.at:%Y-%m-%d %H:%M} UTC, so every callback "
                "is on hold: run `flask --app app callbacks-enable` once it is fixed",
                err=True,
            )


def register(app: Flask) -> None:
    # The older spelling, named in the worker's CRITICAL log line and in runbooks.
    app.cli.add_command(enable, "callbacks-enable")
    app.cli.add_command(callbacks)
