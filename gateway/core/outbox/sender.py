"""The outbox worker: claims due rows, sends each at its number's turn, records the result.

A claim is a short transaction (claim.py); the send happens outside any transaction; the
result is a second short transaction (results.py). Each proxy number keeps to SENDER_MPS
(gateway/core/rate.py), and the numbers send side by side (gateway/core/lanes.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError

from gateway.core import logs, recipients
from gateway.core.callbacks import CallbackSender
from gateway.core.config import Config
from gateway.core.db import Database
from gateway.core.hooks import DeliveryOutcomes
from gateway.core.lanes import Lanes
from gateway.core.models import OutboxMessage
from gateway.core.outbox import endpoint
from gateway.core.outbox.channels import ChannelSender, senders
from gateway.core.outbox.claim import BATCH, claim
from gateway.core.outbox.results import Results
from gateway.core.outbox.slots import Patience, SendingSlots, Slot
from gateway.core.outbox.turns import take_turn
from gateway.core.rate import SenderRate, sleep_until
from gateway.core.transport import Transport, TransportError

log = logging.getLogger(__name__)

# Rows one drain takes on before it returns to the worker's tick.
DRAIN_LIMIT = 1000
RECLAIM_PAUSE = 0.05


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        config: Config,
        transport: Transport,
        callbacks: CallbackSender,
        outcomes: DeliveryOutcomes,
    ):
        self.db, self.config, self.callbacks = db, config, callbacks
        self.channels: Mapping[str, ChannelSender] = senders(transport, callbacks, config)
        self.outcomes = outcomes
        self.results = Results(db, config, self.channels, outcomes, callbacks.url)
        self.rate = SenderRate(db, config.sender_mps)
        # Rows being sent at once by this process, whichever drain or lane sends them.
        self.slots = SendingSlots(config.send_concurrency)

    def drain(self, limit: int = DRAIN_LIMIT) -> int:
        """Send what is due, up to `limit` rows; returns how many were attempted.

        Claimed rows go into lanes (gateway/core/lanes.py) that send side by side; claiming
        goes on while they send, so the pool's numbers stay busy. Returns when nothing
        claimable is left and every lane is done.
        """

        def send(row: OutboxMessage) -> None:
            with logs.case_scope(row.case_ref):
                self.deliver(row)

        # A lane waiting for its number's turn holds a thread, so every number gets one;
        # SEND_CONCURRENCY limits the requests in flight (self.slots), not the lanes.
        lanes = Lanes(len(self.config.proxy_numbers) + self.config.send_concurrency, send)
        depth = max(2, round(2 * self.config.sender_mps))  # two seconds of one number's texts
        done = 0
        try:
            while done < limit:
                finished = lanes.finished
                claimed = self.claim(min(BATCH, limit - done), skip_numbers=lanes.full_numbers(depth))
                if claimed:
                    lanes.add(claimed)
                    done += len(claimed)
                    continue
                # A row sent may free the next one of its case: look again once one is done,
                # but while others are being sent not more often than RECLAIM_PAUSE, or the
                # claims crowd out the sends.
                if not lanes.wait_for_progress(finished, timeout=0.1):
                    break
                if lanes.busy:
                    time.sleep(RECLAIM_PAUSE)
        finally:
            lanes.close()
        return done

    def claim(self, batch: int, skip_numbers: Sequence[str] = ()) -> list[OutboxMessage]:
        """Lease up to `batch` due rows to this worker (claim.py)."""
        return claim(self.db, batch, skip_numbers)

    def deliver(self, row: OutboxMessage) -> None:
        """Send one claimed row at its proxy number's turn, and record the outcome.

        A text's or call's sending slot is free again once Twilio has answered. A
        callback's is held until its outcome is recorded: a 410 from the case system has
        disabled the endpoint before the slot goes to the next callback, so no more than
        SEND_CONCURRENCY callbacks meet the 410. (Holding texts' slots as well cost a
        quarter of the throughput when Twilio is slow: bench/outbox_drain.py.)

        A text or call to a number the current settings refuse, or past the number's daily
        limit, is not sent (gateway/core/recipients.py)."""
        channel = self.channels[row.channel]
        try:
            if channel.to_person:
                recipients.check_destination(row, self.config)
            with self._turn(row, channel) as slot:
                if slot is not None:
                    self._send(row, channel, slot)
        except recipients.Refused as refused:
            recipients.refuse(self.db, self.config, row, refused, self.outcomes)

    def _send(self, row: OutboxMessage, channel: ChannelSender, slot: Slot) -> None:
        try:
            try:
                sid = channel.send(row)
            finally:
                if not channel.holds_slot_until_recorded:
                    slot.release()
        except TransportError as exc:
            self.results.failed(row, exc)
        except Exception as exc:
            # A bug must not turn one row into a poison pill that stalls every tick.
            log.exception("outbox %s: unexpected error while sending", row.id)
            self.results.failed(row, TransportError(f"unexpected {type(exc).__name__}", permanent=False))
        else:
            self.results.sent(row, sid)

    @contextmanager
    def _turn(self, row: OutboxMessage, channel: ChannelSender) -> Iterator[Slot | None]:
        """Wait for a sending slot (SEND_CONCURRENCY) and the row's turn at its number
        (SENDER_MPS); yields the slot, or None if the row is no longer ours or is a callback
        held because the case system's endpoint is disabled (410). The slot is taken before
        the turn, so a turn is never taken and then spent waiting: that would let texts from
        one number bunch up."""
        if channel.to_person:
            self.rate.know(row.from_number or "")
        patience = Patience()
        while True:
            database_away: Exception | None = None
            with self.slots.one() as slot:
                try:
                    # Looked at with the slot in hand: a 410 is recorded before its slot is free.
                    held = not channel.to_person and endpoint.is_disabled(self.db, self.callbacks.url)
                    turn = None if held else take_turn(self.db, self.config, self.rate, row, channel)
                except (OperationalError, InterfaceError) as exc:
                    database_away = exc
                else:
                    if turn is True:
                        yield slot
                        return
            # The slot is free again from here on.
            if database_away is not None:
                # Wait for the database here rather than leave the row to its lease (a
                # minute), as a lane would that simply gave up.
                if patience.wait(f"outbox {row.id}: the database is away; trying again"):
                    continue
                raise database_away
            if held:
                endpoint.hold(self.db, row)
            if turn is None:
                yield None
                return
            if isinstance(turn, datetime):
                sleep_until(turn)
