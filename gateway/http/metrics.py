"""GET /metrics: Prometheus' text format, for whoever holds METRICS_TOKEN.

The numbers say how busy the municipality's residents are, so they are not public:
with METRICS_TOKEN set, a scrape needs `Authorization: Bearer <token>`; without it,
/metrics does not exist (404), except in the embedded mode, which runs on a laptop
with no real resident behind it.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Flask, Response, abort, current_app, request
from flask.typing import ResponseReturnValue
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.core.metrics import DatabaseCollector
from gateway.http.errors import ApiError
from gateway.runtime import runtime

bp = Blueprint("metrics", __name__)
REGISTRY = "korte_lijn_metrics"


def register(app: Flask) -> None:
    # One registry per app, not prometheus_client's global one: each app has its own database.
    registry = CollectorRegistry()
    rt = app.extensions["korte_lijn"]
    registry.register(DatabaseCollector(rt.db, rt.config.metrics_crews))
    app.extensions[REGISTRY] = registry
    app.register_blueprint(bp)


@bp.get("/metrics")
def metrics() -> ResponseReturnValue:
    config = runtime().config
    if config.metrics_token:
        _check_token(config.metrics_token)
    elif config.sends_for_real:
        abort(404)
    response = Response(generate_latest(current_app.extensions[REGISTRY]), mimetype=None)
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_token(expected: str) -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise ApiError(
            401,
            "unauthorized",
            "send Authorization: Bearer <METRICS_TOKEN>",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
