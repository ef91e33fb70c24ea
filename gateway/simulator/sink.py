"""The simulator's edge: texts, calls and callbacks are recorded for the page, never sent.

The outbox worker is unchanged: it claims rows and hands them to its transport and its
callback sender as always. In simulator mode both are wrapped here, so the page shows
exactly what crossed the edge, as PrintTransport prints it. Rows, not memory: the
worker may run in another process than the web page.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from gateway.core.callbacks import CallbackSender
from gateway.core.config import Config
from gateway.core.db import Database, utcnow
from gateway.core.models import SimulatedDelivery
from gateway.core.names import Channel
from gateway.core.transport import Transport, WhatsAppMessage


class Sink:
    def __init__(self, db: Database, config: Config):
        self.db, self.keep = db, timedelta(days=config.retention_days)

    def record(self, **fields: object) -> None:
        with self.db.transaction() as session:
            session.add(SimulatedDelivery(**fields))
            # Numbers and words are personal data here too: nothing outlives RETENTION_DAYS.
            session.execute(delete(SimulatedDelivery).where(SimulatedDelivery.at < utcnow() - self.keep))


class RecordingTransport:
    """Wraps the printing transport; the worker sends through it as through Twilio."""

    def __init__(self, inner: Transport, sink: Sink):
        self.inner, self.sink = inner, sink

    def send_text(self, *, to: str, from_: str, body: str, status_callback: str | None) -> str:
        sid = self.inner.send_text(to=to, from_=from_, body=body, status_callback=status_callback)
        self.sink.record(
            channel=Channel.SMS, to_number=to, from_number=from_, body=body, sid=sid, status_url=status_callback
        )
        return sid

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        sid = self.inner.place_call(to=to, from_=from_, url=url, status_callback=status_callback)
        self.sink.record(
            channel=Channel.CALL, to_number=to, from_number=from_, url=url, sid=sid, status_url=status_callback
        )
        return sid

    def send_whatsapp(self, *, to: str, from_: str, message: WhatsAppMessage, status_callback: str) -> str:
        sid = self.inner.send_whatsapp(to=to, from_=from_, message=message, status_callback=status_callback)
        self.sink.record(
            channel=Channel.WHATSAPP,
            to_number=to,
            from_number=from_,
            body=message.body,
            payload={"content_sid": message.content_sid} if message.content_sid else None,
            sid=sid,
            status_url=status_callback,
        )
        return sid


class RecordingCallbackSender(CallbackSender):
    """Delivers (or prints) as usual, then records what the case system got."""

    def __init__(self, config: Config, sink: Sink):
        super().__init__(config)
        self.sink = sink

    def deliver(self, webhook_id: str, payload: dict) -> None:
        super().deliver(webhook_id, payload)
        self.sink.record(channel=Channel.CALLBACK, sid=webhook_id, payload=payload)


def recording(db: Database, config: Config, transport: Transport) -> tuple[RecordingTransport, RecordingCallbackSender]:
    sink = Sink(db, config)
    return RecordingTransport(transport, sink), RecordingCallbackSender(config, sink)
