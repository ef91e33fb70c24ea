"""Engine, sessions and the column types shared by the models."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, hands back aware UTC, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime; use gateway.core.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


CONNECT_TIMEOUT = 5


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 15})
        _serialise_sqlite_writers(engine)
        return engine
    # A worker's sending lanes each hold a connection only for a short transaction, so 15
    # serve them; more per process would crowd PostgreSQL's max_connections (100 by default)
    # once a few web and worker processes run.
    # A database host that does not answer at all costs a request (or a scrape) 5 s, not the
    # kernel's two minutes of TCP retries; a connect_timeout in DATABASE_URL wins.
    timeout = {} if "connect_timeout=" in url else {"connect_timeout": CONNECT_TIMEOUT}
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=timeout)


def _serialise_sqlite_writers(engine: Engine) -> None:
    # pysqlite starts transactions lazily, at the first write; a transaction that read
    # first then fails with "database is locked" when another process wrote meanwhile.
    # BEGIN IMMEDIATE takes the write lock up front, and busy_timeout makes others wait.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# What a transaction gathers and writes once, just before it commits: the timeline
# (gateway/core/effects.py) and the counters (gateway/core/counters.py). Written once, each
# is one multi-row statement however many entries the flow made.
AT_COMMIT = "korte_lijn_at_commit"
Gathered = TypeVar("Gathered")


def at_commit(
    session: Session, key: str, gather: Callable[[], Gathered], write: Callable[[Session, Gathered], None]
) -> Gathered:
    """This transaction's `key` buffer (made by `gather()` the first time), which
    `write(session, buffer)` writes just before the commit. A rollback drops it unwritten."""
    buffers = session.info.setdefault(AT_COMMIT, {})
    if key not in buffers:
        buffers[key] = (gather(), write)
    buffer: Gathered = buffers[key][0]
    return buffer


def gathered(session: Session, key: str) -> object | None:
    """This transaction's `key` buffer, if it has one (for a writer that must run early)."""
    found = session.info.get(AT_COMMIT, {}).get(key)
    return found[0] if found else None


def _write_at_commit(session: Session) -> None:
    buffers = session.info.get(AT_COMMIT, {})
    written: set[str] = set()
    while todo := [key for key in buffers if key not in written]:  # a write may gather more
        for key in todo:
            written.add(key)
            buffer, write = buffers[key]
            write(session, buffer)
    session.info.pop(AT_COMMIT, None)


def _drop_at_rollback(session: Session) -> None:
    session.info.pop(AT_COMMIT, None)


class Database:
    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # On this sessionmaker only: not on SQLAlchemy's Session class, which every app in
        # the process (and every library) shares, and not per session, which costs each request.
        event.listen(self.sessions, "before_commit", _write_at_commit)
        event.listen(self.sessions, "after_rollback", _drop_at_rollback)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
