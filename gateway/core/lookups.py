"""What a flow may read, lock and change besides the outbox, timers and timeline (effects.py).

Flows never touch the session: they ask Effects, which inherits these. Locks are taken
here in the one order of gateway/core/locks.py: cases before their outbox rows and timers,
and several cases in id order, so two flows never wait for each other in a circle.

What one transaction has read and locked it remembers, so a flow may ask again without a
second statement: the cases it locked, whether a number opted out, a case's last day of
texts (gateway/core/conversation.py). Each is read after the case is locked, and whoever
changes them locks the case first, so the answer stays true until the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy.orm import Session

from gateway.core import conversation, counters, pool, queued
from gateway.core.config import Config
from gateway.core.conversation import Conversation
from gateway.core.db import at_commit
from gateway.core.models import (
    Case,
    InboundMessage,
    OptOut,
    OutboxMessage,
    PendingChoice,
    ProxyLease,
    WhatsAppWindow,
)
from gateway.core.names import Channel, OutboxStatus

# WhatsApp's customer service window: free text may go to her this long after her last message.
WHATSAPP_WINDOW = timedelta(hours=24)


class Lookups:
    def __init__(self, session: Session, config: Config, now: datetime):
        self.session, self.config, self.now = session, config, now
        # The cases this transaction locked, held here: the session keeps only weak references.
        self._locked: dict[int, Case] = {}
        self._opted_out: dict[str, bool] = {}
        self._no_choice: set[tuple[str, str]] = set()  # (number, phone) known to have no "which case?"
        self._conversations: dict[int, Conversation] = {}

    # Cases. A case is locked before anything of it is changed.
    def case(self, pk: int) -> Case | None:
        """A case to read, not to change (a prompt's language, its short code)."""
        return self.session.get(Case, pk)

    def lock_case(self, pk: int) -> Case | None:
        if pk in self._locked:
            return self._locked[pk]
        return self._locking(self.session.get(Case, pk, with_for_update=True))

    def case_of(self, lease: ProxyLease, *, lock: bool = False) -> Case:
        """The case a lease belongs to; leases go with their case, so it is always there."""
        if lease.case_pk in self._locked:
            case: Case | None = self._locked[lease.case_pk]
        elif lock:
            case = self._locking(self.session.get(Case, lease.case_pk, with_for_update=True))
        else:
            case = self.session.get(Case, lease.case_pk)
        if case is None:
            raise LookupError(f"the lease's case {lease.case_pk} is gone")
        return case

    def lock_case_by_id(self, case_id: str) -> Case | None:
        """The case system's case, locked: a reply, a timer and an event for one case must not interleave."""
        return self._locking(self.session.scalar(select(Case).where(Case.case_id == case_id).with_for_update()))

    def lock_cases(self, pks: Iterable[int]) -> dict[int, Case]:
        """Several cases, locked in id order."""
        wanted = sorted(set(pks))
        if all(pk in self._locked for pk in wanted):
            return {pk: self._locked[pk] for pk in wanted}
        found = self.session.scalars(select(Case).where(Case.id.in_(wanted)).order_by(Case.id).with_for_update())
        self._locked.update((case.id, case) for case in found)
        return {pk: self._locked[pk] for pk in wanted if pk in self._locked}

    def _locking(self, case: Case | None) -> Case | None:
        if case is not None:
            self._locked[case.id] = case
        return case

    def add_case(self, case: Case) -> None:
        self.session.add(case)
        self.session.flush()

    # The proxy number pool (gateway/core/pool.py).
    def leases(self, proxy_number: str, phone: str, *, lock: bool = False) -> list[ProxyLease]:
        """The leases this person holds on this number: one normally, several when it is shared.

        With `lock`, the same statement locks their cases (in id order) and tells whether
        either party of each case opted out and whether a "which case?" waits for her: the
        reply path's reads in one statement. (The worker checks the opt-out again before
        sending, gateway/core/outbox/turns.py.)"""
        if not lock:
            return pool.find_leases(self.session, proxy_number, phone)
        found = self.session.execute(_LEASES_LOCKED, {"number": proxy_number, "phone": phone}).all()
        for _lease, case, citizen_opted_out, crew_opted_out, has_choice in found:
            self._locking(case)
            for number, opted_out in ((case.citizen_phone, citizen_opted_out), (case.crew_phone, crew_opted_out)):
                if number:
                    self._opted_out[number] = bool(opted_out)
            if not has_choice:
                self._no_choice.add((proxy_number, phone))
        return [lease for lease, *_ in found]

    def allocate(self, case: Case, prefer: str | None) -> pool.Choice:
        self.session.flush()
        return pool.allocate(self.session, self.config.proxy_numbers, case, prefer=prefer)

    def release(self, case: Case, role: str | None = None) -> None:
        pool.release(self.session, case, role=role)

    def case_with_code(self, pks: Iterable[int], code: int) -> int | None:
        return self.session.scalar(select(Case.id).where(Case.id.in_(list(pks)), Case.short_code == code))

    # WhatsApp (flows/whatsapp.py): one sender for every case, so her cases are found by her number.
    def whatsapp_leases(self, phone: str) -> list[ProxyLease]:
        """Her leases as the resident of cases she is on WhatsApp for, their cases locked in id order."""
        leases = list(
            self.session.scalars(
                select(ProxyLease)
                .join(Case, Case.id == ProxyLease.case_pk)
                .where(ProxyLease.phone == phone, ProxyLease.role == "citizen", Case.citizen_channel == "whatsapp")
                .order_by(ProxyLease.case_pk)
            )
        )
        self.lock_cases(lease.case_pk for lease in leases)
        return leases

    def case_asked_by(self, provider_sid: str, pks: list[int]) -> int | None:
        """Which of these cases our message `provider_sid` (the one a button was tapped on) was for."""
        return self.session.scalar(
            select(OutboxMessage.case_pk).where(
                OutboxMessage.provider_sid == provider_sid, OutboxMessage.case_pk.in_(pks)
            )
        )

    def whatsapp_window_open(self, phone: str | None) -> bool:
        """Whether she wrote to our WhatsApp sender in the last 24 hours: free text may go to her."""
        if phone is None:
            return False
        since = self.now - WHATSAPP_WINDOW
        found = self.session.scalar(select(WhatsAppWindow.last_inbound_at).where(WhatsAppWindow.phone == phone))
        return found is not None and found > since

    def note_whatsapp_window(self, phone: str) -> None:
        """She just wrote: her window is open for 24 hours from now."""
        window = self.session.get(WhatsAppWindow, phone, with_for_update=True)
        if window is None:
            self.session.add(WhatsAppWindow(phone=phone, last_inbound_at=self.now))
        else:
            window.last_inbound_at = max(window.last_inbound_at, self.now)

    # Texts that came in.
    def seen(self, message_sid: str) -> bool:
        return (
            self.session.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == message_sid)) is not None
        )

    def note_inbound(self, message: InboundMessage) -> None:
        """Keep the text that came in; written at commit, where a MessageSid seen before fails it."""
        noted = at_commit(self.session, _INBOUND, list, _write_inbound)
        noted.append(
            {
                "message_sid": message.message_sid,
                "case_pk": message.case_pk,
                "role": message.role,
                "body": message.body,
                "outcome": message.outcome,
                "received_at": message.received_at or self.now,
            }
        )

    def had_auto_reply(self, case: Case) -> bool:
        query = select(InboundMessage.id).where(
            InboundMessage.case_pk == case.id, InboundMessage.outcome == "auto_reply"
        )
        return self.session.scalar(query.limit(1)) is not None

    def passed_on_since(self, case: Case, role: str, since: datetime, outcomes: tuple[str, ...]) -> list[str]:
        """The words this person sent about the case since then (within the last day) that were
        passed on as `outcomes`."""
        return [
            got.body
            for got in self._conversation_since(case, since).received
            if got.body and got.role == role and got.received_at >= since and got.outcome in outcomes
        ]

    # Texts that went out (read only; the outbox itself is effects.py's).
    def outbox_row(self, row_id: int) -> OutboxMessage | None:
        queued.write_now(self.session)
        return self.session.get(OutboxMessage, row_id)

    def conversation(self, case: Case) -> Conversation:
        """The case's last day of texts both ways, read once (gateway/core/conversation.py)."""
        if case.id not in self._conversations:
            queued.write_now(self.session)
            self._conversations[case.id] = conversation.load(self.session, case.id, self.now)
        return self._conversations[case.id]

    def texted_since(self, case: Case, recipient: str, since: datetime) -> list[str]:
        """The texts sent to this party of the case since then (within the last day)."""
        return [
            sent.body
            for sent in self._conversation_since(case, since).sent
            if sent.body and sent.recipient == recipient and sent.channel == Channel.SMS and sent.created_at >= since
        ]

    def _conversation_since(self, case: Case, since: datetime) -> Conversation:
        known = self.conversation(case)
        if not known.covers(since):
            raise ValueError(f"{since:%Y-%m-%d %H:%M} is before the last day of texts that the conversation holds")
        return known

    def queued_since(self, case_pks: Iterable[int], recipient: str, purposes: Iterable[str], since: datetime) -> int:
        """Outbox rows of these purposes to this party of these cases since then (sent or not)."""
        pks, wanted = sorted(set(case_pks)), set(purposes)
        known = self._conversations.get(pks[0]) if len(pks) == 1 else None
        if known is not None and known.covers(since):
            return sum(
                1
                for sent in known.sent
                if sent.recipient == recipient and sent.purpose in wanted and sent.created_at >= since
            )
        queued.write_now(self.session)  # what this transaction queued counts too
        query = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.case_pk.in_(pks),
                OutboxMessage.recipient == recipient,
                OutboxMessage.purpose.in_(sorted(wanted)),
                OutboxMessage.created_at >= since,
            )
        )
        return self.session.scalar(query) or 0

    # Held texts on a shared number, waiting for "which case?".
    def lock_pending_choice(self, proxy_number: str, phone: str) -> PendingChoice | None:
        if (proxy_number, phone) in self._no_choice:
            return None  # her cases are locked and there was none: who would make one waits for them
        query = select(PendingChoice).where(PendingChoice.proxy_number == proxy_number, PendingChoice.phone == phone)
        return self.session.scalar(query.with_for_update())

    def keep_choice(self, choice: PendingChoice) -> None:
        self.session.add(choice)

    def drop_choice(self, choice: PendingChoice) -> None:
        self.session.delete(choice)
        self.session.flush()

    # STOP and START.
    def opted_out(self, phone: str | None, *, with_: Iterable[str | None] = ()) -> bool:
        """Whether the number opted out (STOP); `with_` other numbers to look up in the same statement."""
        if phone is None:
            return False
        if phone not in self._opted_out:
            asked = {number for number in (phone, *with_) if number and number not in self._opted_out}
            # Only opt_out() changes the table, and it writes at once: nothing pending to flush first.
            with self.session.no_autoflush:
                found = set(self.session.scalars(select(OptOut.phone).where(OptOut.phone.in_(sorted(asked)))))
            self._opted_out.update((number, number in found) for number in asked)
        return self._opted_out[phone]

    def opt_out(self, phone: str, source: str) -> dict[int, int]:
        """Record the opt-out and withdraw every unsent text to the number, in all cases.

        Their cases are locked first, in id order, then their rows: the worker recording a send
        locks the case before the row too (gateway/core/locks.py). Returns per case how many
        texts were withdrawn."""
        if self.session.get(OptOut, phone) is None:
            self.session.add(OptOut(phone=phone, source=source, at=self.now))
            self.session.flush()
        self._opted_out[phone] = True
        self._conversations.clear()  # its unsent texts are withdrawn below
        queued.write_now(self.session)  # those queued by this transaction too
        unsent = (
            OutboxMessage.to_number == phone,
            OutboxMessage.channel == Channel.SMS,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        with_rows = self.session.scalars(select(OutboxMessage.case_pk).where(*unsent).distinct())
        with_leases = self.session.scalars(select(ProxyLease.case_pk).where(ProxyLease.phone == phone))
        self.lock_cases([*with_rows, *with_leases])
        withdrawn = self.session.execute(
            update(OutboxMessage)
            .where(*unsent)
            .values(status=OutboxStatus.CANCELLED, last_error=f"opted out ({source})")
            .returning(OutboxMessage.case_pk, OutboxMessage.recipient)
        ).all()
        per_case: dict[int, int] = {}
        for case_pk, recipient in withdrawn:
            counters.count_message(self.session, Channel.SMS, recipient, "withdrawn")
            if case_pk is not None:
                per_case[case_pk] = per_case.get(case_pk, 0) + 1
        return per_case

    def opt_in(self, phone: str) -> bool:
        """Forget the opt-out; False if there was none."""
        found = self.session.get(OptOut, phone)
        self._opted_out[phone] = False
        if found is None:
            return False
        self.session.delete(found)
        return True

    def lock_cases_of(self, phone: str) -> list[tuple[Case, str]]:
        """The cases this number has a lease in (open ones), locked in id order, with its role."""
        leases = self.session.execute(
            select(ProxyLease.case_pk, ProxyLease.role).where(ProxyLease.phone == phone).order_by(ProxyLease.case_pk)
        ).all()
        cases = self.lock_cases(pk for pk, _ in leases)
        return [(cases[pk], role) for pk, role in leases if pk in cases]

    # Counters (gateway/core/counters.py), written in the same transaction as what they count.
    def count(self, name: str, **labels: str) -> None:
        counters.count(self.session, name, 1, **labels)

    def observe(self, name: str, value: float, **labels: str) -> None:
        counters.observe(self.session, name, value, **labels)

    def crew_label(self, case: Case) -> str:
        """The case's crew team as a metrics label: its own if METRICS_CREWS names it, else "other"."""
        return counters.crew_label(self.config.metrics_crews, case.crew_id)


_INBOUND = "korte_lijn_inbound"


def _write_inbound(session: Session, rows: list[dict[str, object]]) -> None:
    # Core, not the ORM's flush: nothing reads the row back in this transaction.
    session.connection().execute(_INSERT_INBOUND, rows)


# Statements the reply path runs every time, built once: building one costs more Python than
# sending it (bench/reply_cost.py). Bound parameters carry the values.
_INSERT_INBOUND = insert(InboundMessage).returning(InboundMessage.id)  # RETURNING: one statement for many rows
_LEASES_LOCKED = (
    select(
        ProxyLease,
        Case,
        exists().where(OptOut.phone == Case.citizen_phone),
        exists().where(OptOut.phone == Case.crew_phone),
        exists().where(PendingChoice.proxy_number == bindparam("number"), PendingChoice.phone == bindparam("phone")),
    )
    .join(Case, Case.id == ProxyLease.case_pk)
    .where(ProxyLease.proxy_number == bindparam("number"), ProxyLease.phone == bindparam("phone"))
    .order_by(ProxyLease.case_pk)
    .with_for_update(of=Case)
)
