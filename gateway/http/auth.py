"""Who may call us: the case system (bearer key or Standard Webhooks) and Twilio (signature)."""

from __future__ import annotations

import hmac

from flask import Request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from twilio.request_validator import RequestValidator

from gateway.core.config import EMBEDDED_TWILIO_TOKEN, Config
from gateway.core.logs import masked, one_line
from gateway.http.errors import ApiError


def check_case_system(request: Request, config: Config) -> None:
    """A bearer key from CASE_API_KEYS, or a valid signature with CASE_EVENTS_SECRET."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, key = header.partition(" ")
        if scheme.lower() == "bearer" and key and _known_key(key.strip(), config.case_api_keys):
            return
        raise ApiError(401, "unauthorized", "the bearer key is not valid")
    if config.case_events_secret and request.headers.get("webhook-signature"):
        try:
            Webhook(config.case_events_secret).verify(request.get_data(), dict(request.headers), json_parse=False)
            return
        except (WebhookVerificationError, ValueError):
            raise ApiError(401, "unauthorized", "the webhook signature is not valid or too old") from None
    raise ApiError(401, "unauthorized", "send Authorization: Bearer <key> or a Standard Webhooks signature")


def _known_key(key: str, keys: tuple[str, ...]) -> bool:
    # Compare against every key, in constant time, so timing tells nothing.
    found = False
    for candidate in keys:
        found |= hmac.compare_digest(key.encode(), candidate.encode())
    return found


def signed_url(request: Request, config: Config) -> str:
    """What Twilio signs: PUBLIC_BASE_URL + path + query, not the Host we were reached on."""
    return config.public_base_url + request.full_path.rstrip("?")


def twilio_signature_valid(request: Request, config: Config) -> bool:
    """X-Twilio-Signature over `signed_url` and the form, with TWILIO_AUTH_TOKEN."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not config.twilio_auth_token:
        return False
    url = signed_url(request, config)
    validator = RequestValidator(config.twilio_auth_token)
    if "bodySHA256" not in request.args:
        # A form webhook signed over exactly this URL, as Twilio signs ours: one HMAC. The
        # validator's full check computes two (the URL with and without a port), so it runs
        # only when this one does not match.
        expected = validator.compute_signature(url, request.form)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return True
    return validator.validate(url, request.form, signature)


def twilio_refusal(request: Request, config: Config) -> str:
    """Why a Twilio signature was refused and how to make a right one, for the log: the URL it was
    checked against is the usual culprit (PUBLIC_BASE_URL not the address Twilio calls). The query
    can carry a number (?From=%2B316...), so numbers in it are masked."""
    public = frozenset(config.proxy_numbers)
    checked = masked(one_line(signed_url(request, config), 500), public)
    path = masked(one_line(request.full_path.rstrip("?"), 300), public)
    if not config.twilio_auth_token:
        return f"no TWILIO_AUTH_TOKEN is set, so no signature can match (checked against {checked})"
    why = "X-Twilio-Signature does not match" if request.headers.get("X-Twilio-Signature") else "no X-Twilio-Signature"
    embedded = config.twilio_auth_token == EMBEDDED_TWILIO_TOKEN
    token = "the embedded mode's dev-token" if embedded else "TWILIO_AUTH_TOKEN"
    return (
        f"{why}: checked against {checked} (PUBLIC_BASE_URL + path + query) with {token}; "
        f"`flask --app app twilio-signature '{path}' Name=value ...` prints the right one for a form"
    )
