"""A fake of Twilio's REST API, reached by the real twilio client via TWILIO_API_BASE_URL.

It records every message and call it accepts, checks the account's basic auth like
Twilio does, and can be told to fail the next requests (5xx, 429, an error code, a hang).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response

from tests.fakes.server import LoopbackServer


@dataclass
class Scripted:
    status: int
    code: int | None = None
    hang: float = 0.0
    retry_after: str | None = None
    garbage: bool = False  # answer 200 with an HTML page, as a broken proxy in between would


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    messages: list[dict] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    requests_seen: int = 0
    _script: list[Scripted] = field(default_factory=list)
    _lock: threading.Condition = field(default_factory=threading.Condition)
    server: LoopbackServer | None = None

    def start(self) -> "FakeTwilio":
        self.server = LoopbackServer(self.wsgi).start()
        return self

    @property
    def url(self) -> str:
        return self.server.url

    def reset(self) -> None:
        with self._lock:
            self.messages.clear()
            self.calls.clear()
            self._script.clear()
            self.requests_seen = 0

    def fail_next(self, times: int = 1, status: int = 500, code: int | None = None,
                  hang: float = 0.0, retry_after: str | None = None, garbage: bool = False) -> None:
        with self._lock:
            self._script.extend(Scripted(status, code, hang, retry_after, garbage) for _ in range(times))

    def texts_to(self, number: str) -> list[str]:
        with self._lock:
            return [m["Body"] for m in self.messages if m["To"] == number]

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[dict]:
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} texts, fake Twilio got {len(self.messages)}: {self.messages}")
            return list(self.messages)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.requests_seen += 1
            if not self._authorised(request):
                return _error(401, 20003, "Authenticate")
            scripted = self._script.pop(0) if self._script else None
        if scripted and scripted.garbage:
            return Response("<html><body>502 Bad Gateway</body></html>", status=200, mimetype="text/html")
        if scripted:
            time.sleep(scripted.hang)
            response = _error(scripted.status, scripted.code or scripted.status, "scripted failure")
            if scripted.retry_after:
                response.headers["Retry-After"] = scripted.retry_after
            return response
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/"
        if request.method == "POST" and request.path == prefix + "Messages.json":
            return self._create("SM", self.messages, request)
        if request.method == "POST" and request.path == prefix + "Calls.json":
            return self._create("CA", self.calls, request)
        return _error(404, 20404, f"no fake for {request.method} {request.path}")

    def _authorised(self, request: Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("Authorization") == expected

    def _create(self, prefix: str, into: list, request: Request) -> Response:
        record = request.form.to_dict()
        record["sid"] = prefix + uuid.uuid4().hex
        with self._lock:
            into.append(record)
            self._lock.notify_all()
        body = {"sid": record["sid"], "account_sid": self.account_sid, "status": "queued",
                "to": record.get("To"), "from": record.get("From"), "body": record.get("Body")}
        return Response(json.dumps(body), status=201, mimetype="application/json")


def _error(status: int, code: int, message: str) -> Response:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status}
    return Response(json.dumps(body), status=status, mimetype="application/json")
