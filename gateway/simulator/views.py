"""The simulator's page and its small JSON API under /simulator/api/.

Each API call is one thing a person or the case system does; it is forwarded to the
gateway's real endpoint (forward.py) and the gateway's answer comes back to the page.
What the gateway sends arrives through the sink and is read from /simulator/api/feed.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from flows.whatsapp_templates import BUTTON_PAYLOADS, catalogue
from gateway.core.models import SimulatedDelivery
from gateway.core.names import Channel
from gateway.http.body import json_object
from gateway.http.errors import ApiError
from gateway.runtime import runtime
from gateway.simulator import twiml
from gateway.simulator.forward import Answer, Forwarder, NotConfigured, parsed
from gateway.simulator.story import BY_NUMBER, PHONES, Phone, presets

bp = Blueprint("simulator", __name__, url_prefix="/simulator", template_folder="templates", static_folder="static")

MAX_TEXT = 1600  # Twilio's own limit for one inbound message
FEED_PAGE = 200
CALL_SID = re.compile(r"CA[A-Za-z0-9]{2,62}")
MESSAGE_SID = re.compile(r"SM[A-Za-z0-9]{2,62}")
DIGITS = re.compile(r"[0-9*#]{1,12}")
CALL_ENDINGS = ("completed", "no-answer", "busy")


@bp.get("")
def page() -> ResponseReturnValue:
    config = runtime().config
    missing = [
        name
        for name, value in (
            ("TWILIO_AUTH_TOKEN", config.twilio_auth_token),
            ("CASE_API_KEYS", config.case_api_keys or config.case_events_secret),
        )
        if not value
    ]
    return render_template(
        "simulator/index.html",
        phones=list(PHONES.values()),
        proxies=config.proxy_numbers,
        presets=presets(config),
        organisation=config.organisation_name,
        missing=missing,
        whatsapp_sender=config.whatsapp_sender,
    )


@bp.get("/api/feed")
def feed() -> ResponseReturnValue:
    """What crossed the edge since `after`: texts and calls per phone, and callbacks."""
    after = request.args.get("after", "0")
    if not after.isdigit() or len(after) > 12:
        raise ApiError(400, "bad_after", "after must be a row id", "after")
    proxies = runtime().config.proxy_numbers
    with runtime().db.transaction() as session:
        rows = session.scalars(
            select(SimulatedDelivery)
            .where(SimulatedDelivery.id > int(after))
            .order_by(SimulatedDelivery.id)
            .limit(FEED_PAGE)
        ).all()
        items = [_delivery(row, proxies) for row in rows]
    return {"deliveries": items, "more": len(items) == FEED_PAGE}


@bp.post("/api/events")
def send_event() -> ResponseReturnValue:
    body = _json_body()
    return _relay(lambda forward: forward.event(body))


@bp.post("/api/phones/<key>/texts")
def send_text(key: str) -> ResponseReturnValue:
    phone, data = _phone(key), _json_object()
    to, body = _proxy(data.get("to")), data.get("body")
    if not isinstance(body, str) or not body.strip() or len(body) > MAX_TEXT:
        raise ApiError(400, "bad_body", f"body must be a text of 1 to {MAX_TEXT} characters", "body")
    form = {
        "MessageSid": "SMsim" + uuid.uuid4().hex,
        "AccountSid": "ACsimulator",
        "From": phone.number,
        "To": to,
        "Body": body,
        "NumMedia": "0",
    }
    return _relay(lambda forward: forward.twilio(_url("/twilio/sms"), form))


@bp.post("/api/phones/<key>/whatsapp")
def send_whatsapp(key: str) -> ResponseReturnValue:
    """Her WhatsApp message to our sender: words, or a tapped button of one of our messages."""
    phone, data = _phone(key), _json_object()
    sender = runtime().config.whatsapp_sender
    if phone.landline or not sender:
        raise ApiError(409, "no_whatsapp", "WhatsApp needs a mobile phone and WHATSAPP_SENDER")
    body, button, replied_to = data.get("body", ""), data.get("button"), data.get("replied_to")
    if not isinstance(body, str) or len(body) > MAX_TEXT or (not body.strip() and button is None):
        raise ApiError(400, "bad_body", f"body must be a text of 1 to {MAX_TEXT} characters", "body")
    form = {
        "MessageSid": "SMsim" + uuid.uuid4().hex,
        "AccountSid": "ACsimulator",
        "From": f"whatsapp:{phone.number}",
        "To": f"whatsapp:{sender}",
        "Body": body,
        "NumMedia": "0",
        "ProfileName": phone.label.split(",")[0],
        "WaId": phone.number.lstrip("+"),
    }
    if button is not None:
        if button not in BUTTON_PAYLOADS or not isinstance(replied_to, str) or not MESSAGE_SID.fullmatch(replied_to):
            raise ApiError(400, "bad_button", "button must be yes or no, with replied_to the message's sid", "button")
        form.update(ButtonPayload=button, ButtonText=body, OriginalRepliedMessageSid=replied_to)
    return _relay(lambda forward: forward.twilio(_url("/twilio/sms"), form))


@bp.post("/api/phones/<key>/calls")
def place_call(key: str) -> ResponseReturnValue:
    """She dials a proxy number: Twilio asks /twilio/voice what to do."""
    phone, data = _phone(key), _json_object()
    call = {"sid": "CAsim" + uuid.uuid4().hex, "direction": "inbound", "proxy": _proxy(data.get("to"))}
    form = _call_form(phone, call, status="ringing")
    return _relay(lambda forward: forward.twilio(_url("/twilio/voice"), form), call)


@bp.post("/api/phones/<key>/calls/answer")
def answer_call(key: str) -> ResponseReturnValue:
    """She picks up a call the gateway placed: Twilio fetches its TwiML from the URL it was given."""
    phone, data = _phone(key), _json_object()
    row = _placed_call(phone, data.get("delivery"))
    call = {"sid": row.sid, "direction": "outbound", "proxy": row.from_number}
    form = _call_form(phone, call)
    return _relay(lambda forward: forward.twilio(row.url or "", form), call)


@bp.post("/api/phones/<key>/calls/step")
def call_step(key: str) -> ResponseReturnValue:
    """A key pressed (a Gather's action) or silence (a Redirect): Twilio posts to the URL in the TwiML."""
    phone, data = _phone(key), _json_object()
    call = _call(data.get("call"))
    url = data.get("url")
    if not isinstance(url, str) or len(url) > 500 or not url.startswith(_url("/twilio/ivr/")):
        raise ApiError(400, "bad_url", "url must be a /twilio/ivr/ URL from the gateway's TwiML", "url")
    form = _call_form(phone, call)
    digits = data.get("digits")
    if digits is not None:
        if not isinstance(digits, str) or not DIGITS.fullmatch(digits):
            raise ApiError(400, "bad_digits", "digits must be 1 to 12 of 0-9, * and #", "digits")
        form["Digits"] = digits
    return _relay(lambda forward: forward.twilio(url, form), call)


@bp.post("/api/phones/<key>/calls/end")
def end_call(key: str) -> ResponseReturnValue:
    """A call the gateway placed ends, unanswered or hung up: Twilio reports it to the status URL."""
    phone, data = _phone(key), _json_object()
    row = _placed_call(phone, data.get("delivery"))
    status = data.get("status")
    if status not in CALL_ENDINGS:
        raise ApiError(400, "bad_status", f"status must be one of {', '.join(CALL_ENDINGS)}", "status")
    form = _call_form(phone, {"sid": row.sid, "direction": "outbound", "proxy": row.from_number}, status=status)
    return _relay(lambda forward: forward.twilio(row.status_url or "", form))


def _relay(send: Callable[[Forwarder], Answer], call: dict[str, Any] | None = None) -> dict[str, Any]:
    """Forward, and hand the page the gateway's answer (a call's TwiML read out step by step)."""
    forward = Forwarder(current_app._get_current_object(), runtime().config)  # type: ignore[attr-defined]  # the proxy's app
    try:
        answer: Answer = send(forward)
    except NotConfigured as exc:
        raise ApiError(409, "simulator_not_configured", str(exc)) from None
    except ValueError:
        # A call placed while PUBLIC_BASE_URL was different: Twilio would not reach us there either.
        raise ApiError(409, "stale_call", "this call's URL is not under PUBLIC_BASE_URL any more") from None
    result = {"status": answer.status, "answer": parsed(answer)}
    if call is not None:
        proxies = runtime().config.proxy_numbers
        result["call"] = call
        if answer.content_type.startswith("text/xml"):
            result["answer"] = twiml.masked_twiml(answer.text, proxies)
            result["steps"] = twiml.steps(answer.text, proxies)
    return result


def _delivery(row: SimulatedDelivery, proxies: tuple[str, ...]) -> dict:
    phone = BY_NUMBER.get(row.to_number or "")
    item = {"id": row.id, "at": row.at.isoformat(), "channel": row.channel, "phone": phone.key if phone else None}
    if row.channel == Channel.CALLBACK:
        item.update(webhook_id=row.sid, payload=row.payload)
    elif row.channel == Channel.WHATSAPP:
        template = (row.payload or {}).get("content_sid")
        templates = catalogue(runtime().config)
        buttons = templates.buttons(template) if template and templates else []
        item.update(**{"from": row.from_number}, body=row.body, sid=row.sid, template=template, buttons=buttons)
    else:
        item.update(to=twiml.shown(row.to_number or "", proxies), **{"from": row.from_number}, body=row.body)
    return item


def _json_object() -> dict:
    if not request.is_json:
        # A form post from another site cannot set this type without a CORS preflight we never allow.
        raise ApiError(415, "not_json", "send Content-Type: application/json")
    return json_object(request.get_data())


def _json_body() -> bytes:
    """The event as typed, once it is a JSON object; the gateway validates the rest."""
    return json.dumps(_json_object(), ensure_ascii=False).encode("utf-8")


def _phone(key: str) -> Phone:
    phone = PHONES.get(key)
    if phone is None:
        raise ApiError(404, "unknown_phone", f"the simulator has phones {', '.join(PHONES)}")
    return phone


def _proxy(number: object) -> str:
    proxies = runtime().config.proxy_numbers
    if number not in proxies:
        raise ApiError(400, "not_a_proxy_number", f"to must be one of the proxy numbers: {', '.join(proxies)}", "to")
    return number


def _call(call: object) -> dict:
    if (
        not isinstance(call, dict)
        or not isinstance(call.get("sid"), str)
        or not CALL_SID.fullmatch(call["sid"])
        or call.get("direction") not in ("inbound", "outbound")
    ):
        raise ApiError(400, "bad_call", "call must be the call object an earlier answer gave", "call")
    return {"sid": call["sid"], "direction": call["direction"], "proxy": _proxy(call.get("proxy"))}


def _call_form(phone: Phone, call: dict, status: str = "in-progress") -> dict[str, str]:
    """Twilio's parameters: From is the caller, so a call we placed comes from the proxy number."""
    caller, called = (phone.number, call["proxy"]) if call["direction"] == "inbound" else (call["proxy"], phone.number)
    direction = "inbound" if call["direction"] == "inbound" else "outbound-api"
    return {
        "CallSid": call["sid"],
        "AccountSid": "ACsimulator",
        "From": caller,
        "To": called,
        "CallStatus": status,
        "Direction": direction,
    }


def _placed_call(phone: Phone, delivery: object) -> SimulatedDelivery:
    if not isinstance(delivery, int) or isinstance(delivery, bool):
        raise ApiError(400, "bad_delivery", "delivery must be the id of a call in the feed", "delivery")
    with runtime().db.transaction() as session:
        row = session.get(SimulatedDelivery, delivery)
    if row is None or row.channel != Channel.CALL or row.to_number != phone.number:
        raise ApiError(404, "unknown_call", f"no call {delivery} to {phone.label}")
    return row


def _url(path: str) -> str:
    return runtime().config.public_base_url + path
