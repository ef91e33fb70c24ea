"""The poller's reading of Signalen's changes, in process, against a Signalen on loopback that
answers what each test puts there: the cursor, its inclusive bound, the lease, bad documents."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.core.models import Case, SignalenCursor
from gateway.core.signalen.client import SignalenClient, SignalenError
from gateway.core.signalen.cursor import Cursor, cursor_name
from gateway.core.signalen.signals import MalformedSignal
from gateway.signalen.poller import Outcome, Poller
from tests.conftest import ANNA
from tests.fakes.hostile_signalen import reply
from tests.signalen.conftest import SIGNAL

LIST = "/signals/v1/private/signals/"


@pytest.fixture
def settings(settings, hostile, crews_file):
    return {
        **settings,
        "SIGNALEN_API_URL": hostile.url,
        "SIGNALEN_TOKEN_URL": hostile.url + "/token",
        "SIGNALEN_CLIENT_ID": "korte-lijn",
        "SIGNALEN_CLIENT_SECRET": "geheim",
        "SIGNALEN_CREWS": str(crews_file),
    }


def signal(signal_id: int, updated_at: str, state: str = "ingepland", phone: str = ANNA.national) -> dict:
    document = copy.deepcopy(SIGNAL)
    document.update(id=signal_id, id_display=f"SIG-{signal_id}", updated_at=updated_at)
    document["status"].update(state=state, created_at=updated_at)
    document["reporter"]["phone"] = phone
    return document


def poller(app, holder: str = "test:1") -> Poller:
    runtime = app.extensions["korte_lijn"]
    settings = runtime.config.signalen
    cursor = Cursor(runtime.db, cursor_name(settings.api_url), holder, timedelta(seconds=60))
    return Poller(runtime.db, runtime.config, SignalenClient(settings), cursor)


def page(*signals: dict):
    return reply(200, {"results": list(signals)})


def cases(app) -> list[str]:
    with app.extensions["korte_lijn"].db.transaction() as session:
        return sorted(session.scalars(select(Case.case_id)))


def cursor_row(app) -> SignalenCursor:
    with app.extensions["korte_lijn"].db.transaction() as session:
        [row] = session.scalars(select(SignalenCursor))
        session.expunge(row)
        return row


OLD = signal(1, "2026-12-05T09:00:00+01:00")
AT = "2026-12-05T10:00:00+01:00"


def test_it_starts_at_signalens_newest_change_and_leaves_older_signals_alone(app, hostile):
    hostile.on(LIST, page(OLD))  # both the newest (at start) and the list since then
    assert poller(app).poll() == Outcome.OK
    assert cases(app) == []
    assert cursor_row(app).seen_ids == [1]


def test_changes_at_the_same_moment_are_each_taken_in_once(app, hostile):
    hostile.on(LIST, page(OLD), page(signal(2, AT), signal(3, AT)), page(signal(2, AT), signal(3, AT)))
    connector = poller(app)
    assert connector.poll() == Outcome.OK  # start, then 2 and 3
    assert connector.poll() == Outcome.OK  # Signalen's bound is inclusive: both again, both known
    assert cases(app) == ["2", "3"]
    row = cursor_row(app)
    assert sorted(row.seen_ids) == [2, 3] and row.updated_at.isoformat() == "2026-12-05T09:00:00+00:00"


def test_a_malformed_signal_stops_the_poll_without_moving_the_cursor(app, hostile):
    broken = signal(3, AT)
    del broken["status"]
    hostile.on(LIST, page(OLD), page(signal(2, AT), broken))
    connector = poller(app)
    with pytest.raises(MalformedSignal):
        connector.poll()
    assert cases(app) == [] and cursor_row(app).seen_ids == [1]


def test_a_number_the_gateway_does_not_text_is_skipped_and_read_past(app, hostile, client):
    hostile.on(LIST, page(OLD), page(signal(2, AT, phone="0900 1234567"), signal(3, AT)))
    assert poller(app).poll() == Outcome.OK
    assert cases(app) == ["3"]
    assert sorted(cursor_row(app).seen_ids) == [2, 3]


def test_a_second_process_stands_by_while_the_first_holds_the_lease(app, hostile):
    hostile.on(LIST, page(OLD))
    assert poller(app, "host-a:1").poll() == Outcome.OK
    assert poller(app, "host-b:2").poll() == Outcome.STANDBY


def test_completed_for_a_signal_never_dispatched_is_skipped(app, hostile):
    hostile.on(LIST, page(OLD), page(signal(2, AT, state="o")))
    assert poller(app).poll() == Outcome.OK
    assert cases(app) == [] and cursor_row(app).seen_ids == [2]


def test_a_hidden_phone_pauses_and_keeps_the_cursor(app, hostile, caplog):
    hostile.on(LIST, page(OLD), page(signal(2, AT, phone="*****")))
    connector = poller(app)
    assert connector.poll() == Outcome.PAUSED
    assert connector.poll() == Outcome.PAUSED
    assert cursor_row(app).seen_ids == [1]
    told = [r for r in caplog.records if "sia_can_view_contact_details" in r.getMessage()]
    assert len(told) == 1 and told[0].levelname == "CRITICAL"


def test_a_broken_answer_at_the_first_start_sets_no_cursor(app, hostile):
    hostile.on(LIST, reply(200, {"detail": "maintenance"}), page(signal(2, AT)))
    with pytest.raises(SignalenError):
        poller(app).poll()  # read as "no signals", it would start before every planned signal
    assert cursor_row(app).updated_at is None
