"""The masked line for texts: crew and citizen text each other through the proxy number.

Neither sees the other's number: texts are re-sent from the proxy number. (Calls are
connected in flows/ivr.py.) A citizen on a landline hears the crew's text in a call.
"""

from __future__ import annotations

from flows import limits, messages, reach
from flows.parts import MAX_TEXT_CHARACTERS
from flows.purposes import RELAY, RELAY_CLOSED, RELAY_OPTED_OUT
from gateway.core.effects import Effects
from gateway.core.models import Case
from gateway.core.names import CallbackType, CaseState


def crew_text(fx: Effects, case: Case, text: str, media: int = 0) -> str:
    org = fx.config.organisation_name
    if case.status != CaseState.DISPATCHED:
        limits.text(
            fx,
            case,
            "crew",
            RELAY_CLOSED,
            messages.texts(fx.config).render(case.crew_language, "relay_closed", org=org, reference=case.reference),
        )
        return "not_relayed"
    # A crew on a late shift must not wake her: the crew's texts wait out quiet hours too.
    sent = reach.tell_citizen(
        fx,
        case,
        RELAY,
        words=text,
        body=_relayed(fx, case.citizen_language, "relay_to_citizen", text, media, org=org),
    )
    if sent is None and fx.opted_out(case.citizen_phone):
        limits.text(
            fx,
            case,
            "crew",
            RELAY_OPTED_OUT,
            messages.texts(fx.config).render(case.crew_language, "relay_opted_out", org=org, reference=case.reference),
        )
        return "not_relayed"
    return "relayed"


def citizen_text(fx: Effects, case: Case, text: str, media: int = 0) -> str:
    """While the job is open: to the crew, and to the case system as the citizen's message."""
    limits.text(
        fx,
        case,
        "crew",
        RELAY,
        _relayed(
            fx,
            case.crew_language,
            "relay_to_crew",
            text,
            media,
            org=fx.config.organisation_name,
            reference=case.reference,
        ),
    )
    fx.callback(case, CallbackType.CITIZEN_MESSAGE, text=text, media=media)
    return "relayed"


def _relayed(fx: Effects, language: str, key: str, text: str, media: int, **values: str) -> str:
    """Someone's words behind our prefix, cut to fit one Twilio message, with a word about pictures.

    Pictures are not forwarded: their URLs would need our Twilio credentials to open.
    """
    texts = messages.texts(fx.config)
    notice = texts.render(language, "media_only") if media else ""
    room = MAX_TEXT_CHARACTERS - len(texts.render(language, key, text="", **values)) - len(notice) - 1
    words = text if len(text) <= room else text[: room - 3] + "..."
    return texts.render(language, key, text=" ".join(part for part in (words, notice) if part), **values)
