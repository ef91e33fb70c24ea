"""Request bodies: a chunked one over the limit answers 413, and JSON is parsed without a 500.

werkzeug cuts a chunked body (no Content-Length) off at MAX_CONTENT_LENGTH without a word,
so an oversized event looked like malformed JSON (400). WholeBody reads such a body before
Flask does, at most one byte past the limit, and hands Flask a Content-Length: one over the
limit then meets Flask's own 413, on every endpoint, forms included.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, BinaryIO

from gateway.http.errors import ApiError

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class WholeBody:
    def __init__(self, wsgi_app: WSGIApplication, limit: int):
        self.wsgi_app, self.limit = wsgi_app, limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_at_most(environ["wsgi.input"], self.limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del environ["HTTP_TRANSFER_ENCODING"]
        return self.wsgi_app(environ, start_response)


def _read_at_most(stream: BinaryIO, size: int) -> bytes:
    # A server's stream may hand back less than asked for before its end.
    parts, left = [], size
    while left > 0:
        part = stream.read(min(left, 64 * 1024))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def json_object(raw: bytes) -> dict[str, Any]:
    """The body as a JSON object, or a 400 saying what is wrong with it."""
    try:
        document = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "malformed_json", "the body is nested too deeply") from None
    except ValueError:
        # JSONDecodeError, bad UTF-8, and a number longer than Python's 4,300-digit limit.
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
    if not isinstance(document, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    return document
