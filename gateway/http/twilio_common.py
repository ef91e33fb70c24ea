"""What every Twilio webhook needs: the signature check, TwiML answers, and reading the form."""

from __future__ import annotations

import logging
import re
from functools import wraps

from flask import Response, abort, request
from sqlalchemy.exc import OperationalError

from gateway.http.auth import twilio_signature_valid
from gateway.phones import InvalidPhoneNumber, normalise
from gateway.runtime import runtime

log = logging.getLogger(__name__)

# Control characters other than tab and newlines: no one's words, and XML 1.0 cannot carry them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def signed(view):
    """Refuse anything without a valid X-Twilio-Signature for this exact URL."""
    @wraps(view)
    def checked(*args, **kwargs):
        if not twilio_signature_valid(request, runtime().config):
            log.warning("refused %s with a missing or bad X-Twilio-Signature", request.path)
            abort(Response("invalid signature\n", status=403, mimetype="text/plain"))
        try:
            return view(*args, **kwargs)
        except OperationalError as exc:
            # Twilio does not send an inbound text again after an error answer, so a
            # connection the database dropped (it restarted) gets one fresh try before the
            # 503. Safe to repeat: a MessageSid is handled once, statuses only move forward.
            if not exc.connection_invalidated:
                raise
            log.warning("%s: the database connection was lost; trying once more", request.path)
            return view(*args, **kwargs)
    return checked


def twiml(response) -> Response:
    return Response(str(response), mimetype="text/xml")


def form_number(name: str) -> str:
    """A phone number from the form, in E.164; numbers we cannot read are nobody's."""
    try:
        return normalise(request.form.get(name, ""), runtime().config.default_region)
    except InvalidPhoneNumber:
        return ""


def as_int(value: str | None) -> int:
    """A non-negative integer from a form field or query parameter; 0 for anything else."""
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0
