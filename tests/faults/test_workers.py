"""A worker killed mid-burst loses no text, and two workers share a burst, each text sent once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

from tests.faults.conftest import (
    CLAIM_LEASE_SECONDS,
    FAULT_TEST,
    accepted,
    answer_when_asked,
    assert_callbacks_once_in_order,
    assert_exactly_once,
    burst,
    complete_all,
    dispatch_all,
    duplicates,
    kill_while_sending,
    missing,
    numbers_of,
    wait_for_everything,
)
from tests.over_http import twilio_post

pytestmark = FAULT_TEST


# --- 1. a worker killed mid-burst ----------------------------------------------------------------


def test_it_loses_no_text_when_the_worker_is_killed_mid_burst_and_sends_none_twice_with_status_callbacks(
    gateway_for, fake_twilio, case_system
):
    """Two kills, one wait. Without status callbacks, the text in flight when the worker dies
    is accepted by Twilio but never recorded, so it goes again when its claim lease ends
    (measured and printed, not asserted). With Twilio's "sent" status callback, the web
    records it and the lease finds nothing to resend (asserted). Rows the dead worker had
    claimed but not sent wait out the 60 s lease: nothing is lost. A forged "sent" for the
    text in flight is refused: it would have kept a text from being sent at all."""
    gateway = gateway_for()
    without, with_reports = burst(20, start=100), burst(20, start=200)
    started = time.monotonic()

    dispatch_all(gateway.base, without)
    in_flight = kill_while_sending(gateway, "worker", fake_twilio, numbers_of(without))
    first_kill = time.monotonic()
    gateway.start_worker("worker-restarted")
    path = urlsplit(in_flight["StatusCallback"])
    forged = {"MessageSid": "SM" + uuid.uuid4().hex, "MessageStatus": "sent", "To": in_flight["To"]}
    assert (
        twilio_post(
            gateway.base, f"{path.path}?{path.query}", forged, signed_for="https://attacker.example"
        ).status_code
        == 403
    )

    fake_twilio.report_status("sent", only_to=numbers_of(with_reports))
    dispatch_all(gateway.base, with_reports)
    kill_while_sending(gateway, "worker-restarted", fake_twilio, numbers_of(with_reports))
    gateway.start_worker("worker-restarted-again")

    jobs = without + with_reports
    complete_all(gateway.base, jobs)
    answer_when_asked(gateway.base, jobs, fake_twilio, timeout=CLAIM_LEASE_SECONDS + 30)
    wait_for_everything(jobs, fake_twilio, case_system, timeout=30)
    recovered = time.monotonic() - first_kill

    twice_without = duplicates(fake_twilio, numbers_of(without))
    twice_with = duplicates(fake_twilio, numbers_of(with_reports))
    reports = Counter(answer for _, answer in fake_twilio.status_reports)
    print(
        f"\nkilled worker: texts sent twice without status callbacks: {twice_without} of "
        f"{accepted(fake_twilio, numbers_of(without))}; with status callbacks: {twice_with} of "
        f"{accepted(fake_twilio, numbers_of(with_reports))}; everything delivered {recovered:.1f}s after "
        f"the first kill; status callbacks answered {dict(reports)}; total {time.monotonic() - started:.1f}s"
    )
    assert missing(jobs, fake_twilio, case_system) == []  # nothing lost
    assert_exactly_once(with_reports, fake_twilio, case_system)
    assert twice_with == 0
    assert set(reports) == {204}, "the fake's signed status callbacks were not all accepted"
    assert_callbacks_once_in_order(jobs, case_system)


# --- 2. two workers ------------------------------------------------------------------------------


def test_it_shares_a_burst_between_two_workers_and_sends_each_text_once(gateway_for, fake_twilio, case_system):
    """Each worker is given its own spelling of the fake's address (127.0.0.1 or localhost):
    the Host header of every request the fake receives tells which worker sent it. The
    worker logs no line per send, so this is the reliable signal."""
    gateway = gateway_for(worker=False)
    gateway.start_worker("worker-a")
    gateway.start_worker("worker-b", TWILIO_API_BASE_URL=fake_twilio.url.replace("127.0.0.1", "localhost"))
    fake_twilio.slow(0.02)
    jobs = burst(40, start=300)
    started = time.monotonic()

    dispatch_all(gateway.base, jobs)
    complete_all(gateway.base, jobs)
    answer_when_asked(gateway.base, jobs, fake_twilio, timeout=30)
    wait_for_everything(jobs, fake_twilio, case_system, timeout=30)

    by_worker = Counter(
        "worker-b" if a.host.startswith("localhost") else "worker-a" for a in fake_twilio.arrivals if a.status == 201
    )
    print(
        f"\ntwo workers: {sum(by_worker.values())} texts in {time.monotonic() - started:.1f}s, "
        f"sent per worker {dict(by_worker)}"
    )
    assert_exactly_once(jobs, fake_twilio, case_system)
    assert by_worker["worker-a"] > 0 and by_worker["worker-b"] > 0, by_worker
    assert gateway.alive("worker-a") and gateway.alive("worker-b")
