"""Korte Lijn's plumbing: HTTP surface, storage, Twilio adapter, scheduler, callbacks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from gateway.config import Config
from gateway.db import Database
from gateway.runtime import Runtime
from gateway.worker import Worker

MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger(__name__)


def create_app(config: Config | Mapping[str, str] | None = None) -> Flask:
    """Build the app. `config` is a Config, a mapping standing in for the environment, or None."""
    app = Flask(__name__)
    _configure_logging()
    if not isinstance(config, Config):
        config = Config.from_env(config, instance_path=app.instance_path)
    if config.database_url.startswith("sqlite:///"):
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    db = Database(config.database_url)
    app.extensions["korte_lijn"] = Runtime(config=config, db=db, worker=Worker(db, config))

    from gateway import cli
    from gateway.http import cases, errors, events, health, twilio_hooks, voice

    errors.register(app)
    for blueprint in (events.bp, cases.bp, twilio_hooks.bp, voice.bp, health.bp):
        app.register_blueprint(blueprint)
    cli.register(app)
    if config.simulator:
        from gateway.simulator.views import bp as simulator

        app.register_blueprint(simulator)
        log.warning("phone simulator on at %s/simulator; set SIMULATOR=0 to turn it off", config.public_base_url)
    if not config.sends_for_real:
        log.warning("no Twilio account configured: texts are printed to the log, not sent")
    if not config.twilio_auth_token:
        log.warning("no TWILIO_AUTH_TOKEN: every Twilio webhook will be refused with 403")
    return app


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The twilio client logs request and response bodies, phone numbers included, at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
