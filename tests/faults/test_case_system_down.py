"""The case system down, then gone: every callback once, in order, when it is back."""

from __future__ import annotations

import time
from collections import Counter

from tests.faults.conftest import (
    DETAIL,
    FAULT_TEST,
    FIRST_RETRY_SECONDS,
    SEND_CONCURRENCY,
    Gateway,
    Job,
    assert_exactly_once,
    at_once,
    burst,
    complete_all,
    dispatch_all,
    kinds_to,
    reply,
    wait_for_everything,
    wait_until,
)

pytestmark = FAULT_TEST


# --- 3. the case system down, then gone ----------------------------------------------------------


def ask_everyone(gateway: Gateway, jobs: list[Job], fake_twilio) -> None:
    dispatch_all(gateway.base, jobs)
    complete_all(gateway.base, jobs)
    wait_until(lambda: all(kinds_to(fake_twilio, job.citizen.phone)["question"] for job in jobs), 30, "every question")


def test_it_delivers_every_callback_once_in_order_with_its_webhook_id_after_the_case_system_was_down(
    gateway_for, fake_twilio, case_system
):
    """The case system answers 503 for 9.5 s. A failed callback is retried after 5 s, the next
    time after 5 min, so the outage is shaped with Retry-After to fit the test in seconds:
    during its first 5.5 s the case system asks for 11 s (longer than the schedule's 5 s and
    longer than the rest of the outage), after that for 1 s (shorter than the schedule, which
    then holds). The first half of the residents answer at the start, the second half after
    5.5 s. Every callback queued during the outage then fails exactly once and goes through
    on its first retry. Proves: nothing lost, one delivery per webhook-id, a retry keeps its
    webhook-id, a case's callbacks arrive in order (the second waits for the first), a longer
    Retry-After is honoured, a shorter one does not make the gateway hammer."""
    gateway = gateway_for()
    jobs = burst(20, start=400, detail=DETAIL)
    ask_everyone(gateway, jobs, fake_twilio)

    case_system.down(503, retry_after="11")
    down_at = time.monotonic()
    at_once(lambda job: reply(gateway.base, job), jobs[:10])
    time.sleep(max(0.0, down_at + 5.5 - time.monotonic()))
    case_system.down(503, retry_after="1")
    at_once(lambda job: reply(gateway.base, job), jobs[10:])
    time.sleep(max(0.0, down_at + 9.5 - time.monotonic()))
    case_system.up()
    up_at = time.monotonic()
    waited = wait_for_everything(jobs, fake_twilio, case_system, timeout=30)

    log = list(case_system.attempt_log)
    during = [a for a in log if a.at < up_at]
    assert during and all(a.status == 503 for a in during)
    failed = Counter(a.webhook_id for a in log if a.status != 200)
    assert max(failed.values()) == 1, "a callback failed twice: the retry came before the outage ended"
    gaps = {
        a.webhook_id: next(b.at for b in log if b.webhook_id == a.webhook_id and b.status == 200) - a.at
        for a in log
        if a.status == 503
    }
    asked_long = [gaps[a.webhook_id] for a in during if a.at < down_at + 5.5]
    asked_short = [gaps[a.webhook_id] for a in during if a.at >= down_at + 5.5]
    assert asked_long and asked_short, "the outage did not catch both waves"
    print(
        f"\ncase system down 9.5s: {len(log)} attempts for {len(case_system.deliveries)} callbacks; "
        f"retried after {min(asked_long):.1f}-{max(asked_long):.1f}s when asked for 11s "
        f"({len(asked_long)}), {min(asked_short):.1f}-{max(asked_short):.1f}s when asked for 1s "
        f"({len(asked_short)}); all delivered {waited:.1f}s after it was back"
    )
    assert min(asked_long) >= 11 - 0.3  # Retry-After honoured (its whole seconds, less clock granularity)
    assert min(asked_short) >= FIRST_RETRY_SECONDS - 0.3  # the schedule's 5 s, not Retry-After's 1 s
    assert_exactly_once(jobs, fake_twilio, case_system)
    case_of = {d.webhook_id: d.data["case_id"] for d in case_system.deliveries}
    for job in jobs:
        # Only a case's first callback ever failed; its second was not tried before the first got through.
        tried = [(a.type, a.status) for a in log if case_of[a.webhook_id] == job.case_id]
        failures = [attempt for attempt in tried if attempt[1] != 200]
        assert tried == failures + [(kind, 200) for kind in job.expected_callbacks()], (job.case_id, tried)
        assert {kind for kind, _ in failures} <= {job.expected_callbacks()[0]}


def test_it_holds_every_callback_while_the_case_system_answers_410_and_sends_them_after_callbacks_enable(
    gateway_for, fake_twilio, case_system
):
    """410 Gone (Standard Webhooks: stop sending) disables the endpoint: the first callback
    that meets it is put back, every other one is held without being tried, the worker logs
    one CRITICAL line, and `flask --app app callbacks-enable` (run as the operator would, with
    the processes' environment) sends every held callback once, in order per case."""
    gateway = gateway_for()
    jobs = burst(20, start=500, detail=DETAIL)
    ask_everyone(gateway, jobs, fake_twilio)

    case_system.down(410)
    at_once(lambda job: reply(gateway.base, job), jobs)  # each callback is queued when its text's POST returns
    wait_until(lambda: "CRITICAL" in gateway.log("worker"), 15, "a CRITICAL line in the worker's log")
    time.sleep(1)  # callbacks that were not held would be attempted within these five worker ticks
    gone = list(case_system.attempt_log)
    critical = [line for line in gateway.log("worker").splitlines() if "CRITICAL" in line]

    assert case_system.deliveries == []
    assert gone and all(attempt.status == 410 for attempt in gone)
    # One attempt per request already in flight when the first 410 came back (a worker sends up
    # to SEND_CONCURRENCY at once, callbacks of different cases side by side); then all are held.
    assert len(gone) <= SEND_CONCURRENCY, [attempt.webhook_id for attempt in gone]
    assert len(critical) == 1 and "callbacks-enable" in critical[0], critical

    case_system.up()
    enabled = gateway.flask("callbacks-enable")
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    expected = sum(len(job.expected_callbacks()) for job in jobs)
    assert f"{expected} held callback(s) due now" in enabled.stdout, enabled.stdout
    waited = wait_for_everything(jobs, fake_twilio, case_system, timeout=20)
    print(
        f"\n410: {len(gone)} attempt(s) in flight before everything was held; `callbacks-enable`: "
        f"{enabled.stdout.strip()!r}; {len(case_system.deliveries)} callbacks delivered {waited:.1f}s later"
    )
    assert_exactly_once(jobs, fake_twilio, case_system)
