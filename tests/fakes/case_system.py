"""A fake case system that receives the gateway's callbacks and checks their signatures.

A callback with a bad signature is refused with 401 and kept in `rejected`, so a test
can assert that none were. It can be told to fail the next deliveries on purpose, or
(opt-in, off again after reset()) be down() until up(): every delivery meanwhile is
answered with one status (503, 410...). `attempt_log` keeps every signed attempt with
its answer and the moment it came.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from dataclasses import dataclass, field

from jsonschema import Draft202012Validator
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug.wrappers import Request, Response

from tests.fakes.server import LoopbackServer


@dataclass
class Delivery:
    webhook_id: str
    type: str
    data: dict
    received_at: float
    envelope: dict = field(default_factory=dict)  # the whole body, as sent


@dataclass
class Attempt:
    webhook_id: str
    type: str
    status: int  # what the fake answered
    at: float  # time.monotonic() when it came in


@dataclass
class FakeCaseSystem:
    secret: str
    deliveries: list[Delivery] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)  # webhook-ids of every attempt, failed ones too
    rejected: list[str] = field(default_factory=list)
    _failures: list[tuple[int, str | None]] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    server: LoopbackServer | None = None
    attempt_log: list[Attempt] = field(default_factory=list)
    _down: tuple[int, str | None] | None = None
    user_agents: set[str] = field(default_factory=set)
    # (type, problems) of every callback that does not fit /openapi.json's Callback union.
    off_contract: list[tuple[str, list[str]]] = field(default_factory=list)

    def start(self) -> FakeCaseSystem:
        self.server = LoopbackServer(self.wsgi).start()
        return self

    @property
    def url(self) -> str:
        return self.server.url + "/korte-lijn/callbacks"

    def reset(self) -> None:
        with self._lock:
            self.deliveries.clear()
            self.attempts.clear()
            self.rejected.clear()
            self._failures.clear()
            self.attempt_log.clear()
            self._down = None
            self.user_agents.clear()
            self.off_contract.clear()

    def fail_next(self, times: int = 1, status: int = 503, retry_after: str | None = None) -> None:
        with self._lock:
            self._failures.extend([(status, retry_after)] * times)

    def down(self, status: int = 503, retry_after: str | None = None) -> None:
        """Answer every delivery with `status` (and Retry-After) until up()."""
        with self._lock:
            self._down = (status, retry_after)

    def up(self) -> None:
        with self._lock:
            self._down = None

    def of_type(self, event_type: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.type == event_type]

    def wait_for(self, event_type: str, count: int = 1, timeout: float = 10.0) -> list[Delivery]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.of_type(event_type)) >= count, timeout):
                seen = [d.type for d in self.deliveries]
                raise AssertionError(f"expected {count} {event_type} callback(s); received {seen}")
            return self.of_type(event_type)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        return self._handle(request)(environ, start_response)

    def _handle(self, request: Request) -> Response:
        body = request.get_data()
        webhook_id = request.headers.get("webhook-id", "")
        with self._lock:
            self.user_agents.add(request.headers.get("User-Agent", ""))
        try:
            envelope = Webhook(self.secret).verify(body, dict(request.headers))
        except (WebhookVerificationError, ValueError):
            with self._lock:
                self.rejected.append(webhook_id)
            return Response("bad signature", status=401)
        with self._lock:
            self.attempts.append(webhook_id)
            failure = self._failures.pop(0) if self._failures else self._down
            self.attempt_log.append(
                Attempt(webhook_id, envelope["type"], failure[0] if failure else 200, time.monotonic())
            )
            if failure:
                status, retry_after = failure
                headers = {"Retry-After": retry_after} if retry_after else {}
                self._lock.notify_all()
                return Response("failing on purpose", status=status, headers=headers)
            self.deliveries.append(Delivery(webhook_id, envelope["type"], envelope["data"], time.monotonic(), envelope))
            problems = [error.message for error in _callback_union().iter_errors(envelope)]
            if problems:
                self.off_contract.append((envelope["type"], problems))
            self._lock.notify_all()
        return Response(json.dumps({"ok": True}), status=200, mimetype="application/json")


@functools.cache
def _callback_union() -> Draft202012Validator:
    """The contract's one schema for any callback (components/schemas/Callback in /openapi.json)."""
    from gateway.http.openapi import document

    components = document("https://korte-lijn.example.org", "Gemeente Voorbeeldstad")["components"]
    return Draft202012Validator({"$ref": "#/components/schemas/Callback", "components": components})
