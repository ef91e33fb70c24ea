"""What a resident's answer costs the database: at most eight statements and one commit.

The reply path once took twenty statements for the same work (bench/README.md). Each of these
is a count, not a timing: the whole flow runs (signature, reading, state change, timeline,
outbox rows, counters), and the database is asked no more than this.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from gateway.core.models import Case, InboundMessage, MetricCounter, OutboxMessage, TimelineEntry, Timer
from tests.conftest import ANNA

MOST_STATEMENTS = 8


def most_statements(runtime) -> int:
    # On SQLite the ORM inserts the thank-you text and the callback one by one: it cannot tell
    # which id RETURNING gave which row of one statement there. PostgreSQL, which the gateway
    # scales on, takes both in one INSERT.
    return MOST_STATEMENTS if runtime.db.is_postgres else MOST_STATEMENTS + 1


@pytest.fixture
def asked(question_open, fake_twilio):
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2  # the notice and the question
    return question_open


@pytest.fixture
def statements(runtime):
    """The statements (and commits) the gateway's engine runs while the test looks."""
    seen: list[str] = []
    commits: list[bool] = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (gateway/core/db.py) is no work
            seen.append(statement.split(None, 1)[0].upper() + " " + _table(statement))

    def on_commit(conn):
        commits.append(True)

    engine = runtime.db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    yield seen, commits
    event.remove(engine, "before_cursor_execute", on_statement)
    event.remove(engine, "commit", on_commit)


def _table(statement: str) -> str:
    words = statement.replace("(", " ").split()
    for keyword in ("INTO", "UPDATE", "FROM"):
        if keyword in words:
            return words[words.index(keyword) + 1]
    return "-"


@pytest.mark.parametrize(("answer", "state"), [("Ja", "confirmed"), ("Nee, het gat zit er nog", "reopened")])
def test_an_answer_is_at_most_eight_statements_and_one_commit(asked, twilio, statements, runtime, answer, state):
    seen, commits = statements
    assert twilio.text(ANNA, answer, to=asked).status_code == 200
    assert len(seen) <= most_statements(runtime), seen
    assert len(commits) == 1

    # ... and all the work was done in them.
    with runtime.db.transaction() as session:
        case = session.scalars(select(Case)).one()
        kinds = set(session.scalars(select(TimelineEntry.kind).where(TimelineEntry.case_pk == case.id)))
        pending = session.scalars(select(OutboxMessage.purpose).where(OutboxMessage.status == "pending")).all()
        timers = session.scalars(select(Timer.status).where(Timer.kind.in_(("remind", "time_out")))).all()
        inbound = session.scalars(select(InboundMessage.outcome)).all()
        replies = session.scalars(select(MetricCounter.labels).where(MetricCounter.name == "korte_lijn_replies")).all()
    assert case.status == state
    assert {"reply.read", "text.received", "text.queued", "callback.queued"} <= kinds
    assert sorted(pending) == sorted([f"case.{state}", "thanks_yes" if state == "confirmed" else "thanks_no"])
    assert set(timers) == {"cancelled"}
    assert inbound == [state]
    assert len(replies) == 1


def test_the_same_text_delivered_twice_is_read_once(asked, twilio, runtime):
    first = twilio.text(ANNA, "Ja", to=asked, sid="SM" + "d" * 32)
    again = twilio.text(ANNA, "Ja", to=asked, sid="SM" + "d" * 32)
    assert first.status_code == again.status_code == 200
    with runtime.db.transaction() as session:
        assert session.scalars(select(InboundMessage.outcome)).all() == ["confirmed"]
        thanks = session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == "thanks_yes")).all()
    assert len(thanks) == 1
