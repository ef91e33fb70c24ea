"""Log lines that carry their request id and case id, as JSON or as text.

LOG_FORMAT=json writes one JSON object per line: time, level, logger, message, and
request_id and case_id when known. The ids live in contextvars, so a web request and
the worker's thread in the same process never lend each other theirs. Both formats mask
anything shaped like a phone number (E.164, national, URL-encoded) as a last line of defence: the code masks numbers
itself, but a database error quoting its parameters would not.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TextIO

from flask import Flask, Response, g, request

from gateway.core.phones import mask_numbers_in

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
case_id: ContextVar[str | None] = ContextVar("case_id", default=None)

# An incoming X-Request-Id is kept only if it looks like an id (a UUID, a platform's
# request id); anything else (newlines, quotes, kilobytes) is replaced by our own.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=/-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
access_log = logging.getLogger("gateway.access")


def note_case(case: str | None) -> None:
    """The case this request or worker step is about, for every line logged after this."""
    case_id.set(case)


@contextmanager
def case_scope(case: str | None = None) -> Iterator[None]:
    """A worker step's own case id; the one before is back when the step ends."""
    token = case_id.set(case)
    try:
        yield
    finally:
        case_id.reset(token)


def one_line(text: str, limit: int = 200) -> str:
    """A caller's text (a path, a header) fit for one log line: a control character would
    forge a line in the text format, and a kilobyte of it would bury the rest."""
    return _CONTROL.sub("?", text)[:limit]


def masked(text: str, public: frozenset[str] = frozenset()) -> str:
    """Mask every phone number in `text`, in any format, but the `public` ones (our own proxy numbers)."""
    return mask_numbers_in(text, public)


class JsonFormatter(logging.Formatter):
    def __init__(self, public: frozenset[str] = frozenset()):
        super().__init__()
        self.public = public

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": masked(record.getMessage(), self.public),
        }
        for key, var in (("request_id", request_id), ("case_id", case_id)):
            value = var.get()
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = masked(self.formatException(record.exc_info), self.public)
        # ensure_ascii: every line is plain ASCII, so no byte in a message can split or break it.
        return json.dumps(entry, ensure_ascii=True, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, public: frozenset[str] = frozenset()):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(ids)s: %(message)s")
        self.public = public

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(
            f"{key}={var.get()}" for key, var in (("request", request_id), ("case", case_id)) if var.get() is not None
        )
        record.ids = f" [{ids}]" if ids else ""
        return masked(super().format(record), self.public)


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is now, like logging's last resort does."""

    korte_lijn = True

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # logging's attribute, read fresh each time
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def install(log_format: str, public_numbers: tuple[str, ...] = ()) -> None:
    """Log to stderr in `log_format`, unless logging was set up by someone else (a test
    runner, a --log-config of one's own); then their choice stands. `public_numbers` (the
    proxy numbers) are the municipality's, not a resident's: they stay readable."""
    root = logging.getLogger()
    # Ours: the handler installed here, or one gateway/gunicorn_conf.py gave our formatter.
    ours = [
        handler
        for handler in root.handlers
        if getattr(handler, "korte_lijn", False) or isinstance(handler.formatter, (JsonFormatter, TextFormatter))
    ]
    if not ours and root.handlers:
        return
    handler = ours[0] if ours else _Stderr()
    public = frozenset(public_numbers)
    handler.setFormatter(JsonFormatter(public) if log_format == "json" else TextFormatter(public))
    if not ours:
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def register(app: Flask) -> None:
    """Give every request an id (kept from X-Request-Id when sane), echo it, and log the request."""

    @app.before_request
    def _start() -> None:
        incoming = request.headers.get("X-Request-Id", "")
        chosen = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        g.log_tokens = (request_id.set(chosen), case_id.set(None))
        g.started = time.monotonic()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = request_id.get() or ""
        elapsed = (time.monotonic() - g.get("started", time.monotonic())) * 1000
        access_log.info("%s %s %d %.0fms", request.method, one_line(request.path), response.status_code, elapsed)
        return response

    @app.teardown_request
    def _end(_exc: BaseException | None) -> None:
        tokens = g.pop("log_tokens", None)
        if tokens:
            case_id.reset(tokens[1])
            request_id.reset(tokens[0])
