"""Helpers for the tests of PostgreSQL's row locks (tests/test_lock_order.py, test_pool_concurrency.py).

Their second connection, the `flow` fixture, is in tests/conftest.py.
"""

from __future__ import annotations

import os
import threading
import time

import pytest

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")
ON_POSTGRES_ONLY = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks are PostgreSQL's: set TEST_DATABASE_URL=postgresql+psycopg://... to run these"
)


def someone_waits_for_a_lock(flow) -> bool:
    waiting = flow.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    ).fetchone()[0]
    return waiting > 0


def wait_until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.02)


def in_background(work) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def run():
        try:
            result["value"] = work()
        except BaseException as exc:  # handed to the test, which fails on it
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result
