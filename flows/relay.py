"""The masked line: crew and citizen call and text each other through the proxy number.

Neither sees the other's number: texts are re-sent from the proxy number, and calls
are dialled with callerId set to it. Only the two parties of a case are ever dialled,
so a proxy number can never be used as an open relay.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows import messages
from gateway import pool
from gateway.effects import Effects
from gateway.models import Case
from gateway.phones import mask


# Twilio refuses a text over 1,600 characters (error 21617).
MAX_TEXT_CHARACTERS = 1600


def crew_text(fx: Effects, case: Case, text: str, media: int = 0) -> str:
    org = fx.config.organisation_name
    if case.status != "dispatched":
        fx.text(case, "crew", "relay_closed", messages.render(
            case.crew_language, "relay_closed", org=org, reference=case.reference))
        return "not_relayed"
    fx.text(case, "citizen", "relay", _relayed(case.citizen_language, "relay_to_citizen", text, media, org=org))
    return "relayed"


def citizen_text(fx: Effects, case: Case, text: str, media: int = 0) -> str:
    """While the job is open: to the crew, and to the case system as the citizen's message."""
    fx.text(case, "crew", "relay", _relayed(
        case.crew_language, "relay_to_crew", text, media, org=fx.config.organisation_name, reference=case.reference))
    fx.callback(case, "case.citizen_message", text=text, media=media)
    return "relayed"


def _relayed(language: str, key: str, text: str, media: int, **values: str) -> str:
    """Someone's words behind our prefix, cut to fit one Twilio message, with a word about pictures.

    Pictures are not forwarded: their URLs would need our Twilio credentials to open.
    """
    notice = messages.render(language, "media_only") if media else ""
    room = MAX_TEXT_CHARACTERS - len(messages.render(language, key, text="", **values)) - len(notice) - 1
    words = text if len(text) <= room else text[: room - 3] + "..."
    return messages.render(language, key, text=" ".join(part for part in (words, notice) if part), **values)


@dataclass(frozen=True)
class CallRoute:
    """What to do with a call to a proxy number: say something, then maybe connect."""

    say: str
    language: str
    connect_to: str | None = None
    caller_id: str | None = None


def route_call(fx: Effects, proxy_number: str, caller: str) -> CallRoute:
    org = fx.config.organisation_name
    lease = pool.find_lease(fx.session, proxy_number, caller)
    case = fx.session.get(Case, lease.case_pk) if lease else None
    if case is None:
        lang = fx.config.default_language
        return CallRoute(messages.render(lang, "voice_stranger", org=org), lang)
    lang = case.citizen_language if lease.role == "citizen" else case.crew_language
    if case.status != "dispatched":
        fx.record(case, "call.refused", f"call from {lease.role} {mask(caller)} after the job")
        return CallRoute(messages.render(lang, "voice_closed", org=org, reference=case.reference), lang)
    other = case.crew_phone if lease.role == "citizen" else case.citizen_phone
    fx.record(case, "call.connected", f"call from {lease.role} {mask(caller)} connected to {mask(other)}")
    return CallRoute(
        messages.render(lang, f"voice_connecting_{lease.role}", org=org, reference=case.reference),
        lang, connect_to=other, caller_id=proxy_number,
    )
