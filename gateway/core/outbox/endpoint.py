"""The case system's endpoint on hold: after a 410 Gone, no callback goes to it until an
operator runs `flask --app app callbacks-enable`. Nothing is dropped: the rows wait."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.effects import Effects
from gateway.core.models import Case, DisabledEndpoint, OutboxMessage
from gateway.core.outbox.turns import postpone
from gateway.core.transport import TransportError

log = logging.getLogger(__name__)

# While the case system's endpoint is disabled (410), its callbacks look again this often.
DISABLED_RECHECK = timedelta(minutes=10)


def is_disabled(db: Database, url: str | None) -> bool:
    if not url:
        return False
    with db.transaction() as session:
        return session.get(DisabledEndpoint, url) is not None


def hold(db: Database, row: OutboxMessage) -> None:
    """Put a callback back until the next look at the endpoint."""
    postpone(db, row, utcnow() + DISABLED_RECHECK)


def disable(db: Database, config: Config, url: str, row: OutboxMessage, exc: TransportError) -> None:
    """410 Gone: record the endpoint as disabled (once, whoever met it first) and hold the row."""
    try:
        with db.transaction() as session:
            session.add(DisabledEndpoint(url=url, reason=str(exc)))
        first = True
    except IntegrityError:
        first = False  # another lane or worker met the 410 at the same moment
    with db.transaction() as session:
        case = session.get(Case, row.case_pk) if row.case_pk else None
        if case is not None:
            Effects(session, config).record(
                case, "callback.endpoint_disabled", "the case system answered 410 Gone: callbacks are on hold"
            )
    hold(db, row)
    if first:
        log.critical(
            "CASE_CALLBACK_URL answered 410 Gone: ALL callbacks to it are on hold. Nothing is lost; "
            "fix the endpoint, then run `flask --app app callbacks-enable`."
        )
    else:
        log.warning("outbox %s: the case system answered 410 Gone too; held with the rest", row.id)
