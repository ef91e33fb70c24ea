"""The case system's events and the flow each starts: the one table the case API
(gateway/http/events.py) and the Signalen connector (gateway/signalen/poller.py) both use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.confirmation import complete
from flows.dispatch import cancel, dispatch
from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.names import EventType

# Each takes its own event's data model (gateway/core/schemas.py DATA_MODELS); the table cannot say which, hence Any.
HANDLERS: dict[EventType, Callable[[Effects, Any], Case]] = {
    EventType.DISPATCHED: dispatch,
    EventType.COMPLETED: complete,
    EventType.CANCELLED: cancel,
}
