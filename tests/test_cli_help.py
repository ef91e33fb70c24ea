"""`--help` of the commands a newcomer runs first: the embedded mode, and signing a webhook by hand."""

from __future__ import annotations

import re
from importlib.metadata import entry_points

from click.testing import CliRunner


def option_help(text: str, option: str) -> str:
    """The words beside `option` in a click help page, its wrapped lines joined."""
    match = re.search(rf"^  {option} \S+\s+(.*?)(?=^  -|\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, text
    return " ".join(match.group(1).split())


def test_embedded_help_describes_host_and_port():
    # The plugin `flask --app app embedded` finds (pyproject.toml's flask.commands).
    [embedded] = entry_points(group="flask.commands", name="embedded")
    result = CliRunner().invoke(embedded.load(), ["--help"], prog_name="flask embedded")
    assert result.exit_code == 0, result.output
    host, port = option_help(result.output, "--host"), option_help(result.output, "--port")
    assert "127.0.0.1" in host and "0.0.0.0" in host
    assert "5000" in port and "PUBLIC_BASE_URL" in port


def test_twilio_signature_help_names_the_token_and_the_base_url_it_signs_with(cli):
    result = cli("twilio-signature", "--help")
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "TWILIO_AUTH_TOKEN" in words and "dev-token" in words
    assert "PUBLIC_BASE_URL + PATH" in words
