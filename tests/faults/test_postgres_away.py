"""PostgreSQL goes away: the web answers 503 and both processes recover without a restart."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import uuid
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.conftest import CASE_KEY, Persona
from tests.faults.conftest import (
    DETAIL,
    FAULT_TEST,
    accepted,
    answer_when_asked,
    assert_exactly_once,
    burst,
    complete_all,
    dispatch_all,
    kinds_to,
    numbers_of,
    post_event,
    wait_for_everything,
    wait_until,
)
from tests.over_http import text_form, twilio_post

pytestmark = FAULT_TEST


# --- 5. PostgreSQL goes away ---------------------------------------------------------------------


class DatabaseProxy:
    """A TCP proxy on loopback between the gateway's processes and PostgreSQL. cut() drops every
    connection and refuses new ones (the port is closed), as a database restart or failover
    does; restore() listens on the same port again."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self._links: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._listen()

    def url(self, database_url: str) -> str:
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def cut(self) -> None:
        self._listener.close()
        with self._lock:
            links, self._links = list(self._links), set()
        for link in links:
            _close(link)

    def restore(self) -> None:
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.2)
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while listener.fileno() != -1:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # cut
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            server.settimeout(None)
            with self._lock:
                self._links |= {client, server}
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for end in (source, sink):
            with self._lock:
                self._links.discard(end)
            _close(end)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


@pytest.fixture
def database_proxy(database_url):
    target = make_url(database_url)
    proxy = DatabaseProxy(target.host or "127.0.0.1", target.port or 5432)
    yield proxy
    proxy.cut()


def test_it_answers_503_while_postgresql_is_away_and_recovers_without_a_restart_sending_everything_once(
    gateway_for, database_proxy, database_url, fake_twilio, case_system
):
    """PostgreSQL drops every connection and refuses new ones for 5 s while the case system and
    Twilio keep calling. The web answers 503 database_unavailable (JSON, Retry-After, no
    traceback), never 500. The cut lands while the worker waits for Twilio (the fake holds its
    request: where a sending worker spends its time); a cut between Twilio's answer and the
    worker's record of it is the next test. Afterwards the same processes carry on: each
    event refused with 503 is delivered again with its webhook-id, as the case system
    retries, and the burst completes exactly once."""
    gateway = gateway_for(DATABASE_URL=database_proxy.url(database_url))
    early, late = burst(10, start=700, detail=DETAIL), burst(10, start=710, detail=DETAIL)
    fake_twilio.slow(0.1)
    dispatch_all(gateway.base, early)
    wait_until(lambda: accepted(fake_twilio, numbers_of(early)) >= 4, 15, "the first texts")
    fake_twilio.hold()
    fake_twilio.wait_until_held()

    database_proxy.cut()
    cut_at = time.monotonic()
    events = [("case.dispatched", job.dispatched(), "evt_" + uuid.uuid4().hex) for job in late]
    events += [("case.completed", {"case_id": job.case_id}, "evt_" + uuid.uuid4().hex) for job in early]
    stranger = Persona("Onbekende", "+31640000001", "06 40000001")
    answers: list[requests.Response] = []
    while time.monotonic() < cut_at + 5:
        for event_type, data, webhook_id in events:
            answers.append(post_event(gateway.base, event_type, data, webhook_id=webhook_id))
        answers.append(
            requests.get(
                f"{gateway.base}/v1/cases/{early[0].case_id}",
                timeout=15,
                headers={"Authorization": f"Bearer {CASE_KEY}"},
            )
        )
        answers.append(twilio_post(gateway.base, "/twilio/sms", text_form(stranger, "Hallo?", early[0].proxy)))
        answers.append(requests.get(gateway.base + "/healthz", timeout=15))
    database_proxy.restore()
    restored_at = time.monotonic()
    wait_until(lambda: requests.get(gateway.base + "/healthz", timeout=15).status_code == 200, 15, "the web back")
    back_after = time.monotonic() - restored_at
    fake_twilio.release()

    print(
        f"\npostgresql away 5s: {len(answers)} requests during the outage answered "
        f"{dict(Counter(a.status_code for a in answers))}; web healthy {back_after:.2f}s after it was back"
    )
    assert {response.status_code for response in answers} == {503}
    for response in answers:
        assert response.json()["error"]["code"] == "database_unavailable", response.text
        assert int(response.headers["Retry-After"]) > 0 and "Traceback" not in response.text

    for event_type, data, webhook_id in events:  # the case system's retries
        retry = post_event(gateway.base, event_type, data, webhook_id=webhook_id)
        assert retry.status_code == 202, retry.text
        if event_type == "case.dispatched":
            next(job for job in late if job.case_id == data["case_id"]).proxy = retry.json()["proxy_number"]
    wait_until(
        lambda: all(kinds_to(fake_twilio, job.citizen.phone)["dispatch"] for job in late), 20, "the late dispatch texts"
    )
    complete_all(gateway.base, late)
    answer_when_asked(gateway.base, early + late, fake_twilio, timeout=30)
    wait_for_everything(early + late, fake_twilio, case_system, timeout=30)
    assert_exactly_once(early + late, fake_twilio, case_system)
    assert gateway.alive("web") and gateway.alive("worker")
    assert "database unavailable" in gateway.log("web")
    assert "send_outbox failed" in gateway.log("worker") or "fire_timers failed" in gateway.log("worker")


