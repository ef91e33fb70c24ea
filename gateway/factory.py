"""The composition point: create_app builds one app and wires the flows into the core.

Everything with a lifetime (settings, database, texts, worker) is made here, once per
process, and hangs off the app's Runtime (gateway/runtime.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from flask import Flask

from flows import confirmation, custom_texts, messages, reach, whatsapp_templates
from gateway import cli
from gateway.core import logs
from gateway.core.config import Config, ConfigError
from gateway.core.db import Database
from gateway.core.hooks import FlowHooks
from gateway.http import cases, errors, events, health, home, metrics, openapi, twilio_hooks, voice
from gateway.http.body import WholeBody
from gateway.runtime import Runtime
from gateway.worker import Worker

MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger(__name__)


def create_app(config: Config | Mapping[str, str] | None = None) -> Flask:
    """Build the app. `config` is a Config, a mapping standing in for the environment, or None."""
    app = Flask("gateway")
    if not isinstance(config, Config):
        config = Config.from_env(config, instance_path=app.instance_path)
    _configure_logging(config)
    if config.database_url.startswith("sqlite:///"):
        Path(config.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = replace(config, texts=messages.Texts(_own_texts(config)), whatsapp_templates=_whatsapp_templates(config))
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    db = Database(config.database_url)
    app.extensions["korte_lijn"] = Runtime(config=config, db=db, worker=Worker(db, config, flow_hooks()))
    app.wsgi_app = WholeBody(app.wsgi_app, MAX_BODY_BYTES)  # type: ignore[method-assign]

    errors.register(app)
    for blueprint in (events.bp, cases.bp, twilio_hooks.bp, voice.bp, health.bp, openapi.bp):
        app.register_blueprint(blueprint)
    cli.register(app)
    logs.register(app)
    metrics.register(app)
    if not config.sends_for_real:
        app.register_blueprint(home.bp)
    if config.simulator:
        from gateway.simulator.views import bp as simulator

        app.register_blueprint(simulator)
    return app


def flow_hooks() -> FlowHooks:
    """What the core's worker calls in flows/: delivery outcomes and the timer table."""
    return FlowHooks(outcomes=reach, timers=confirmation.TIMERS)


def _own_texts(config: Config) -> dict[str, dict[str, str]]:
    """TEMPLATES_DIR's texts, checked; a mistake stops start-up naming the file and key."""
    if config.templates_dir is None:
        return {}
    try:
        return custom_texts.load(config.templates_dir)
    except custom_texts.TemplateError as exc:
        raise ConfigError("TEMPLATES_DIR", str(exc)) from None


def _whatsapp_templates(config: Config) -> whatsapp_templates.Catalogue | None:
    """WHATSAPP_TEMPLATES, checked; a mistake or a missing template stops start-up naming it."""
    if config.whatsapp_templates_file is None:
        return None
    try:
        return whatsapp_templates.load(config.whatsapp_templates_file, config.default_language)
    except whatsapp_templates.WhatsAppTemplateError as exc:
        raise ConfigError("WHATSAPP_TEMPLATES", str(exc)) from None


def _configure_logging(config: Config) -> None:
    logs.install(config.log_format, config.proxy_numbers)
    # The twilio client logs request and response bodies, phone numbers included, at INFO.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
