"""Korte Lijn's plumbing: HTTP surface, storage, Twilio adapter, scheduler, callbacks."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from gateway import logs
from gateway.config import Config
from gateway.db import Database
from gateway.runtime import Runtime
from gateway.worker import Worker

MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger(__name__)


def create_app(config: Config | Mapping[str, str] | None = None) -> Flask:
    """Build the app. `config` is a Config, a mapping standing in for the environment, or None."""
    app = Flask(__name__)
    if not isinstance(config, Config):
        config = Config.from_env(config, instance_path=app.instance_path)
    _configure_logging(config)
    if config.database_url.startswith("sqlite:///"):
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    _use_texts(config)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    db = Database(config.database_url)
    app.extensions["korte_lijn"] = Runtime(config=config, db=db, worker=Worker(db, config))

    from gateway import cli
    from gateway.http import cases, errors, events, health, metrics, openapi, twilio_hooks, voice
    from gateway.http.body import WholeBody

    app.wsgi_app = WholeBody(app.wsgi_app, MAX_BODY_BYTES)

    errors.register(app)
    for blueprint in (events.bp, cases.bp, twilio_hooks.bp, voice.bp, health.bp, openapi.bp):
        app.register_blueprint(blueprint)
    cli.register(app)
    logs.register(app)
    metrics.register(app)
    if config.simulator:
        from gateway.simulator.views import bp as simulator

        app.register_blueprint(simulator)
    return app


def log_configuration(config: Config) -> None:
    """What an operator should know at start-up: what each text costs, and what is off.

    Logged by the processes that serve (gunicorn's workers, the worker, the embedded
    command), not by create_app: `flask --app app <command>` builds app.py's app before
    any command runs, and the embedded command then builds its own with other defaults."""
    from flows import messages

    for language in messages.LANGUAGES:
        own = messages.overridden(language)
        log.info(
            "texts %s, SMS segments with long sample values: %s",
            language,
            ", ".join(
                f"{cost.key}{'*' if cost.key in own else ''} {cost.segments}" for cost in messages.costs(language)
            ),
        )
    if not config.metrics_token:
        log.info("no METRICS_TOKEN: /metrics is %s", "open (embedded mode)" if not config.sends_for_real else "off")
    if config.simulator:
        log.warning("phone simulator on at %s/simulator; set SIMULATOR=0 to turn it off", config.public_base_url)
    if not config.sends_for_real:
        log.warning("no Twilio account configured: texts are printed to the log, not sent")
    if not config.twilio_auth_token:
        log.warning("no TWILIO_AUTH_TOKEN: every Twilio webhook will be refused with 403")


def _use_texts(config: Config) -> None:
    """Put TEMPLATES_DIR's texts in place of the built-in ones."""
    from flows import messages

    messages.use_overrides(config.templates)


def _configure_logging(config: Config) -> None:
    logs.install(config.log_format, config.proxy_numbers)
    # The twilio client logs request and response bodies, phone numbers included, at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
