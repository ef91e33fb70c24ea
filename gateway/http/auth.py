"""Who may call us: the case system (bearer key or Standard Webhooks) and Twilio (signature)."""

from __future__ import annotations

import hmac

from flask import Request
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from twilio.request_validator import RequestValidator

from gateway.core.config import Config
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


def twilio_signature_valid(request: Request, config: Config) -> bool:
    """X-Twilio-Signature over PUBLIC_BASE_URL + path + query, not the Host we were reached on."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not config.twilio_auth_token:
        return False
    url = config.public_base_url + request.full_path.rstrip("?")
    validator = RequestValidator(config.twilio_auth_token)
    if "bodySHA256" not in request.args:
        # A form webhook signed over exactly this URL, as Twilio signs ours: one HMAC. The
        # validator's full check computes two (the URL with and without a port), so it runs
        # only when this one does not match.
        expected = validator.compute_signature(url, request.form)
        if hmac.compare_digest(expected.encode(), signature.encode()):
            return True
    return validator.validate(url, request.form, signature)
