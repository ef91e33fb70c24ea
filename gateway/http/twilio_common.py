"""What every Twilio webhook needs: the signature check, TwiML answers, and reading the form."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec

from flask import Response, abort, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from twilio.twiml import TwiML

from gateway.core.phones import InvalidPhoneNumber, normalise
from gateway.http.auth import twilio_refusal, twilio_signature_valid
from gateway.runtime import runtime

log = logging.getLogger(__name__)
P = ParamSpec("P")

# Control characters other than tab and newlines: no one's words, and XML 1.0 cannot carry them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def signed(view: Callable[P, ResponseReturnValue]) -> Callable[P, ResponseReturnValue]:
    """Refuse anything without a valid X-Twilio-Signature for this exact URL."""

    @wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> ResponseReturnValue:
        config = runtime().config
        if not twilio_signature_valid(request, config):
            log.warning("refused %s %s: %s", request.method, request.path, twilio_refusal(request, config))
            abort(Response("invalid signature\n", status=403, mimetype="text/plain"))
        # Twilio does not send an inbound text again after an error answer, so what a fresh
        # try can mend gets one before the 503: a connection the database dropped (it
        # restarted), or a transaction PostgreSQL ended to break a deadlock or a
        # serialization conflict (then nothing of it was kept). Safe to repeat: a MessageSid
        # is handled once, statuses only move forward.
        for attempt in range(1, RETRIES + 2):
            try:
                return view(*args, **kwargs)
            except OperationalError as exc:
                if attempt > RETRIES or not _worth_another_try(exc):
                    raise
                log.warning("%s: %s; trying again", request.path, type(exc.orig).__name__)
                time.sleep(random.uniform(0, 0.05 * attempt))  # two victims of one deadlock do not meet again

        raise AssertionError("unreachable: the last try returns or raises")

    return checked


# Tries after the first, for a view whose transaction the database ended (see `signed`).
RETRIES = 2
ROLLED_BACK = {"40P01", "40001"}  # deadlock_detected, serialization_failure


def _worth_another_try(exc: OperationalError) -> bool:
    return exc.connection_invalidated or getattr(exc.orig, "sqlstate", None) in ROLLED_BACK


def twiml(response: TwiML) -> Response:
    return Response(str(response), mimetype="text/xml")


def form_number(name: str) -> str:
    """A phone number from the form, in E.164; numbers we cannot read are nobody's."""
    raw = request.form.get(name, "")
    config = runtime().config
    if raw in config.proxy_numbers:
        return raw  # one of ours, as Twilio writes it: nothing to parse
    try:
        return normalise(raw, config.default_region)
    except InvalidPhoneNumber:
        return ""


# Row ids are PostgreSQL integers: a bigger one in a query made the lookup fail with a 500.
_LARGEST_ID = 2**31 - 1


def as_int(value: str | None) -> int:
    """A non-negative integer from a form field or query parameter; 0 for anything else."""
    try:
        number = int(value or 0)
    except ValueError:  # also a number past Python's 4,300-digit limit
        return 0
    return number if 0 <= number <= _LARGEST_ID else 0
