"""What a flow may read, lock and change besides the outbox, timers and timeline (effects.py).

Flows never touch the session: they ask Effects, which inherits these. Locks are taken
here in the one order of gateway/core/locks.py: cases before their outbox rows and timers,
and several cases in id order, so two flows never wait for each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.core import counters, pool
from gateway.core.config import Config
from gateway.core.models import Case, InboundMessage, OptOut, OutboxMessage, PendingChoice, ProxyLease
from gateway.core.names import Channel, OutboxStatus


class Lookups:
    session: Session
    config: Config
    now: datetime

    # Cases. A case is locked before anything of it is changed.
    def case(self, pk: int) -> Case | None:
        """A case to read, not to change (a prompt's language, its short code)."""
        return self.session.get(Case, pk)

    def lock_case(self, pk: int) -> Case | None:
        return self.session.get(Case, pk, with_for_update=True)

    def case_of(self, lease: ProxyLease, *, lock: bool = False) -> Case:
        """The case a lease belongs to; leases go with their case, so it is always there."""
        case = self.session.get(Case, lease.case_pk, with_for_update=lock)
        if case is None:
            raise LookupError(f"the lease's case {lease.case_pk} is gone")
        return case

    def lock_case_by_id(self, case_id: str) -> Case | None:
        """The case system's case, locked: a reply, a timer and an event for one case must not interleave."""
        return self.session.scalar(select(Case).where(Case.case_id == case_id).with_for_update())

    def lock_cases(self, pks: Iterable[int]) -> dict[int, Case]:
        """Several cases, locked in id order."""
        found = self.session.scalars(
            select(Case).where(Case.id.in_(sorted(set(pks)))).order_by(Case.id).with_for_update()
        )
        return {case.id: case for case in found}

    def add_case(self, case: Case) -> None:
        self.session.add(case)
        self.session.flush()

    # The proxy number pool (gateway/core/pool.py).
    def leases(self, proxy_number: str, phone: str) -> list[ProxyLease]:
        return pool.find_leases(self.session, proxy_number, phone)

    def allocate(self, case: Case, prefer: str | None) -> pool.Choice:
        self.session.flush()
        return pool.allocate(self.session, self.config.proxy_numbers, case, prefer=prefer)

    def release(self, case: Case, role: str | None = None) -> None:
        pool.release(self.session, case, role=role)

    def case_with_code(self, pks: Iterable[int], code: int) -> int | None:
        return self.session.scalar(select(Case.id).where(Case.id.in_(list(pks)), Case.short_code == code))

    # Texts that came in.
    def seen(self, message_sid: str) -> bool:
        return (
            self.session.scalar(select(InboundMessage.id).where(InboundMessage.message_sid == message_sid)) is not None
        )

    def note_inbound(self, message: InboundMessage) -> None:
        self.session.add(message)

    def had_auto_reply(self, case: Case) -> bool:
        query = select(InboundMessage.id).where(
            InboundMessage.case_pk == case.id, InboundMessage.outcome == "auto_reply"
        )
        return self.session.scalar(query.limit(1)) is not None

    def passed_on_since(self, case: Case, role: str, since: datetime, outcomes: tuple[str, ...]) -> list[str]:
        """The words this person sent about the case since then that were passed on as `outcomes`."""
        query = select(InboundMessage.body).where(
            InboundMessage.case_pk == case.id,
            InboundMessage.role == role,
            InboundMessage.received_at >= since,
            InboundMessage.outcome.in_(outcomes),
        )
        return [body for body in self.session.scalars(query) if body]

    # Texts that went out (read only; the outbox itself is effects.py's).
    def outbox_row(self, row_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, row_id)

    def texted_since(self, case: Case, recipient: str, since: datetime) -> list[str]:
        query = select(OutboxMessage.body).where(
            OutboxMessage.case_pk == case.id,
            OutboxMessage.recipient == recipient,
            OutboxMessage.channel == Channel.SMS,
            OutboxMessage.created_at >= since,
        )
        return [body for body in self.session.scalars(query) if body]

    def queued_since(self, case_pks: Iterable[int], recipient: str, purposes: Iterable[str], since: datetime) -> int:
        """Outbox rows of these purposes to this party of these cases since then (sent or not)."""
        query = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.case_pk.in_(list(case_pks)),
                OutboxMessage.recipient == recipient,
                OutboxMessage.purpose.in_(list(purposes)),
                OutboxMessage.created_at >= since,
            )
        )
        return self.session.scalar(query) or 0

    # Held texts on a shared number, waiting for "which case?".
    def lock_pending_choice(self, proxy_number: str, phone: str) -> PendingChoice | None:
        query = select(PendingChoice).where(PendingChoice.proxy_number == proxy_number, PendingChoice.phone == phone)
        return self.session.scalar(query.with_for_update())

    def keep_choice(self, choice: PendingChoice) -> None:
        self.session.add(choice)

    def drop_choice(self, choice: PendingChoice) -> None:
        self.session.delete(choice)
        self.session.flush()

    # STOP and START.
    def opt_out(self, phone: str, source: str) -> dict[int, int]:
        """Record the opt-out and withdraw every unsent text to the number, in all cases.

        Their cases are locked first, in id order, then their rows: the worker recording a send
        locks the case before the row too (gateway/core/locks.py). Returns per case how many
        texts were withdrawn."""
        if self.session.get(OptOut, phone) is None:
            self.session.add(OptOut(phone=phone, source=source, at=self.now))
            self.session.flush()
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
