"""`flask --app app case show CASE_ID`: a case and its timeline, as GET /v1/cases/<id> shows it."""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from gateway.core.models import Case
from gateway.core.phones import mask_numbers_in
from gateway.core.schemas import CASE_ID
from gateway.http.cases import case_document
from gateway.runtime import runtime

case = AppGroup("case", help="Look at one case.")


@case.command("show")
@click.argument("case_id")
@click.option("--json", "as_json", is_flag=True, help="The JSON that GET /v1/cases/<case_id> answers.")
def show(case_id: str, as_json: bool) -> None:
    """Show CASE_ID with its timeline; phone numbers masked, as in the API."""
    if not CASE_ID.fullmatch(case_id):
        raise click.BadParameter("is not a case_id (letters, digits and ._:- up to 100)", param_hint="CASE_ID")
    with runtime().db.transaction() as session:
        found = session.scalar(select(Case).where(Case.case_id == case_id))
        if found is None:
            raise click.ClickException(f"no case with case_id {case_id!r}")
        document = case_document(found)
    # Message bodies on the timeline are people's own words, which may hold a phone number.
    document["timeline"] = [_masked(entry) for entry in document["timeline"]]
    if as_json:
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    citizen, crew = document["citizen"], document["crew"]
    click.echo(f"case {document['case_id']} ({document['reference']}), {document['address']}")
    click.echo(f"  status {document['status']}, round {document['round']}, proxy number {document['proxy_number']}")
    click.echo(f"  citizen {citizen['phone']} {citizen['name'] or ''} ({citizen['language']})")
    click.echo(f"  crew {crew['id']} {crew['phone']} {crew['name'] or ''} ({crew['language']})")
    for moment in ("eta", "completed_at", "reopen_until"):
        if document[moment]:
            click.echo(f"  {moment.replace('_', ' ')} {document[moment]}")
    click.echo("timeline:")
    for entry in document["timeline"]:
        click.echo(f"  {entry['at']}  {entry['kind']:<24} {entry['summary']}")


def _masked(entry: dict) -> dict:
    data = {key: mask_numbers_in(value) if isinstance(value, str) else value for key, value in entry["data"].items()}
    return {**entry, "summary": mask_numbers_in(entry["summary"]), "data": data}


def register(app: Flask) -> None:
    app.cli.add_command(case)
