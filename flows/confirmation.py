"""After the job: is it fixed? YES confirms, NO reopens, silence is reported.

case.completed -> (CONFIRMATION_DELAY) question -> (REMINDER_AFTER) one reminder
-> (CONFIRMATION_TIMEOUT) case.unanswered. Any NO until REOPEN_WINDOW after completion
reopens the case, even after a YES or a timeout; then we ask what is still wrong.
"""

from __future__ import annotations

from datetime import timedelta

from flows import reach
from flows.dispatch import CaseNotFound, lock_case
from flows.purposes import ASKING, DISPATCH_CITIZEN, FORWARDED, QUESTION, REASK, REMINDER, THANKS_NO, THANKS_YES
from flows.replies import Reading, interpret
from flows.states import transition
from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.names import CallbackType, CaseState
from gateway.core.quiet_hours import next_allowed
from gateway.core.schemas import Completed

# Everything that would still ask her, once she has answered.
OPEN_QUESTION_TIMERS = ("ask", "remind", "time_out")


def complete(fx: Effects, event: Completed) -> Case:
    case = lock_case(fx, event.case_id)
    if case is None:
        raise CaseNotFound(event.case_id)
    transition(fx, case, CaseState.COMPLETED, event.note or "crew reports the job done")
    # Done before quiet hours let the "crew is coming" text out: it would only confuse her now.
    fx.cancel_pending_texts(case, "the job was done first", purposes=(DISPATCH_CITIZEN.name,), held_only=True)
    case.completed_at = fx.now
    case.reopen_until = fx.now + timedelta(seconds=fx.config.reopen_window)
    fx.schedule(case, "ask", fx.config.confirmation_delay)
    fx.schedule(case, "end_crew_session", fx.config.session_grace)
    fx.schedule(case, "close", fx.config.reopen_window)
    return case


def ask(fx: Effects, case: Case) -> None:
    if case.status != CaseState.COMPLETED:
        return
    sent_at = next_allowed(fx.now, fx.config.quiet_hours, fx.config.timezone)
    transition(fx, case, CaseState.AWAITING_CONFIRMATION, "confirmation question sent")
    reach.tell_citizen(fx, case, QUESTION)
    # Count from when she actually gets the question, not from when quiet hours held it.
    fx.schedule(case, "remind", fx.config.reminder_after, start=sent_at)
    fx.schedule(case, "time_out", fx.config.confirmation_timeout, start=sent_at)


def remind(fx: Effects, case: Case) -> None:
    if case.status == CaseState.AWAITING_CONFIRMATION:
        reach.tell_citizen(fx, case, REMINDER)


def time_out(fx: Effects, case: Case) -> None:
    if case.status != CaseState.AWAITING_CONFIRMATION:
        return
    transition(fx, case, CaseState.UNANSWERED, "no answer within CONFIRMATION_TIMEOUT")
    # A retry of a missed call or text is not sent after the question has timed out.
    fx.cancel_pending_texts(case, "the question timed out", purposes=ASKING)
    fx.callback(case, CallbackType.UNANSWERED)
    if case.reopen_until and case.reopen_until <= fx.now:
        close(fx, case)


def close(fx: Effects, case: Case) -> None:
    """The reopen window is over: free the proxy number. An open question waits for its timeout."""
    if case.status in (CaseState.CONFIRMED, CaseState.UNANSWERED, CaseState.REOPENED):
        fx.release(case)
        case.ended_at = fx.now
        fx.record(case, "session.ended", "reopen window over; proxy number released")


def end_crew_session(fx: Effects, case: Case) -> None:
    """SESSION_GRACE after the job the crew's side of the number is freed: the crew has no
    more to say to her, and a free number spares the pool (see gateway/core/pool.py)."""
    if case.status != CaseState.DISPATCHED:
        fx.release(case, role="crew")
        fx.record(case, "session.crew_ended", "grace period over; the crew's side of the proxy number released")


TIMERS = {"ask": ask, "remind": remind, "time_out": time_out, "close": close, "end_crew_session": end_crew_session}


