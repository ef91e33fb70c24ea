"""The proxy-number pool: `flask --app app pool list | pool check`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from gateway.cli.twilio import account_numbers_or_skip
from gateway.core.phones import mask
from gateway.core.pool_usage import pool_usage
from gateway.runtime import runtime

pool = AppGroup("pool", help="The proxy numbers (PROXY_NUMBERS) and who holds them.")


@pool.command("list")
def list_numbers() -> None:
    """Each proxy number with its open cases and leases, whether it is shared, and its busy participants."""
    rt = runtime()
    with rt.db.transaction() as session:
        usage = pool_usage(session, rt.config.proxy_numbers)
    click.echo(f"{'number':<16} {'cases':>5} {'leases':>6}  {'shared':<6}  busy participants")
    for number in usage.numbers:
        shared = "yes" if number.shared_by else "no"
        busy = ", ".join(f"{mask(phone)} ({usage.open_cases[phone]} cases)" for phone in usage.busy(number)) or "-"
        note = "" if number.configured else "   (not in PROXY_NUMBERS)"
        click.echo(f"{number.number:<16} {len(number.cases):>5} {number.leases:>6}  {shared:<6}  {busy}{note}")
    busiest = usage.busiest()
    if busiest:
        click.echo(f"busiest participant: {mask(busiest[0])} with {busiest[1]} open case(s)")


@pool.command("check")
def check() -> None:
    """Check the pool: every number is in the Twilio account, no open case holds a number
    that left PROXY_NUMBERS, and the pool is big enough for its busiest participant.

    PROXY_NUMBERS itself (E.164, no number twice) is checked at start-up: a bad list stops
    this command with the variable's name before it runs. Exits 1 on a problem.
    """
    rt = runtime()
    config = rt.config
    problems = []
    with rt.db.transaction() as session:
        usage = pool_usage(session, config.proxy_numbers)
    for number in usage.numbers:
        if not number.configured:
            problems.append(
                f"{number.number}: {len(number.cases)} open case(s) still use it, but it is not in "
                "PROXY_NUMBERS; keep it until they end"
            )
    owned = account_numbers_or_skip(config)
    if owned is not None:
        in_account = {number.phone_number for number in owned}
        problems += [
            f"{number}: is not a number of this Twilio account"
            for number in config.proxy_numbers
            if number not in in_account
        ]
    busiest = usage.busiest()
    if busiest and busiest[1] > len(config.proxy_numbers):
        click.echo(
            f"note: {mask(busiest[0])} has {busiest[1]} open cases and the pool {len(config.proxy_numbers)} "
            "numbers, so she shares one and is asked which case she means; more numbers avoid that"
        )
    for problem in problems:
        click.echo(f"problem: {problem}")
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in the proxy pool")
    click.echo(
        f"pool ok: {len(config.proxy_numbers)} number(s), all valid E.164 and different"
        + ("" if owned is None else ", all in the Twilio account")
    )


def register(app: Flask) -> None:
    app.cli.add_command(pool)
