"""Twilio's webhooks for texts: inbound texts and WhatsApp messages, and the delivery status of
ours. (Calls: voice.py.)

Every request must carry a valid X-Twilio-Signature. Nothing here calls the network:
the flows queue what must be sent, and the answer is TwiML.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.twiml.messaging_response import MessagingResponse

from flows import reach, whatsapp
from flows.inbound import receive_text
from gateway.core import counters
from gateway.core.effects import Effects
from gateway.core.locks import case_then_row
from gateway.core.models import Case, OutboxMessage
from gateway.core.names import Channel, OutboxStatus
from gateway.core.phones import InvalidPhoneNumber, mask, normalise
from gateway.core.twilio_transport import WHATSAPP
from gateway.http.twilio_common import CONTROL, as_int, form_number, signed, twiml
from gateway.runtime import runtime

log = logging.getLogger(__name__)
bp = Blueprint("twilio", __name__, url_prefix="/twilio")

# Later states win; a late "sent" never overwrites "delivered" or "failed".
STATUS_ORDER = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "receiving": 3,
    "received": 4,
    "delivered": 5,
    "read": 6,
    "undelivered": 7,
    "failed": 7,
    "canceled": 7,
}
# Counted in /metrics; "read" follows "delivered" and "canceled" is our own doing, so neither is.
FINAL_TEXT_STATUSES = ("delivered", "undelivered", "failed")
MAX_BODY_CHARACTERS = 1600  # Twilio's own limit for one message
MAX_MEDIA = 10
MAX_PAYLOAD_CHARACTERS = 200  # a button's id: ours are "yes" and "no"
SID = re.compile(r"[A-Za-z0-9]{2,64}")
ERROR_CODE = re.compile(r"\d{1,10}")


@bp.post("/sms")
@signed
def inbound_sms() -> ResponseReturnValue:
    sid = request.form.get("MessageSid", "").strip()
    if not SID.fullmatch(sid):
        return Response("MessageSid missing or malformed\n", status=400, mimetype="text/plain")
    # Control characters (NUL, which PostgreSQL refuses; ESC, which breaks the XML of a call
    # that reads the text out) are no one's words. A body over Twilio's limit is not from Twilio.
    body = CONTROL.sub("", request.form.get("Body", ""))[:MAX_BODY_CHARACTERS].strip()
    media = as_int(request.form.get("NumMedia"))
    media = media if media <= MAX_MEDIA else 0  # Twilio sends at most 10; more is not Twilio
    if request.form.get("From", "").startswith(WHATSAPP):
        return _inbound_whatsapp(sid, body, media)
    sender, proxy = form_number("From"), form_number("To")
    outcome = _once(
        lambda fx, retry: receive_text(
            fx, proxy_number=proxy, sender=sender, sid=sid, body=body, media=media, retry=retry
        )
    )
    log.info("inbound text %s from %s to %s: %s", sid, mask(sender), proxy, outcome)
    return twiml(MessagingResponse())


def _inbound_whatsapp(sid: str, body: str, media: int) -> ResponseReturnValue:
    """From=whatsapp:+31..., To=whatsapp:<WHATSAPP_SENDER>; a tapped button adds ButtonPayload."""
    config = runtime().config
    if not config.whatsapp_sender or request.form.get("To", "") != WHATSAPP + config.whatsapp_sender:
        log.warning("WhatsApp message %s not to this gateway's WHATSAPP_SENDER: refused", sid)
        return Response("To is not this gateway's WhatsApp sender\n", status=400, mimetype="text/plain")
    try:
        sender = normalise(request.form["From"].removeprefix(WHATSAPP), config.default_region)
    except InvalidPhoneNumber:
        return Response("From is not a WhatsApp number\n", status=400, mimetype="text/plain")
    button = CONTROL.sub("", request.form.get("ButtonPayload", ""))[:MAX_PAYLOAD_CHARACTERS].strip() or None
    replied = request.form.get("OriginalRepliedMessageSid", "").strip()
    outcome = _once(
        lambda fx, retry: whatsapp.receive(
            fx,
            sender=sender,
            sid=sid,
            body=body,
            media=media,
            button=button,
            replied_to=replied if SID.fullmatch(replied) else None,
            retry=retry,
        )
    )
    log.info("inbound WhatsApp message %s from %s: %s", sid, mask(sender), outcome)
    return twiml(MessagingResponse())


def _once(handle: Callable[[Effects, bool], str]) -> str:
    """Handle an inbound message in one transaction; a clash at commit is read once more as a retry."""
    rt = runtime()
    for retry in (False, True):
        try:
            with rt.db.transaction() as session:
                return handle(Effects(session, rt.config), retry)
        except IntegrityError:
            # The same MessageSid again (Twilio delivered it twice, or it raced in on another
            # connection), or two texts from one person both opened a "which case?" question:
            # the second try, which looks for the MessageSid first, tells which.
            continue
    return "duplicate"


@bp.post("/status")
@signed
def message_status() -> ResponseReturnValue:
    rt = runtime()
    sid = request.form.get("MessageSid", "").strip()
    status = request.form.get("MessageStatus", "").strip().lower()
    if not SID.fullmatch(sid) or status not in STATUS_ORDER:
        return Response("MessageSid and a known MessageStatus are required\n", status=400, mimetype="text/plain")
    given = request.form.get("ErrorCode", "").strip()
    code = given if ERROR_CODE.fullmatch(given) else None
    with rt.db.transaction() as session:
        case, row = _outbox_row(session, sid)
        if row is None or case is None:  # a text to a person always has its case
            log.warning("status %s for unknown message %s ignored", status, sid)
            return Response(status=204)
        if STATUS_ORDER.get(row.delivery_status or "", -1) >= STATUS_ORDER[status]:
            return Response(status=204)  # a redelivered or late callback changes nothing
        row.delivery_status, row.provider_sid = status, sid
        fx = Effects(session, rt.config)
        what = "WhatsApp message" if row.channel == Channel.WHATSAPP else "text"
        if row.status == OutboxStatus.PENDING:
            # Twilio has the text, but the worker that sent it has not said so: it may have
            # died right after the send. Recording it here keeps its lease from sending it twice.
            row.status, row.sent_at = OutboxStatus.SENT, fx.now
            counters.count_message(session, row.channel, row.recipient, "sent")
            fx.record(
                case,
                f"{row.channel}.sent",
                f"{row.purpose} {what} to {row.recipient} confirmed by Twilio's status callback",
                outbox_id=row.id,
                provider_sid=sid,
            )
        fx.record(
            case,
            f"{'whatsapp' if row.channel == Channel.WHATSAPP else 'text'}.status",
            f"{row.purpose} {what} to {row.recipient}: {status}" + (f" (error {code})" if code else ""),
            outbox_id=row.id,
            status=status,
            error_code=code,
        )
        if status in FINAL_TEXT_STATUSES:
            counters.count_message(session, row.channel, row.recipient, status)
        if status in ("undelivered", "failed"):
            row.error_code = code
            reach.undeliverable(fx, case, row, code, f"Twilio reported the {what} {status}")
    return Response(status=204)


def _outbox_row(session: Session, sid: str) -> tuple[Case | None, OutboxMessage | None]:
    """The text the status is about, and its case, both locked (gateway/core/locks.py).
    The status callback can beat the worker's own record of the SID; the URL names the row."""
    row_id = as_int(request.args.get("o"))
    if row_id:
        case, row = case_then_row(
            session,
            OutboxMessage,
            OutboxMessage.id == row_id,
            OutboxMessage.channel.in_((Channel.SMS, Channel.WHATSAPP)),
            or_(OutboxMessage.provider_sid.is_(None), OutboxMessage.provider_sid == sid),
        )
        if row is not None:
            return case, row
    return case_then_row(session, OutboxMessage, OutboxMessage.provider_sid == sid)