def answer(
    fx: Effects,
    case: Case,
    text: str,
    media: int = 0,
    *,
    reading: Reading | None = None,
    channel: str = "sms",
) -> str:
    """A citizen's answer after the job: by text (`channel` sms), on WhatsApp, or by key or voice
    (`channel` voice, with `reading` given; a tapped WhatsApp button gives one too).

    Returns what it was taken as. By voice, the call itself says thank you or asks again
    (flows/ivr.py), so no text follows.
    """
    by_voice = channel == "voice"
    if case.awaiting_detail and not by_voice:
        case.awaiting_detail = False
        return _pass_on(fx, case, text, media, "detail")
    reading = reading or interpret(text, case.citizen_language)
    fx.record(
        case, "reply.read", f"read as {reading.verdict}: {reading.reason}", verdict=reading.verdict, by_voice=by_voice
    )
    fx.count("korte_lijn_replies", interpretation=reading.verdict, channel="text" if channel == "sms" else channel)
    # A NO counts from the moment the crew reports done, even before we ask.
    if reading.verdict == "no" and case.status in (
        CaseState.COMPLETED,
        CaseState.AWAITING_CONFIRMATION,
        CaseState.CONFIRMED,
        CaseState.UNANSWERED,
    ):
        return _reopen(fx, case, text, channel)
    # By phone she answers the question we just put to her, even before the text would have gone.
    if reading.verdict == "yes" and (
        case.status in (CaseState.AWAITING_CONFIRMATION, CaseState.UNANSWERED)
        or (by_voice and case.status == CaseState.COMPLETED)
    ):
        return _confirm(fx, case, text, channel)
    if reading.verdict == "yes" and case.status == CaseState.CONFIRMED:
        return "already_confirmed"
    if by_voice:
        return "unclear"
    if reading.verdict == "auto_reply":
        return "auto_reply"  # her phone answered by itself (flows/inbound.py passes the first one on)
    if reading.verdict == "unclear" and case.status == CaseState.AWAITING_CONFIRMATION and case.unclear_replies == 0:
        case.unclear_replies += 1
        reach.tell_citizen(fx, case, REASK)
        return "reasked"
    return _pass_on(fx, case, text, media, "message")


def _confirm(fx: Effects, case: Case, text: str, channel: str) -> str:
    _count_answer(fx, case, "yes")
    transition(fx, case, CaseState.CONFIRMED, "citizen answered yes" + _BY[channel])
    _close_question(fx, case)
    fx.callback(case, CallbackType.CONFIRMED, reply=text, channel=channel)
    if channel != "voice":
        reach.tell_citizen(fx, case, THANKS_YES)
    return "confirmed"


def _reopen(fx: Effects, case: Case, text: str, channel: str) -> str:
    _count_answer(fx, case, "no")
    transition(fx, case, CaseState.REOPENED, "citizen answered no" + _BY[channel])
    _close_question(fx, case)
    fx.callback(case, CallbackType.REOPENED, reply=text, channel=channel)
    if channel != "voice":
        # Her next text tells what is still wrong; on the phone she is given the general number.
        case.awaiting_detail = True
        reach.tell_citizen(fx, case, THANKS_NO)
    return "reopened"


_BY = {"sms": "", "whatsapp": " on WhatsApp", "voice": " by phone"}


def _count_answer(fx: Effects, case: Case, answer: str) -> None:
    """Her first answer to this round's job: how many residents answer, and how soon.
    A NO after her YES (or after the time-out) is a second answer, counted as a reopen only."""
    if case.status not in (CaseState.COMPLETED, CaseState.AWAITING_CONFIRMATION) or case.completed_at is None:
        return
    crew = fx.crew_label(case)
    fx.count("korte_lijn_answers", answer=answer, crew=crew)
    fx.observe("korte_lijn_answer_seconds", (fx.now - case.completed_at).total_seconds(), crew=crew)


def _close_question(fx: Effects, case: Case) -> None:
    fx.cancel_timers(case, OPEN_QUESTION_TIMERS)
    fx.cancel_pending_texts(case, "question answered", purposes=ASKING)


def _pass_on(fx: Effects, case: Case, text: str, media: int, outcome: str) -> str:
    fx.callback(case, CallbackType.CITIZEN_MESSAGE, text=text, media=media)
    reach.tell_citizen(fx, case, FORWARDED)
    return outcome
