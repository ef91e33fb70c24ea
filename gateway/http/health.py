"""GET /healthz: is the database reachable?"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from gateway.runtime import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    # A DBAPIError here becomes a 503 through the app's error handler.
    with runtime().db.transaction() as session:
        session.execute(text("SELECT 1"))
    return jsonify({"status": "ok", "database": "ok"})
