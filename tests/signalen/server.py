"""The real Signalen, built by .ci/signalen, run for the tests on PostGIS with OIDC bearer auth.

`RealSignalen.start()` makes a fresh database (PostGIS, Signalen's 323 migrations, which also
seed the categories), the users the tests act as, and serves the API with gunicorn on a free
loopback port. Authentication is as in production: Signalen checks each bearer token against
the JWKS of `tests/fakes/oidc_issuer.py`. SIGNALS_AUTH_ALWAYS_OK is never set.

`stop()` and `start_serving()` stop and restart only the web server, for "Signalen is away".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import requests

from tests.fakes.oidc_issuer import FakeIssuer

ROOT = Path(__file__).resolve().parents[2]
HOME = Path(os.environ.get("SIGNALEN_HOME", ROOT / ".signalen"))
APP = HOME / "src" / "signals" / "app"
PYTHON = HOME / "venv" / "bin" / "python"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# One per test run: two runs at once (SQLite's and PostgreSQL's) each have their own Signalen.
DATABASE = f"korte_lijn_signalen_{os.getpid()}"

# Who the tests are in Signalen. The connector's account has what README's "Signalen" section
# asks for; the second lacks sia_can_view_contact_details and sees phones as *****.
STAFF = "medewerker@voorbeeldstad.nl"
CONNECTOR = "korte-lijn@voorbeeldstad.nl"
NO_CONTACT = "korte-lijn-zonder-contact@voorbeeldstad.nl"
CONNECTOR_PERMISSIONS = (
    "sia_read",
    "sia_write",
    "sia_can_view_all_categories",
    "sia_can_view_contact_details",
    "sia_signal_change_status",
    "sia_signal_create_note",
)

_SETUP_USERS = f"""
from django.contrib.auth.models import Permission, User
from signals.apps.signals.models import Department
User.objects.create_superuser({STAFF!r}, {STAFF!r}, None)
wanted = {CONNECTOR_PERMISSIONS!r}
without_contact = [p for p in wanted if p != "sia_can_view_contact_details"]
for name, perms in (({CONNECTOR!r}, wanted), ({NO_CONTACT!r}, without_contact)):
    user = User.objects.create_user(name, name, None)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
Department.objects.get_or_create(code="WEG", defaults={{"name": "Wegen", "is_intern": True}})
"""


def require_built() -> None:
    if PYTHON.exists() and (APP / "manage.py").exists():
        return
    message = f"needs the real Signalen built in {HOME} (bash .ci/signalen)"
    if os.environ.get("KORTE_LIJN_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; KORTE_LIJN_REQUIRE_TOOLS=1 says it must be there")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RealSignalen:
    issuer: FakeIssuer
    log_path: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        closed = "http://127.0.0.1:9/"
        return {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", "/tmp"),
            "DJANGO_SETTINGS_MODULE": "signals.settings",
            "SECRET_KEY": "korte-lijn-tests",
            "DJANGO_DEBUG": "False",
            "ALLOWED_HOSTS": "*",
            "SECURE_SSL_REDIRECT": "False",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "DATABASE_NAME": DATABASE,
            "DATABASE_USER": "signals",
            "DATABASE_PASSWORD": "signals",
            "DATABASE_HOST_OVERRIDE": "127.0.0.1",
            "DATABASE_PORT_OVERRIDE": "5432",
            "CELERY_TASK_ALWAYS_EAGER": "True",
            "CELERY_BROKER_URL": "memory://",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "ELASTICSEARCH_HOST": "127.0.0.1:9",
            "ELASTICSEARCH_TIMEOUT": "1",
            "PDOK_LOCATIESERVER_SUGGEST_ENDPOINT": closed,
            "SIGNALS_ML_TOOL_ENDPOINT": closed,
            "PUBLIC_THROTTLE_RATE": "10000/hour",
            "SILK_ENABLED": "False",
            "SIGNALS_AUTH_ALWAYS_OK": "False",
            "OIDC_OP_JWKS_ENDPOINT": self.issuer.jwks_url,
            "OIDC_OP_ISSUER": self.issuer.issuer,
            "OIDC_TRUSTED_AUDIENCES": '["signals"]',
        }

    def start(self) -> RealSignalen:
        self._fresh_database()
        self._manage("migrate", "--noinput")
        self._manage("createcachetable")
        self._manage("shell", "-c", _SETUP_USERS)
        self.start_serving()
        return self

    def start_serving(self) -> None:
        with self.log_path.open("ab") as log:  # the child keeps its own copy
            self.process = subprocess.Popen(
                [str(PYTHON), "-m", "gunicorn", "signals.wsgi:application", "--workers", "2", "--no-control-socket",
                 "--bind", f"127.0.0.1:{self.port}", "--timeout", "60"],
                cwd=APP, env=self.env(), stdout=log, stderr=log, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Signalen stopped at start; see {self.log_path}")
            try:
                if requests.get(self.url + "/status/health", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"Signalen did not answer within 60 s; see {self.log_path}")

    def stop(self) -> None:
        """Stops serving; the database stays, for start_serving()."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def remove(self) -> None:
        self.stop()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")

    def _manage(self, *args: str) -> None:
        with self.log_path.open("ab") as log:
            subprocess.run(
                [str(PYTHON), "manage.py", *args], cwd=APP, env=self.env(), stdout=log, stderr=log, check=True
            )

    def _fresh_database(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'signals'").fetchone():
                admin.execute("CREATE ROLE signals LOGIN PASSWORD 'signals'")
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {DATABASE} OWNER signals")
        with psycopg.connect(ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE, autocommit=True) as db:
            db.execute("CREATE EXTENSION postgis")
