"""Twilio's webhooks for calls: calls to a proxy number, calls we placed, keys pressed, call status.

flows/ivr.py decides what is said and what a key means; this file only turns its Prompt
into TwiML. The URLs we hand Twilio carry the case and round; Twilio signs every request
with the full URL, so those parameters cannot be forged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from flask.typing import ResponseReturnValue
from twilio.twiml.voice_response import Gather, VoiceResponse

from flows import ivr, messages, reach
from gateway.core import counters
from gateway.core.effects import Effects
from gateway.core.locks import case_then_row
from gateway.core.models import OutboxMessage
from gateway.core.names import Channel
from gateway.core.phones import mask
from gateway.core.safe_text import clean
from gateway.http.twilio_common import CONTROL, as_int, form_number, signed, twiml
from gateway.runtime import runtime

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__, url_prefix="/twilio")

FINAL_CALL_STATUSES = {"completed", "busy", "no-answer", "failed", "canceled"}
DIGITS = re.compile(r"[0-9*#]{0,12}")
MAX_SPEECH_CHARACTERS = 500


@bp.post("/voice")
@signed
def inbound_call() -> ResponseReturnValue:
    caller, proxy = form_number("From"), form_number("To")
    prompt = _decide(lambda fx: ivr.inbound(fx, proxy, caller))
    log.info(
        "inbound call from %s to %s: %s",
        mask(caller),
        proxy,
        "connected to " + mask(prompt.connect_to) if prompt.connect_to else prompt.then,
    )
    return _render(prompt)


@bp.post("/ivr/call")
@signed
def placed_call() -> ResponseReturnValue:
    row_id = as_int(request.args.get("o"))
    return _render(_decide(lambda fx: ivr.placed_call(fx, fx.session.get(OutboxMessage, row_id))))


@bp.post("/ivr/question")
@signed
def question_again() -> ResponseReturnValue:
    case_pk, round_, attempt = _case_args()
    return _render(_decide(lambda fx: ivr.question(fx, case_pk, round_, attempt)))


@bp.post("/ivr/answer")
@signed
def answer() -> ResponseReturnValue:
    case_pk, round_, attempt = _case_args()
    digits, speech = _digits(), CONTROL.sub("", request.form.get("SpeechResult", ""))[:MAX_SPEECH_CHARACTERS]
    return _render(_decide(lambda fx: ivr.answer(fx, case_pk, round_, attempt, digits, speech)))


@bp.post("/ivr/code")
@signed
def short_code() -> ResponseReturnValue:
    """A caller on a shared number keyed in the code of the case she calls about."""
    caller, proxy = form_number("From"), form_number("To")
    attempt, digits = _attempt(), _digits().rstrip("#")
    return _render(_decide(lambda fx: ivr.by_code(fx, proxy, caller, digits, attempt)))


@bp.post("/ivr/repeat")
@signed
def repeat() -> ResponseReturnValue:
    row_id, times_said = as_int(request.args.get("o")), _attempt()
    if _digits() != ivr.REPEAT_KEY:
        lang = runtime().config.default_language
        return _render(ivr.Prompt(messages.texts(runtime().config).render(lang, "voice_goodbye"), lang))
    return _render(_decide(lambda fx: ivr.repeat(fx, fx.session.get(OutboxMessage, row_id), times_said)))


@bp.post("/call-status")
@signed
def call_status() -> ResponseReturnValue:
    rt = runtime()
    sid = request.form.get("CallSid", "").strip()
    status = request.form.get("CallStatus", "").strip().lower()
    row_id = as_int(request.args.get("o"))
    if not re.fullmatch(r"CA[A-Za-z0-9]{2,62}", sid) or not row_id:
        return Response("CallSid and the o= parameter are required\n", status=400, mimetype="text/plain")
    if status not in FINAL_CALL_STATUSES:
        return Response(status=204)  # ringing, in-progress: nothing to decide yet
    with rt.db.transaction() as session:
        case, row = case_then_row(session, OutboxMessage, OutboxMessage.id == row_id)
        if row is None or case is None or row.channel != Channel.CALL or row.provider_sid not in (None, sid):
            log.warning("call status %s for unknown call %s ignored", status, sid)
            return Response(status=204)
        if row.delivery_status in FINAL_CALL_STATUSES:
            return Response(status=204)  # a redelivered status callback changes nothing
        row.delivery_status, row.provider_sid = status, sid
        counters.count_message(session, row.channel, row.recipient, status.replace("-", "_"))
        fx = Effects(session, rt.config)
        fx.record(
            case, "call.status", f"{row.purpose} call to {row.recipient}: {status}", outbox_id=row.id, status=status
        )
        reach.call_ended(fx, case, row, status)
    return Response(status=204)


def _decide(decision: Callable[[Effects], ivr.Prompt]) -> ivr.Prompt:
    rt = runtime()
    with rt.db.transaction() as session:
        return decision(Effects(session, rt.config))


def _case_args() -> tuple[int, int, int]:
    return as_int(request.args.get("case")), as_int(request.args.get("round")), _attempt()


def _attempt() -> int:
    # Every URL we hand Twilio carries the count, and Twilio signs it. One without a count
    # gets no more repeats: it cannot be a step of a call we are in.
    return as_int(request.args.get("attempt")) or ivr.MAX_TIMES_SAID


def _digits() -> str:
    digits = request.form.get("Digits", "").strip()
    return digits if DIGITS.fullmatch(digits) else ""


def _render(prompt: ivr.Prompt) -> Response:
    # XML 1.0 cannot carry control characters or noncharacters at all, escaped or not.
    prompt = replace(prompt, say=clean(prompt.say), goodbye=clean(prompt.goodbye))
    voice = VoiceResponse()
    speaker = messages.VOICES[prompt.language]
    if not RENDERERS[prompt.then](voice, prompt, speaker):
        if prompt.goodbye:
            _say(voice, prompt.goodbye, speaker)
        voice.hangup()
    return twiml(voice)


def _say(verb: VoiceResponse | Gather, words: str, speaker: messages.Voice) -> None:
    verb.say(words, voice=speaker.name, language=speaker.say)


# Each says the prompt and what comes next; True when the call goes on elsewhere (no hang-up).
def _connect(voice: VoiceResponse, prompt: ivr.Prompt, speaker: messages.Voice) -> bool:
    _say(voice, prompt.say, speaker)
    # callerId is the proxy number: without it the other party would see the real number.
    dial = voice.dial(
        caller_id=prompt.caller_id,
        record="do-not-record",
        answer_on_bridge=True,
        timeout=30,
        time_limit=runtime().config.dial_time_limit,
    )
    dial.number(prompt.connect_to)
    return True


def _ask_answer(voice: VoiceResponse, prompt: ivr.Prompt, speaker: messages.Voice) -> bool:
    query = {"case": prompt.case_pk, "round": prompt.round, "attempt": prompt.attempt}
    gather = Gather(
        input="dtmf speech",
        num_digits=1,
        timeout=6,
        speech_timeout="auto",
        language=speaker.hear,
        hints=speaker.hints,
        action=_url("answer", query),
        method="POST",
        action_on_empty_result=False,
    )
    _say(gather, prompt.say, speaker)
    voice.append(gather)
    if prompt.attempt < 2:
        voice.redirect(_url("question", {**query, "attempt": prompt.attempt + 1}), method="POST")
        return True
    return False


def _ask_code(voice: VoiceResponse, prompt: ivr.Prompt, speaker: messages.Voice) -> bool:
    action = _url("code", {"attempt": prompt.attempt})
    gather = Gather(input="dtmf", finish_on_key="#", timeout=8, action=action, method="POST")
    _say(gather, prompt.say, speaker)
    voice.append(gather)
    return False


def _offer_repeat(voice: VoiceResponse, prompt: ivr.Prompt, speaker: messages.Voice) -> bool:
    again = _url("repeat", {"o": prompt.outbox_id, "attempt": prompt.attempt})
    gather = Gather(input="dtmf", num_digits=1, timeout=5, action=again, method="POST")
    _say(gather, prompt.say, speaker)
    voice.append(gather)
    return False


def _hang_up(voice: VoiceResponse, prompt: ivr.Prompt, speaker: messages.Voice) -> bool:
    _say(voice, prompt.say, speaker)
    return False


RENDERERS: dict[ivr.Then, Callable[[VoiceResponse, ivr.Prompt, messages.Voice], bool]] = {
    ivr.Then.CONNECT: _connect,
    ivr.Then.ASK_ANSWER: _ask_answer,
    ivr.Then.ASK_CODE: _ask_code,
    ivr.Then.OFFER_REPEAT: _offer_repeat,
    ivr.Then.HANGUP: _hang_up,
}


def _url(step: str, query: dict) -> str:
    # Relative to PUBLIC_BASE_URL, the address Twilio knows us by (and signs requests for).
    return f"{runtime().config.public_base_url}/twilio/ivr/{step}?{urlencode(query)}"
