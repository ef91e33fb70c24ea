"""A crew is dispatched: the resident hears who is coming, the crew reads her own words.

Also the case system's cancellation, which ends everything for a case.
"""

from __future__ import annotations

from datetime import datetime

from flows import limits, messages, parts, reach
from flows.purposes import DISPATCH_CITIZEN, DISPATCH_CREW
from flows.states import check, transition
from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.names import CallbackType, CaseState
from gateway.core.schemas import Cancelled, Dispatched


class CaseNotFound(LookupError):
    pass


def lock_case(fx: Effects, case_id: str) -> Case | None:
    # Row lock: a reply, a timer and an event for one case must not interleave.
    return fx.lock_case_by_id(case_id)


def dispatch(fx: Effects, event: Dispatched) -> Case:
    case = lock_case(fx, event.case_id)
    check(case, event.case_id, "dispatched")
    if case is None:
        case = Case(case_id=event.case_id, status=CaseState.NEW, round=1)
        reason = "crew dispatched"
    else:
        end_round(fx, case, f"a new dispatch starts round {case.round + 1}")
        case.round += 1
        reason = f"crew dispatched again (round {case.round})"
    previous_proxy = case.proxy_number
    case.ended_at = None
    _take_details(fx, case, event)
    if case.id is None:
        fx.add_case(case)
    _note_languages(fx, case, event)
    _note_channel(fx, case, event)
    choice = fx.allocate(case, prefer=previous_proxy)
    case.proxy_number = choice.number
    if choice.shared:
        fx.record(
            case,
            "pool.shared",
            f"no proxy number free for both parties: {choice.number} is shared; "
            f"texts and calls to it ask which case (code {case.short_code})",
            proxy_number=choice.number,
        )
    transition(fx, case, CaseState.DISPATCHED, reason)
    _notify(fx, case)
    if case.citizen_channel in ("sms", "whatsapp") and fx.opted_out(case.citizen_phone):
        # She sent STOP for an earlier case: this one reaches her by no text either; say so now.
        fx.callback(case, CallbackType.CITIZEN_OPTED_OUT, source="earlier")
    return case


def cancel(fx: Effects, event: Cancelled) -> Case:
    case = lock_case(fx, event.case_id)
    if case is None:
        raise CaseNotFound(event.case_id)
    check(case, case.case_id, "cancelled")
    end_round(fx, case, "case cancelled")
    case.proxy_number = None
    case.ended_at = fx.now
    transition(fx, case, CaseState.CANCELLED, event.reason or "cancelled by the case system")
    return case


def end_round(fx: Effects, case: Case, reason: str) -> None:
    """Stop the round's timers and unsent texts, and give the proxy number back."""
    fx.cancel_timers(case)
    fx.cancel_pending_texts(case, reason)
    fx.release(case)
    case.unclear_replies = 0
    case.awaiting_detail = False
    case.completed_at = case.reopen_until = None


def _take_details(fx: Effects, case: Case, event: Dispatched) -> None:
    case.reference, case.address, case.description = event.reference, event.address, event.description
    case.citizen_phone, case.citizen_name = event.citizen.phone, event.citizen.name
    case.citizen_channel = reach.channel_for(
        event.citizen.phone, event.citizen.channel, whatsapp=bool(fx.config.whatsapp_sender)
    )
    case.citizen_language = _language(fx, event.citizen.language)
    case.crew_id, case.crew_phone, case.crew_name = event.crew.id, event.crew.phone, event.crew.name
    case.crew_language = _language(fx, event.crew.language)
    case.eta = _aware(event.eta, fx) if event.eta else None


def _language(fx: Effects, asked: str | None) -> str:
    return asked if asked in messages.LANGUAGES else fx.config.default_language


def _note_channel(fx: Effects, case: Case, event: Dispatched) -> None:
    """WhatsApp asked for and not possible (no WHATSAPP_SENDER, a landline): say what is used instead."""
    asked = event.citizen.channel
    if asked == "whatsapp" and case.citizen_channel != "whatsapp":
        why = "she is on a landline" if fx.config.whatsapp_sender else "no WHATSAPP_SENDER is set"
        fx.record(
            case,
            "channel.sms",
            f"WhatsApp asked for, but {why}: she gets {'calls' if case.citizen_channel == 'voice' else 'texts'}",
            asked=asked,
            used=case.citizen_channel,
        )


def _note_languages(fx: Effects, case: Case, event: Dispatched) -> None:
    """A language asked for that we have no texts in: say on the timeline what is used instead."""
    for role, asked, used in (
        ("citizen", event.citizen.language, case.citizen_language),
        ("crew", event.crew.language, case.crew_language),
    ):
        if asked is not None and asked != used:
            fx.record(
                case,
                "language.fallback",
                f"no texts in {asked!r}: the {role} gets {used!r} (DEFAULT_LANGUAGE)",
                role=role,
                asked=asked,
                used=used,
            )


def _aware(moment: datetime, fx: Effects) -> datetime:
    # An ETA without an offset is local time in the municipality's TIMEZONE.
    return moment if moment.tzinfo else moment.replace(tzinfo=fx.config.timezone)


def _notify(fx: Effects, case: Case) -> None:
    reach.tell_citizen(fx, case, DISPATCH_CITIZEN)
    crew_lang = case.crew_language
    name = messages.texts(fx.config).render(crew_lang, "crew_name", name=case.citizen_name) if case.citizen_name else ""
    notice = messages.texts(fx.config).render(
        crew_lang,
        "dispatch_crew",
        org=fx.config.organisation_name,
        reference=case.reference,
        code=str(case.short_code),
        address=case.address,
        description=case.description,
        name=name,
    )
    # A long description would make one text Twilio refuses; in parts, in order, the crew gets it all.
    for part in parts.split(notice):
        limits.text(fx, case, "crew", DISPATCH_CREW, part)
