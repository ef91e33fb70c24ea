"""`flask --app app signalen check` against the live Signalen: the token, the permissions, the crews."""

from __future__ import annotations

import os
import subprocess

from tests.processes import FLASK, ROOT
from tests.signalen.conftest import NO_CONTACT_CLIENT


def check(settings: dict[str, str], **changes: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "CASE_", "SIGNALEN_"))}
    return subprocess.run(
        [FLASK, "--app", "app", "signalen", "check"],
        cwd=ROOT, env={**env, **settings, **changes}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_it_passes_with_the_connectors_account(connector_settings):
    done = check(connector_settings)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok    permission sia_can_view_contact_details" in done.stdout
    assert "crew for 'default': ploeg-noord" in done.stdout
    assert "87654321" not in done.stdout  # the crew's number, masked


def test_it_names_the_missing_contact_details_permission(connector_settings):
    done = check(connector_settings, SIGNALEN_CLIENT_ID=NO_CONTACT_CLIENT)
    assert done.returncode == 1
    assert "FAIL  permission sia_can_view_contact_details" in done.stdout and "MISSING" in done.stdout


def test_it_fails_on_a_wrong_client_secret(connector_settings):
    done = check(connector_settings, SIGNALEN_CLIENT_SECRET="verkeerd-geheim")
    assert done.returncode == 1
    assert "FAIL  token from" in done.stdout and "refused" in done.stdout
    assert "verkeerd-geheim" not in done.stdout + done.stderr


def test_without_signalen_it_says_so(settings):
    done = check(settings)
    assert done.returncode == 1 and "SIGNALEN_API_URL is not set" in done.stderr
