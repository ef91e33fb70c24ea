"""gunicorn settings; the Procfile names this module (--config python:gateway.gunicorn_conf).

Its own lines (start-up, a worker restarted) come out as JSON like the app's
(gateway/core/logs.py); the app then sets the format its LOG_FORMAT asks for. gunicorn's
access log is off: the app logs each request itself, with its request id.

Threads, not sync workers: a sync worker serves one connection at a time, so two clients that
sent half a body and waited held both workers until the 30 s timeout (/healthz took 31.8 s).
A gthread worker lends each connection a thread only once it has sent something, and 8
threads a process leave room for a few such clients. Each thread uses at most one database
connection at a time, within the 15 of gateway/core/db.py's pool. Many slow clients at once need
a buffering proxy in front (README, Deploying). GUNICORN_CMD_ARGS="--threads N" overrides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gunicorn.workers.base import Worker


worker_class = "gthread"
threads = 8

logconfig_dict = {
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "formatters": {"json": {"()": "gateway.core.logs.JsonFormatter"}},
}


def post_worker_init(worker: Worker) -> None:
    """Each web process logs what the operator should know of its configuration, once its app
    is built (gateway/startup.py). Another WSGI app (bench/bare_app.py) has none."""
    from gateway.startup import log_configuration

    runtime = getattr(worker.wsgi, "extensions", {}).get("korte_lijn")
    if runtime is not None:
        log_configuration(runtime.config)
