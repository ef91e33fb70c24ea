"""The `signalen` process: Signalen's status changes, taken in as the gateway's own events.

Each poll reads the signals changed since the cursor, oldest first, and takes each change in
with one transaction: its event's flow (flows/events.py, as the case API runs it), its key in
processed_events, and the cursor moved past it. Killed at any point, the process loses no
change and takes none in twice; a second process waits on the lease (gateway/core/signalen/cursor.py).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import ValidationError
from sqlalchemy.orm import Session

from flows.dispatch import CaseNotFound
from flows.events import HANDLERS
from flows.states import ImpossibleTransition
from gateway.core import counters, logs
from gateway.core.config import Config
from gateway.core.db import Database
from gateway.core.effects import Effects
from gateway.core.models import Case, ProcessedEvent
from gateway.core.names import ORIGIN_SIGNALEN, CaseState, EventType
from gateway.core.schemas import DATA_MODELS, validation_context
from gateway.core.signalen.client import PAGE_SIZE, SignalenClient
from gateway.core.signalen.cursor import Cursor, Position
from gateway.core.signalen.settings import SignalenSettings
from gateway.core.signalen.signals import Change, ContactDetailsHidden, Event, Skip, decide, read_change

log = logging.getLogger(__name__)

# Where a new cursor starts when Signalen has no signal at all: before any there will be.
BEFORE_ANY = datetime(2000, 1, 1, tzinfo=UTC)


class Outcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    PAUSED = "paused"
    STANDBY = "standby"


class Poller:
    def __init__(self, db: Database, config: Config, client: SignalenClient, cursor: Cursor):
        assert config.signalen is not None
        self.db, self.config, self.client, self.cursor = db, config, client, cursor
        self.settings: SignalenSettings = config.signalen
        self._hidden_told = False

    def poll(self) -> Outcome:
        """Take in every change since the cursor; SignalenError and LeaseLost pass up."""
        position = self.cursor.take_lease()
        if position is None:
            return Outcome.STANDBY
        if position.updated_at is None:
            position = self._start()
        while True:
            page = [read_change(document) for document in self.client.changed_since(position.updated_at)]
            before = position
            try:
                for change in page:
                    if not position.taken_in(change):
                        position = self._take_in(change)
            except ContactDetailsHidden as hidden:
                self._tell_hidden(str(hidden))
                return Outcome.PAUSED
            # A short page is the last; a full one that moved nothing would be read forever.
            if len(page) < PAGE_SIZE or position == before:
                return Outcome.OK

    def _start(self) -> Position:
        """A new cursor starts at Signalen's newest change: the connector takes in what changes from
        its first start on, and never texts residents about signals dealt with long before."""
        newest = self.client.newest()
        start = Position(BEFORE_ANY) if newest is None else Position(None).after(read_change(newest))
        with self.db.transaction() as session:
            self.cursor.locked(session)
            self.cursor.move(session, start)
        log.info("signalen: first start; changes after %s are taken in", start.updated_at)
        return start

    def _take_in(self, change: Change) -> Position:
        decision = decide(change, self.settings)  # raises ContactDetailsHidden before anything is written
        with self.db.transaction() as session, logs.case_scope(str(change.signal_id)):
            position = self.cursor.locked(session)
            if position.taken_in(change):
                return position  # another process took it in after our read
            counters.count(session, "korte_lijn_signalen_signals_seen")
            if isinstance(decision, Skip):
                self._skip(session, decision)
            elif isinstance(decision, Event) and session.get(ProcessedEvent, change.key) is None:
                self._event(session, change, decision)
            position = position.after(change)
            self.cursor.move(session, position)
            return position

    def _event(self, session: Session, change: Change, event: Event) -> None:
        try:
            data = DATA_MODELS[event.type].model_validate(event.data, context=validation_context(self.config))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            self._skip(session, Skip("invalid", f"signal {change.signal_id}: {field}: {first['msg']}"))
            return
        fx = Effects(session, self.config, origin=ORIGIN_SIGNALEN)
        if event.type == EventType.DISPATCHED:
            planned = fx.lock_case_by_id(data.case_id)
            if planned is not None and planned.status == CaseState.DISPATCHED:
                # Planned again before the job was done (a new date, say): the crew has it already,
                # and she has had her text. A new round only after the job was done or reopened.
                self._note(fx, planned, change, "the crew already has it: nothing sent again")
                session.add(ProcessedEvent(webhook_id=change.key, event_type=event.type, status_code=200, response={}))
                return
        try:
            with session.begin_nested():  # a refused event leaves no half of itself behind
                case: Case = HANDLERS[event.type](fx, data)
        except CaseNotFound:
            self._skip(
                session, Skip("not_dispatched", f"signal {change.signal_id} is {change.state} but was never dispatched")
            )
            return
        except ImpossibleTransition as exc:
            self._skip(session, Skip("impossible", f"signal {change.signal_id}: {exc}"))
            return
        self._note(fx, case, change, event.type)
        session.add(
            ProcessedEvent(
                webhook_id=change.key, event_type=event.type, status_code=202, response={"case_id": case.case_id}
            )
        )
        counters.count(session, "korte_lijn_signalen_events", type=event.type)
        log.info(
            "signalen: signal %s (%s) %s -> %s, case %s",
            change.signal_id,
            case.reference,
            change.state,
            event.type,
            case.status,
        )

    def _note(self, fx: Effects, case: Case, change: Change, what: str) -> None:
        fx.record(
            case,
            "signalen.status",
            f"Signalen: signal {case.reference} is {change.state}: {what}",
            signal_id=change.signal_id,
            state=change.state,
            changed_at=change.status_at,
        )

    def _skip(self, session: Session, skip: Skip) -> None:
        counters.count(session, "korte_lijn_signalen_skipped", reason=skip.reason)
        log.warning("signalen: skipped (%s): %s", skip.reason, skip.detail)

    def _tell_hidden(self, detail: str) -> None:
        if not self._hidden_told:
            self._hidden_told = True
            log.critical(
                "signalen: %s. The connector's Signalen account lacks the permission "
                "sia_can_view_contact_details ('Inzien van contactgegevens melder'). Nothing is "
                "dispatched until it has it; no change is lost meanwhile (README: Signalen).",
                detail,
            )
