"""Voice: what a caller hears, and what her keys (or words) mean.

Three kinds of call reach this file:
- a call we placed to a resident on a landline (the dispatch notice, the question, a crew message);
- a call to a proxy number: connected to the other party of an open job, or, after the job,
  the question again if it is still open, or the municipality's general number;
- a key pressed: 1 = fixed, 2 = not fixed, 9 = repeat; or a short code on a shared number.

A prompt is said at most MAX_TIMES_SAID times (pressing 9, silence and an unknown key all
count), then the call ends with the municipality's general number: a line kept open by a
machine pressing 9 would otherwise cost per minute for as long as Twilio allows.

Each function returns a Prompt; gateway/http/voice.py turns it into TwiML. Only the two
parties of a case are ever dialled, so a proxy number can never be used as an open relay.
A dial keeps to the destination rule and RECIPIENT_DAILY_LIMIT like a text (gateway/core/dials.py):
refused, the caller hears the general number instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from flows import confirmation, messages, reach
from flows.purposes import ASKING, QUESTION
from flows.replies import Reading, interpret
from gateway.core import dials
from gateway.core.effects import Effects
from gateway.core.models import Case, OutboxMessage, ProxyLease
from gateway.core.names import CaseState, Channel
from gateway.core.phones import mask

KEYS = {"1": Reading("yes", "pressed 1"), "2": Reading("no", "pressed 2")}
REPEAT_KEY = "9"
MAX_TIMES_SAID = 3  # the first time and two repeats
OPEN_QUESTION = (CaseState.AWAITING_CONFIRMATION, CaseState.UNANSWERED)
# Calling us herself, she may answer as soon as the crew reports done, before we ask.
ANSWERABLE = (CaseState.COMPLETED, *OPEN_QUESTION)


class Then(StrEnum):
    """What the call does after a prompt is said (TwiML for each: gateway/http/voice.py)."""

    HANGUP = "hangup"
    ASK_ANSWER = "ask_answer"  # yes/no by key or speech
    ASK_CODE = "ask_code"  # a case's short code, on a shared number
    OFFER_REPEAT = "offer_repeat"  # 9 says it again
    CONNECT = "connect"  # a masked call to the other party


@dataclass(frozen=True)
class Prompt:
    """What to say, then what to do: hang up, ask yes/no, ask a short code, offer a repeat, or connect."""

    say: str
    language: str
    then: Then = Then.HANGUP
    case_pk: int | None = None
    round: int | None = None
    outbox_id: int | None = None
    # Times this prompt has been said: 9 asks again up to MAX_TIMES_SAID; silence or an unclear
    # answer at the second ends the call.
    attempt: int = 1
    connect_to: str | None = None
    caller_id: str | None = None
    goodbye: str = ""


def placed_call(fx: Effects, row: OutboxMessage | None) -> Prompt:
    """Twilio fetches what to say in a call we placed."""
    case = fx.case(row.case_pk) if row is not None and row.channel == Channel.CALL and row.case_pk else None
    if row is None or case is None:
        lang = fx.config.default_language
        return Prompt(messages.texts(fx.config).render(lang, "voice_goodbye"), lang)
    lang = case.citizen_language
    if row.purpose in ASKING:
        if case.status not in OPEN_QUESTION:
            return Prompt(reach.render(fx, case, "voice_nothing_open", voice=True), lang)
        return _ask(fx, case, row.body or "")
    fx.record(case, "call.answered", f"{row.purpose} call answered", outbox_id=row.id)
    return Prompt(
        (row.body or "") + " " + messages.texts(fx.config).render(lang, "voice_repeat_hint"),
        lang,
        Then.OFFER_REPEAT,
        outbox_id=row.id,
        goodbye=messages.texts(fx.config).render(lang, "voice_goodbye"),
    )


def repeat(fx: Effects, row: OutboxMessage | None, times_said: int) -> Prompt:
    """She pressed 9 on a call that told her something: say it again, up to MAX_TIMES_SAID."""
    if times_said >= MAX_TIMES_SAID:
        return _end_of_call(fx, fx.case(row.case_pk) if row is not None and row.case_pk else None)
    prompt = placed_call(fx, row)
    return replace(prompt, attempt=times_said + 1) if prompt.then == Then.OFFER_REPEAT else prompt


def question(fx: Effects, case_pk: int, round_: int, attempt: int) -> Prompt:
    """The yes/no question once more, after silence on the first try."""
    case = _case_in_round(fx, case_pk, round_)
    if attempt > MAX_TIMES_SAID:
        return _end_of_call(fx, case)
    if case is None or case.status not in ANSWERABLE:
        return _nothing_open(fx, case)
    return _ask(fx, case, reach.spoken_message(fx, case, QUESTION), attempt)


def answer(fx: Effects, case_pk: int, round_: int, attempt: int, digits: str, speech: str) -> Prompt:
    """Her key or her words after the question. Something unclear asks once more, then says goodbye."""
    case = _case_in_round(fx, case_pk, round_)
    if case is None or case.status not in ANSWERABLE:
        return _nothing_open(fx, case)
    lang = case.citizen_language
    if digits == REPEAT_KEY:
        if attempt >= MAX_TIMES_SAID:
            return _end_of_call(fx, case)
        return _ask(fx, case, reach.spoken_message(fx, case, QUESTION), attempt + 1)
    reading = KEYS.get(digits) or (interpret(speech, lang) if speech else Reading("unclear", f"pressed {digits!r}"))
    said = f"toets {digits}" if digits else speech
    outcome = confirmation.answer(fx, case, said, reading=reading, channel="voice")
    if outcome == "confirmed":
        return Prompt(reach.render(fx, case, "voice_thanks_yes", voice=True), lang)
    if outcome == "reopened":
        return Prompt(reach.render(fx, case, "voice_thanks_no", voice=True), lang)
    not_understood = messages.texts(fx.config).render(lang, "voice_not_understood")
    if attempt >= 2:
        return Prompt(not_understood + " " + _end_of_call(fx, case).say, lang)
    return _ask(fx, case, not_understood + " " + reach.spoken_message(fx, case, QUESTION), attempt + 1)


def inbound(fx: Effects, proxy_number: str, caller: str) -> Prompt:
    # Her cases locked in the same statement: routing the call locks its case anyway.
    leases = fx.leases(proxy_number, caller, lock=True)
    if not leases:
        lang = fx.config.default_language
        return Prompt(_with_fallback(fx, lang, "voice_stranger"), lang)
    if len(leases) > 1:
        lang = _language(fx.case_of(leases[0]), leases[0].role)
        return Prompt(
            messages.texts(fx.config).render(lang, "voice_which_case", org=fx.config.organisation_name),
            lang,
            Then.ASK_CODE,
            goodbye=messages.texts(fx.config).render(lang, "voice_no_choice"),
        )
    return _route(fx, leases[0], caller)


def by_code(fx: Effects, proxy_number: str, caller: str, digits: str, attempt: int) -> Prompt:
    """A caller on a shared number keyed in a short code: route her, or ask once more."""
    leases = fx.leases(proxy_number, caller)
    code = int(digits) if digits.isdigit() and len(digits) <= 6 else None
    chosen = fx.case_with_code([lease.case_pk for lease in leases], code) if code is not None else None
    for lease in leases:
        if lease.case_pk == chosen:
            return _route(fx, lease, caller)
    lang = _language(fx.case_of(leases[0]), leases[0].role) if leases else fx.config.default_language
    unknown, goodbye = (
        messages.texts(fx.config).render(lang, "voice_unknown_code"),
        messages.texts(fx.config).render(lang, "voice_no_choice"),
    )
    if attempt >= 2 or not leases:
        return Prompt(f"{unknown} {goodbye}", lang)
    ask = messages.texts(fx.config).render(lang, "voice_which_case", org=fx.config.organisation_name)
    return Prompt(f"{unknown} {ask}", lang, Then.ASK_CODE, attempt=attempt + 1, goodbye=goodbye)


def _route(fx: Effects, lease: ProxyLease, caller: str) -> Prompt:
    # Locked first: a refused dial tells the case system once per case (gateway/core/dials.py).
    case = fx.case_of(lease, lock=True)
    lang = _language(case, lease.role)
    if case.status == CaseState.DISPATCHED:
        other_role = "crew" if lease.role == "citizen" else "citizen"
        other = case.crew_phone if lease.role == "citizen" else case.citizen_phone
        refused = dials.admit(fx, case, other_role, other or "")
        if refused:
            dials.refuse(fx, case, lease.role, other_role, refused)
            return Prompt(_with_fallback(fx, lang, "voice_not_connected"), lang)
        fx.record(case, "call.connected", f"call from {lease.role} {mask(caller)} connected to {mask(other)}")
        say = messages.texts(fx.config).render(
            lang, f"voice_connecting_{lease.role}", org=fx.config.organisation_name, reference=case.reference
        )
        return Prompt(say, lang, Then.CONNECT, connect_to=other, caller_id=lease.proxy_number)
    if lease.role == "citizen" and case.status in ANSWERABLE:
        fx.record(case, "call.question", f"call from citizen {mask(caller)}: the open question by phone")
        return _ask(fx, case, reach.spoken_message(fx, case, QUESTION))
    fx.record(case, "call.refused", f"call from {lease.role} {mask(caller)} after the job")
    return Prompt(_with_fallback(fx, lang, "voice_closed", reference=case.reference), lang)


def _ask(fx: Effects, case: Case, say: str, attempt: int = 1) -> Prompt:
    lang = case.citizen_language
    return Prompt(
        say,
        lang,
        Then.ASK_ANSWER,
        case_pk=case.id,
        round=case.round,
        attempt=attempt,
        goodbye=messages.texts(fx.config).render(lang, "voice_no_choice"),
    )


def _end_of_call(fx: Effects, case: Case | None) -> Prompt:
    """A polite goodbye that names how to reach the municipality."""
    lang = case.citizen_language if case is not None else fx.config.default_language
    return Prompt(_with_fallback(fx, lang, "voice_end_of_call"), lang)


def _nothing_open(fx: Effects, case: Case | None) -> Prompt:
    if case is None:
        lang = fx.config.default_language
        return Prompt(messages.texts(fx.config).render(lang, "voice_goodbye"), lang)
    return Prompt(reach.render(fx, case, "voice_nothing_open", voice=True), case.citizen_language)


def _case_in_round(fx: Effects, case_pk: int, round_: int) -> Case | None:
    case = fx.lock_case(case_pk)
    return case if case is not None and case.round == round_ else None


def _language(case: Case, role: str) -> str:
    return case.citizen_language if role == "citizen" else case.crew_language


def _with_fallback(fx: Effects, lang: str, key: str, **values: str) -> str:
    return messages.texts(fx.config).render(
        lang, key, org=fx.config.organisation_name, fallback=reach.fallback_phrase(fx, lang), **values
    )
