"""What texts cost, and a test text: `flask --app app texts | send-test-text NUMBER`."""

from __future__ import annotations

import click
from flask import Flask

from flows import messages
from gateway.core.destinations import refusal
from gateway.core.gsm7 import segments
from gateway.core.phones import InvalidPhoneNumber, is_landline, mask, normalise
from gateway.core.rate import SenderRate
from gateway.core.transport import TransportError
from gateway.core.twilio_transport import make_transport
from gateway.runtime import runtime


def register(app: Flask) -> None:
    @app.cli.command("texts")
    def texts() -> None:
        """Print what each text costs in SMS segments, with long sample values, against its budget.

        * marks a text from TEMPLATES_DIR; GSM-7 has 160 characters a segment, UCS-2 70."""
        in_force = messages.texts(runtime().config)
        for language in messages.LANGUAGES:
            own = in_force.overridden(language)
            for cost in in_force.costs(language):
                key = cost.key + ("*" if cost.key in own else "")
                charset = "GSM-7" if cost.gsm7 else "UCS-2"
                verdict = "OVER BUDGET" if cost.over else "ok"
                click.echo(
                    f"{language}  {key:<18} {cost.characters:>4} chars  {charset}  "
                    f"{cost.segments} of {cost.budget} segment(s)  {verdict}"
                )

    @app.cli.command("send-test-text")
    @click.argument("number")
    @click.option("--from", "sender", metavar="PROXY_NUMBER", help="One of PROXY_NUMBERS (default: the first).")
    @click.option("--language", type=click.Choice(messages.LANGUAGES), help="Default: DEFAULT_LANGUAGE.")
    def send_test_text(number: str, sender: str | None, language: str | None) -> None:
        """Text NUMBER a test message that names ORGANISATION_NAME, from a proxy number.

        It goes straight through the Twilio adapter, not the outbox: you see Twilio's
        answer (or refusal) here and now, with no worker running, and a probe that is
        no case's business leaves no row behind. It does take its turn under SENDER_MPS.
        """
        rt = runtime()
        config = rt.config
        try:
            # As the events API reads a resident's number; the error never repeats what was typed.
            number = normalise(number, config.default_region)
        except InvalidPhoneNumber as exc:
            raise click.BadParameter(str(exc), param_hint="NUMBER") from None
        sender = sender or config.proxy_numbers[0]
        if sender not in config.proxy_numbers:
            raise click.BadParameter("is not one of PROXY_NUMBERS", param_hint="--from")
        refused = refusal(number, config.allowed_regions, config.proxy_numbers)
        if refused:
            raise click.BadParameter(f"{mask(number)} {refused}", param_hint="NUMBER")
        if is_landline(number):
            raise click.BadParameter(f"{mask(number)} is a landline, which cannot receive texts", param_hint="NUMBER")
        body = messages.texts(config).render(
            language or config.default_language, "test_text", org=config.organisation_name
        )
        if not SenderRate(rt.db, config.sender_mps).wait_for_turn(sender, segments(body), patience=10):
            raise click.ClickException(f"{sender} is busy sending at SENDER_MPS; try again in a minute")
        try:
            sid = make_transport(config).send_text(to=number, from_=sender, body=body, status_callback=None)
        except TransportError as exc:
            raise click.ClickException(f"the test text to {mask(number)} was not sent: {exc}") from None
        how = "sent" if config.sends_for_real else "printed to the log, not sent (no Twilio account)"
        click.echo(f"test text {how}: from {sender} to {mask(number)}, {sid}")
        click.echo(body)
