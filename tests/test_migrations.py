"""The release step: Alembic's migrations build exactly the schema the models describe."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from gateway.core import migrate
from gateway.core.db import Base, Database

ROOT = Path(__file__).resolve().parent.parent


def schema_differences(db: Database) -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def head_revision(db: Database) -> str:
    return ScriptDirectory.from_config(migrate.alembic_config(db)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@pytest.fixture
def fresh_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture
def fresh_postgres():
    """An empty throwaway schema in the test database, so other tests' tables stay out of view."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL part: set TEST_DATABASE_URL to a postgresql+psycopg:// URL to run it")
    schema = "migration_" + uuid.uuid4().hex[:12]
    admin = Database(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    db = Database(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db(request):
    return request.getfixturevalue(f"fresh_{request.param.replace('postgresql', 'postgres')}")


def test_it_builds_exactly_the_models_schema_on_an_empty_database(fresh_db):
    assert inspect(fresh_db.engine).get_table_names() == []
    migrate.upgrade(fresh_db)
    assert set(inspect(fresh_db.engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    assert schema_differences(fresh_db) == []
    assert current_revision(fresh_db) == head_revision(fresh_db)

    # The comparison has teeth: a missing index is noticed.
    with fresh_db.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_outbox_due"))
    assert [diff[0] for diff in schema_differences(fresh_db)] == ["add_index"]


def test_it_upgrades_twice_without_harm_and_keeps_the_data(fresh_db):
    migrate.upgrade(fresh_db)
    with fresh_db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO processed_events (webhook_id, event_type, status_code, response, "
                "received_at) VALUES ('evt_1', 'case.dispatched', 202, '{}', '2026-11-27 12:00:00')"
            )
        )
    migrate.upgrade(fresh_db)
    with fresh_db.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM processed_events")) == 1


def test_it_downgrades_to_nothing_and_back_up(fresh_db):
    migrate.upgrade(fresh_db)
    command.downgrade(migrate.alembic_config(fresh_db), "base")
    assert set(inspect(fresh_db.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(fresh_db)
    assert schema_differences(fresh_db) == []


def release_step(database_url: str, **extra: str) -> subprocess.CompletedProcess:
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url,
        **extra,
    }
    return subprocess.run(
        "flask --app app db-upgrade", shell=True, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_release_command_migrates_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'release' / 'korte_lijn.sqlite3'}"
    first = release_step(url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "database is up to date" in first.stdout
    again = release_step(url)
    assert again.returncode == 0, again.stdout + again.stderr

    db = Database(url)
    try:
        assert schema_differences(db) == []
        assert current_revision(db) == head_revision(db)
    finally:
        db.dispose()


def test_the_release_command_stops_on_a_malformed_setting_and_names_it(tmp_path):
    # A typo in a deploy must fail the release, not the first resident's reply.
    url = f"sqlite:///{tmp_path / 'typo.sqlite3'}"
    result = release_step(url, CONFIRMATION_DELAY="half an hour")
    assert result.returncode != 0
    assert "CONFIRMATION_DELAY" in result.stderr
    assert not (tmp_path / "typo.sqlite3").exists()
