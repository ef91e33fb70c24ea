"""Reaching the resident: a text to a mobile, a call to a landline, and what to do when either fails.

A landline (by its number, or because texts to it came back 30006/21614) gets calls
instead of texts, but only for what she must hear: the dispatch notice, the question,
the reminder, and the crew's own messages. A thank-you is not worth ringing someone for.
"""

from __future__ import annotations

from datetime import timedelta

from flows import limits, messages, opt_out, purposes, whatsapp_templates
from flows.purposes import RELAY, FlowPurpose
from gateway.core.effects import Effects
from gateway.core.models import Case, OutboxMessage
from gateway.core.names import CallbackType, CaseState, Channel
from gateway.core.phones import is_landline, mask, spoken

# Twilio's codes for a number that takes no texts (30006 landline or unreachable carrier,
# 21614 not a mobile number); 30003 (handset unreachable) earns one more text first.
LANDLINE_CODES = {"30006", "21614"}
HANDSET_UNREACHABLE = "30003"
OPTED_OUT = "21610"
# WhatsApp: free text outside her 24-hour window; and a number WhatsApp does not reach (no
# WhatsApp account, not a valid recipient, held back by Meta): texts from now on.
OUTSIDE_WINDOW = "63016"
NOT_ON_WHATSAPP = {"63003", "63024", "63032", "63049"}
TEXT_RETRY_AFTER = timedelta(minutes=10)


def channel_for(number: str | None, asked: str = "sms", *, whatsapp: bool = False) -> str:
    """How to reach her: "voice" on a landline or when asked; "whatsapp" when asked and possible."""
    if asked == "voice" or (number and is_landline(number)):
        return "voice"
    return "whatsapp" if asked == "whatsapp" and whatsapp else "sms"


def tell_citizen(
    fx: Effects,
    case: Case,
    purpose: FlowPurpose,
    *,
    body: str | None = None,
    words: str | None = None,
) -> OutboxMessage | None:
    """Text or call her. `body` is a ready text (a relay); `words` someone's own words for the call."""
    if case.citizen_channel == "voice":
        if not purpose.called:
            fx.record(case, "call.skipped", f"{purpose} not called: the citizen is on a landline", purpose=purpose.name)
            return None
        return fx.call(case, purpose, spoken_message(fx, case, purpose, words or body or ""))
    if body is None:
        body = render(fx, case, purpose.text_template)
    template = None
    if case.citizen_channel == "whatsapp":
        values = _values(fx, case, voice=False, text=words or "")
        template = whatsapp_templates.choose(fx, case, purpose.text_template, values)
    return limits.text(fx, case, "citizen", purpose, body, template=template)


def render(fx: Effects, case: Case, key: str, *, voice: bool = False, **extra: str) -> str:
    """A template for this case's citizen, with everything a template may name."""
    lang = case.citizen_language
    values = _values(fx, case, voice=voice, **extra)
    template = messages.texts(fx.config).catalogue(lang)[key]
    return messages.texts(fx.config).render(
        lang, key, **{k: v for k, v in values.items() if k in messages.placeholders(template)}
    )


def _values(fx: Effects, case: Case, *, voice: bool, **extra: str) -> dict[str, str]:
    """Everything a text for her may name."""
    return {
        "org": fx.config.organisation_name,
        "reference": case.reference,
        "address": case.address,
        "code": spoken(str(case.short_code)) if voice else str(case.short_code),
        "eta": _eta(fx, case, voice),
        "fallback": fallback_phrase(fx, case.citizen_language),
        **extra,
    }


def fallback_phrase(fx: Effects, lang: str) -> str:
    """How a caller reaches a person: FALLBACK_PHONE_NUMBER, read out digit by digit."""
    number = fx.config.fallback_phone_number
    if number:
        return messages.texts(fx.config).render(lang, "fallback_number", number=spoken(number))
    return messages.texts(fx.config).render(lang, "fallback_generic")


def spoken_message(fx: Effects, case: Case, purpose: FlowPurpose, words: str = "") -> str:
    return render(fx, case, purpose.voice_template, voice=True, text=words)


def _eta(fx: Effects, case: Case, voice: bool) -> str:
    if not case.eta:
        return ""
    lang = case.citizen_language
    local = case.eta.astimezone(fx.config.timezone)
    if voice:
        month = messages.texts(fx.config).catalogue(lang)["months"].split()[local.month - 1]
        return messages.texts(fx.config).render(
            lang, "voice_eta", day=str(local.day), month=month, time=local.strftime("%H:%M")
        )
    return messages.texts(fx.config).render(lang, "eta", date=local.strftime("%d-%m"), time=local.strftime("%H:%M"))


def still_needed(case: Case, purpose: FlowPurpose) -> bool:
    """Whether a retry or a fallback call for this purpose would still make sense."""
    if purpose.asks:
        return case.status == CaseState.AWAITING_CONFIRMATION
    return case.status == CaseState.DISPATCHED


