"""JSON errors for the case-system API: {"error": {"code", "message", "field"?}}."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from gateway.core.logs import one_line
from gateway.http.answers import ErrorAnswer, ErrorDetail
from gateway.http.error_codes import ERROR_CODES

log = logging.getLogger(__name__)


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    answer = ErrorAnswer(error=ErrorDetail(code=code, message=message, field=field or None))
    response = jsonify(answer.model_dump(mode="json", exclude_none=True))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.field, exc.headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        # werkzeug's own headers say what to do next (a 405's Allow); its Content-Type is for its HTML page.
        headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
        code = exc.code or 500
        if code == 413:
            return error_response(413, "body_too_large", "the body is over 64 KiB", headers=headers)
        if code == 404:
            # The same words for every path: a route switched off (/metrics without a token) looks like none.
            return error_response(404, "not_found", "nothing here; the API is described at /openapi.json")
        if code == 405:
            allowed = headers.get("Allow", "")
            message = f"{request.method} is not allowed on {one_line(request.path)}; allowed: {allowed}"
            return error_response(405, "method_not_allowed", message, headers=headers)
        name = exc.name.lower().replace(" ", "_")
        # The contract's codes are a closed enum: werkzeug's other names become http_error.
        known = name if name in ERROR_CODES else "http_error"
        return error_response(code, known, exc.description or exc.name, headers=headers)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_away(exc: OperationalError | InterfaceError) -> Response:
        # Say "try again" rather than 500 with a traceback: the caller's retry will land.
        log.error("database unavailable during %s %s: %s", request.method, request.path, type(exc.orig).__name__)
        return error_response(
            503, "database_unavailable", "the database is unavailable; retry later", headers={"Retry-After": "5"}
        )
