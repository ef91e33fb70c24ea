"""A Signalen (and Keycloak) on loopback that answers whatever a test puts there: garbage, errors,
revoked tokens. For the client's and the poller's tests; the real Signalen is tests/signalen/server.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.wrappers import Request, Response


@dataclass
class Hostile:
    """Answers each path with what a test put there; records every request."""

    answers: dict[str, list[Callable[[Request], Response]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)

    def on(self, path: str, *answers: Callable[[Request], Response]) -> None:
        self.answers[path] = list(answers)

    def wsgi(self, environ, start_response):
        request = Request(environ)
        body = request.get_json(silent=True) or dict(request.form)
        self.requests.append((request.method, request.path, body))
        queue = self.answers.get(request.path) or [lambda _: Response("nothing here", status=404)]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return answer(request)(environ, start_response)


def reply(status: int, body: object = None, raw: str | None = None) -> Callable[[Request], Response]:
    text = raw if raw is not None else json.dumps(body)
    return lambda _: Response(text, status=status, content_type="application/json")


TOKEN = reply(200, {"access_token": "t-1", "expires_in": 300})
