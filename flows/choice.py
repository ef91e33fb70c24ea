"""Which case? For a text on a proxy number that the sender shares between several cases.

The pool shares a number only when it has none free (gateway/pool.py). A text from a
person who holds that number for several cases is held, and she gets a numbered
question: "Over welke melding? 1 = Kerkstraat 12 (MOR-42), 2 = ...". Her answer "1"
releases the held text to that case. A text that starts with a case's short code
("123 de ploeg is er") goes straight to that case.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from flows import messages
from gateway.effects import Effects
from gateway.models import Case, PendingChoice, ProxyLease

_LEADING_NUMBER = re.compile(r"\s*(\d{1,3})\s*[.):=-]?\s*(.*)", re.DOTALL)


def pick(fx: Effects, proxy_number: str, sender: str, leases: list[ProxyLease], body: str,
         media: int) -> tuple[ProxyLease, str, int] | None:
    """The lease a text is about, with the text to deliver; None when we had to ask."""
    by_case = {lease.case_pk: lease for lease in leases}
    pending = fx.session.scalar(select(PendingChoice).where(
        PendingChoice.proxy_number == proxy_number, PendingChoice.phone == sender).with_for_update())
    match = _LEADING_NUMBER.fullmatch(body)
    if match:
        number, rest = int(match.group(1)), match.group(2).strip()
        target = None
        if pending and not rest and 1 <= number <= len(pending.options):
            target = pending.options[number - 1]
        if target not in by_case:
            target = _by_short_code(fx, by_case, number)
        if target is not None:
            if pending is None:
                return by_case[target], rest, media
            held, held_media = "\n".join(part for part in (pending.body, rest) if part), pending.media + media
            fx.session.delete(pending)
            return by_case[target], held, held_media
    _ask(fx, proxy_number, sender, leases, pending, body, media)
    return None


def _by_short_code(fx: Effects, by_case: dict[int, ProxyLease], code: int) -> int | None:
    return fx.session.scalar(select(Case.id).where(Case.id.in_(by_case), Case.short_code == code))


def _ask(fx: Effects, proxy_number: str, sender: str, leases: list[ProxyLease], pending: PendingChoice | None,
         body: str, media: int) -> None:
    options = [lease.case_pk for lease in leases]
    if pending is None:
        fx.session.add(PendingChoice(proxy_number=proxy_number, phone=sender, options=options, body=body,
                                     media=media, asked_at=fx.now))
    else:
        # Not a valid choice: keep it with what she wrote before, and ask again.
        pending.body = "\n".join(part for part in (pending.body, body) if part)
        pending.media += media
        pending.options, pending.asked_at = options, fx.now
    cases = [fx.session.get(Case, pk) for pk in options]
    role = leases[0].role
    first = cases[0]
    lang = first.citizen_language if role == "citizen" else first.crew_language
    listed = ", ".join(
        messages.render(lang, "which_case_option", index=str(i), address=case.address, reference=case.reference)
        for i, case in enumerate(cases, start=1)
    )
    question = messages.render(lang, "which_case", org=fx.config.organisation_name, options=listed)
    for case in cases:
        fx.record(case, "text.held", f"a text from the {role} on a shared number is held: which case?")
    fx.text(first, role, "which_case", question)
