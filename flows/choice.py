"""Which case? For a text on a proxy number that the sender shares between several cases.

The pool shares a number only when it has none free (gateway/core/pool.py). A text from a
person who holds that number for several cases is held, and she gets a numbered
question: "Over welke melding? 1 = Kerkstraat 12 (MOR-42), 2 = ...". Her answer "1"
releases the held text to that case. A text that starts with a case's short code
("123 de ploeg is er") goes straight to that case; the code alone picks the case for
her next text. A question whose cases have all ended, or that is a day old, is dropped.

What is held is bounded (HELD_TEXTS_MAX texts, HELD_CHARACTERS_MAX characters; the oldest
go first) and she is asked at most WHICH_CASE_PER_HOUR times an hour: someone who keeps
texting without choosing must not grow a row without end, nor get a question for each text.
"""

from __future__ import annotations

import re
from datetime import timedelta

from flows import limits, messages
from flows.purposes import WHICH_CASE
from gateway.core.effects import Effects
from gateway.core.models import PendingChoice, ProxyLease

# A number of at most three digits at the start, not the start of a postcode ("1012 AB").
_LEADING_NUMBER = re.compile(r"\s*(\d{1,3})(?!\d)\s*[.):=-]?\s*(.*)", re.DOTALL)
QUESTION_LIFETIME = timedelta(days=1)
# Between held texts in PendingChoice.body (ASCII's record separator), so they can be counted
# and the oldest dropped; they are passed on one per line.
SEPARATOR = "\x1e"


def pending_for(fx: Effects, proxy_number: str, sender: str, leases: list[ProxyLease]) -> PendingChoice | None:
    """Her open "which case?" question, unless it has gone stale."""
    pending = fx.lock_pending_choice(proxy_number, sender)
    current = {lease.case_pk for lease in leases}
    if pending is not None and (not current & set(pending.options) or pending.asked_at < fx.now - QUESTION_LIFETIME):
        fx.drop_choice(pending)
        return None
    return pending


def pick(
    fx: Effects,
    proxy_number: str,
    sender: str,
    leases: list[ProxyLease],
    pending: PendingChoice | None,
    body: str,
    media: int,
) -> tuple[ProxyLease, str, int] | str:
    """The lease a text is about, with the text to deliver; or what we did instead
    ("which_case": we asked; "case_chosen": she keyed a code and her next text goes there)."""
    by_case = {lease.case_pk: lease for lease in leases}
    match = _LEADING_NUMBER.fullmatch(body)
    number, rest = (int(match.group(1)), match.group(2).strip()) if match else (None, body)
    target = None
    if pending and number is not None and not rest and 1 <= number <= len(pending.options):
        target = pending.options[number - 1]  # her answer to the numbered question
    if target not in by_case and number is not None:
        target = _by_short_code(fx, by_case, number)
    if target not in by_case and len(by_case) == 1 and pending:
        target = next(iter(by_case))  # the other cases ended: the choice made itself
    if target in by_case:
        held, held_media = ("\n".join(held_texts(pending)), pending.media) if pending else ("", 0)
        if pending:
            fx.drop_choice(pending)
        text = "\n".join(part for part in (held, rest) if part)
        if not text:
            # The code alone: her next text goes to this case.
            fx.keep_choice(
                PendingChoice(
                    proxy_number=proxy_number, phone=sender, options=[target], body="", media=0, asked_at=fx.now
                )
            )
            return "case_chosen"
        return by_case[target], text, held_media + media
    if pending and len(pending.options) == 1 and not pending.body and pending.options[0] in by_case:
        fx.drop_choice(pending)
        return by_case[pending.options[0]], body, media
    _ask(fx, proxy_number, sender, leases, pending, body, media)
    return "which_case"


def _by_short_code(fx: Effects, by_case: dict[int, ProxyLease], code: int) -> int | None:
    return fx.case_with_code(by_case, code)


def _ask(
    fx: Effects,
    proxy_number: str,
    sender: str,
    leases: list[ProxyLease],
    pending: PendingChoice | None,
    body: str,
    media: int,
) -> None:
    options = [lease.case_pk for lease in leases]
    if pending is None:
        pending = PendingChoice(proxy_number=proxy_number, phone=sender, options=options, body="", media=0)
        fx.keep_choice(pending)
    # Not a valid choice: keep it with what she wrote before (within bounds), and ask again.
    pending.body = SEPARATOR.join(_bounded(fx, [*held_texts(pending), body]))
    pending.media += media
    pending.options, pending.asked_at = options, fx.now
    locked = fx.lock_cases(options)
    cases = [locked[pk] for pk in options if pk in locked]
    role = leases[0].role
    if _asked_lately(fx, options, role) >= fx.config.which_case_per_hour:
        for case in cases:
            fx.record(
                case,
                "text.held",
                f"a text from the {role} on a shared number is held; not asked again "
                f"(WHICH_CASE_PER_HOUR {fx.config.which_case_per_hour})",
            )
        return
    first = cases[0]
    lang = first.citizen_language if role == "citizen" else first.crew_language
    listed = ", ".join(
        messages.texts(fx.config).render(
            lang, "which_case_option", index=str(i), address=case.address, reference=case.reference
        )
        for i, case in enumerate(cases, start=1)
    )
    question = messages.texts(fx.config).render(lang, "which_case", org=fx.config.organisation_name, options=listed)
    for case in cases:
        fx.record(case, "text.held", f"a text from the {role} on a shared number is held: which case?")
    limits.text(fx, first, role, WHICH_CASE, question)


def held_texts(pending: PendingChoice) -> list[str]:
    return [text for text in pending.body.split(SEPARATOR) if text]


def _bounded(fx: Effects, texts: list[str]) -> list[str]:
    """The newest HELD_TEXTS_MAX texts that fit HELD_CHARACTERS_MAX together; one text alone is cut."""
    limit = fx.config.held_characters_max
    kept = [text for text in texts if text][-fx.config.held_texts_max :]
    while len(kept) > 1 and sum(map(len, kept)) + len(kept) - 1 > limit:
        kept.pop(0)
    return [text[:limit] for text in kept]


def _asked_lately(fx: Effects, options: list[int], role: str) -> int:
    return fx.queued_since(options, role, (WHICH_CASE.name,), fx.now - timedelta(hours=1))
