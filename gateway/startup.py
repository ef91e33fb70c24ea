"""What a serving process logs when it starts: what each text costs, and what is off."""

from __future__ import annotations

import logging

from flows import messages
from flows.whatsapp_templates import NEEDS_TEMPLATE, catalogue
from gateway.core.config import Config

log = logging.getLogger(__name__)


def log_configuration(config: Config) -> None:
    """What an operator should know at start-up: what each text costs, and what is off.

    Logged by the processes that serve (gunicorn's workers, the worker, the embedded
    command), not by create_app: `flask --app app <command>` builds app.py's app before
    any command runs, and the embedded command then builds its own with other defaults."""
    texts = messages.texts(config)
    for language in messages.LANGUAGES:
        own = texts.overridden(language)
        log.info(
            "texts %s, SMS segments with long sample values: %s",
            language,
            ", ".join(f"{cost.key}{'*' if cost.key in own else ''} {cost.segments}" for cost in texts.costs(language)),
        )
    templates = catalogue(config)
    if config.whatsapp_sender and templates:
        languages = sorted({language for _, language in templates.templates})
        log.info(
            "WhatsApp on from %s: templates for %s in %s (%s)",
            config.whatsapp_sender,
            ", ".join(NEEDS_TEMPLATE),
            ", ".join(languages),
            config.whatsapp_templates_file,
        )
    else:
        log.info("no WHATSAPP_SENDER: residents asked for on WhatsApp get texts")
    if not config.metrics_token:
        log.info("no METRICS_TOKEN: /metrics is %s", "open (embedded mode)" if not config.sends_for_real else "off")
    if config.simulator:
        log.warning("phone simulator on at %s/simulator; set SIMULATOR=0 to turn it off", config.public_base_url)
    if not config.sends_for_real:
        log.warning("no Twilio account configured: texts are printed to the log, not sent")
    if not config.twilio_auth_token:
        log.warning("no TWILIO_AUTH_TOKEN: every Twilio webhook will be refused with 403")