def undeliverable(fx: Effects, case: Case, row: OutboxMessage, code: str | None, reason: str) -> None:
    """A text or call that did not arrive: send it again, call instead, or tell the case system."""
    purpose = purposes.of(row.purpose)
    if code == OPTED_OUT and row.to_number:
        opt_out.stop(fx, row.to_number, "twilio 21610")
    if row.channel == Channel.WHATSAPP and _whatsapp_failed(fx, case, row, code):
        return
    if row.channel == Channel.SMS and row.recipient == "citizen" and code in LANDLINE_CODES | {HANDSET_UNREACHABLE}:
        if code == HANDSET_UNREACHABLE and row.replaces_id is None:
            if still_needed(case, purpose) or not purpose.called:
                fx.record(case, "text.retry", f"{row.purpose} text: handset unreachable (30003), one more try")
                limits.text(fx, case, "citizen", purpose, row.body or "", replaces=row, due=fx.now + TEXT_RETRY_AFTER)
                return
        else:
            case.citizen_channel = "voice"
            fx.record(
                case,
                "channel.voice",
                f"texts to {mask(row.to_number)} fail ({code}): calling from now on",
                error_code=code,
            )
            if purpose.called and still_needed(case, purpose):
                _call_instead(fx, case, purpose, row)
                return
    _report(fx, case, row, code, reason)


def _whatsapp_failed(fx: Effects, case: Case, row: OutboxMessage, code: str | None) -> bool:
    """A WhatsApp message that did not arrive is never lost: once more as its template when it
    fell outside her window, else by text (a call on a landline), once. False: nothing to resend."""
    purpose = purposes.of(row.purpose)
    if not still_needed(case, purpose) and purpose.asks:
        return False
    key = purpose.text_template
    as_free_text = not (row.payload or {}).get("content_sid")
    if code == OUTSIDE_WINDOW and as_free_text and case.citizen_channel == "whatsapp":
        values = _values(fx, case, voice=False, text=_words(fx, case, row))
        template = whatsapp_templates.as_template(fx, case, key, values)
        if template is not None:
            fx.record(case, "whatsapp.template", f"{row.purpose} outside her 24-hour window (63016): sent as template")
            return (
                limits.text(fx, case, "citizen", purpose, row.body or "", replaces=row, template=template) is not None
            )
    if code in NOT_ON_WHATSAPP and case.citizen_channel == "whatsapp":
        case.citizen_channel = channel_for(case.citizen_phone)
        fx.record(
            case,
            "channel.sms",
            f"WhatsApp does not reach {mask(case.citizen_phone)} ({code}): texts from now on",
            asked="whatsapp",
            used=case.citizen_channel,
            error_code=code,
        )
    # This one message by text (or call) instead, whatever the reason, once: the text's own failure reports.
    if case.citizen_channel == "voice":
        if not purpose.called:
            return False
        _call_instead(fx, case, purpose, row)
        return True
    return fx.text(case, "citizen", purpose, row.body or "", replaces=row) is not None


def _call_instead(fx: Effects, case: Case, purpose: FlowPurpose, row: OutboxMessage) -> None:
    """Say by phone what the failed text or WhatsApp message `row` said."""
    fx.call(case, purpose, spoken_message(fx, case, purpose, _words(fx, case, row)), replaces=row)


def _words(fx: Effects, case: Case, row: OutboxMessage) -> str:
    """The crew's own words in a relayed text, without our prefix (the call says its own)."""
    prefix = render(fx, case, RELAY.text_template, text="")
    body = row.body or ""
    return body[len(prefix) :] if row.purpose == RELAY.name and body.startswith(prefix) else body


def call_ended(fx: Effects, case: Case, row: OutboxMessage, status: str) -> None:
    """Twilio's final status for a call we placed. Busy or unanswered: once more, later."""
    if status in ("completed", "canceled"):
        return
    retried = row.replaces_id is not None and _is_call(fx, row.replaces_id)
    if status in ("busy", "no-answer") and not retried:
        purpose = purposes.of(row.purpose)
        if still_needed(case, purpose):
            due = fx.now + timedelta(seconds=fx.config.call_retry_after)
            fx.record(case, "call.retry", f"{row.purpose} call: {status}, calling once more later")
            fx.call(case, purpose, row.body or "", replaces=row, due=due)
        return
    _report(fx, case, row, None, f"the call was {status}" + (" twice" if retried else ""))


def _is_call(fx: Effects, row_id: int) -> bool:
    earlier = fx.outbox_row(row_id)
    return earlier is not None and earlier.channel == Channel.CALL


def refused(fx: Effects, case: Case, row: OutboxMessage, reason: str) -> None:
    """A text or call the gateway would not send (gateway/core/recipients.py): no fallback call,
    which would go to the same number; the case system hears it, so a person can step in."""
    _report(fx, case, row, None, reason)


def _report(fx: Effects, case: Case, row: OutboxMessage, code: str | None, reason: str) -> None:
    fx.callback(
        case,
        CallbackType.MESSAGE_UNDELIVERABLE,
        recipient=row.recipient,
        purpose=row.purpose,
        channel=row.channel,
        error_code=code,
        reason=reason,
    )