def test_it_records_a_text_twilio_accepted_while_postgresql_was_away_and_sends_it_only_once(
    gateway_for, database_proxy, database_url, fake_twilio
):
    """The worker hands a text to Twilio; PostgreSQL goes away before the worker can record
    it; Twilio's "sent" status callback meets the same outage and gets 503 (Twilio does not
    retry status callbacks on an error answer). The worker still knows it sent the text:
    once the database is back it records it, so the 60 s lease has nothing to send again,
    and it goes on with the rest of its batch at once instead of leaving it to the lease.
    (Before the fix, the row stayed pending and the text went out a second time when the
    lease ended, 62 s after the database came back; the crew's text waited as long.)"""
    gateway = gateway_for(DATABASE_URL=database_proxy.url(database_url))
    fake_twilio.report_status("sent")
    fake_twilio.hold()
    [job] = burst(1, start=790)
    dispatch_all(gateway.base, [job])
    fake_twilio.wait_until_held()

    database_proxy.cut()
    [in_flight] = fake_twilio.arrivals
    fake_twilio.release()
    wait_until(lambda: in_flight.status == 201 and fake_twilio.status_reports, 10, "Twilio accepting the text")
    time.sleep(1)  # the worker tries to record the send, and cannot
    database_proxy.restore()
    back = time.monotonic()
    wait_until(lambda: requests.get(gateway.base + "/healthz", timeout=15).status_code == 200, 15, "the web back")

    [text] = fake_twilio.messages
    assert text["To"] == job.citizen.phone
    assert fake_twilio.status_reports == [(text["sid"], 503)]
    outbox_id = int(parse_qs(urlsplit(text["StatusCallback"]).query)["o"][0])

    def recorded() -> bool:
        case = requests.get(
            f"{gateway.base}/v1/cases/{job.case_id}", timeout=15, headers={"Authorization": f"Bearer {CASE_KEY}"}
        ).json()
        return any(
            entry["kind"] == "sms.sent" and entry["data"].get("outbox_id") == outbox_id for entry in case["timeline"]
        )

    wait_until(recorded, 8, f"the send of outbox row {outbox_id} on the case's timeline", poll=0.2)
    wait_until(lambda: kinds_to(fake_twilio, job.crew.phone)["dispatch_crew"], 8, "the crew's text, next in the batch")
    print(
        f"\ntext sent while postgresql was away: recorded and the batch went on "
        f"{time.monotonic() - back:.1f}s after it was back"
    )
    assert kinds_to(fake_twilio, job.citizen.phone) == Counter(["dispatch"])
    assert "the database is away" in gateway.log("worker")
