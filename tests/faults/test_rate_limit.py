"""The per-number rate limit holds at full speed, and a reply goes before the bulk."""

from __future__ import annotations

import time
from collections import Counter

from tests.faults.conftest import FAULT_TEST, Job, dispatch_all, kind_of, kinds_to, text_from, wait_until

pytestmark = FAULT_TEST


# --- 6. the rate limit ---------------------------------------------------------------------------


def busiest_second(times: list[float]) -> int:
    """The most sends in any window [t, t + 1 s) that starts at a send."""
    times = sorted(times)
    return max(sum(1 for other in times[i:] if other < start + 1.0) for i, start in enumerate(times))


def test_it_keeps_each_proxy_number_to_sender_mps_at_full_speed_and_sends_a_reply_before_the_bulk(
    gateway_for, fake_twilio, case_system
):
    """SENDER_MPS=5 and two proxy numbers; 60 one-segment dispatch texts (30 cases) are queued
    before the worker starts. Measured at the fake, per From number: no window of one second
    holds more than 5 sends, plus 1 for clock edges: the limiter hands out slots exactly 0.2 s
    apart, so six consecutive slots span exactly 1.0 s, and a send that reaches the fake a
    little after its slot (the first request opens a connection; a worker finishing another
    row) starts a window that the sixth slot then falls inside. Seen: 6, never more. Together
    the numbers must drain at 80% or more of 2 x 5/s. A resident's text relayed to her crew
    while the bulk drains goes before the bulk queued ahead of it (answers before bulk)."""
    numbers = ("+3197010000001", "+3197010000002")
    gateway = gateway_for(
        worker=False, SENDER_MPS="5", PROXY_NUMBERS=",".join(numbers), ORGANISATION_NAME="Gemeente Ede"
    )
    # Fifteen residents, each with two cases: her second case cannot share her first one's
    # number, so the pool puts fifteen cases on each number.
    jobs = []
    for n in range(15):
        first, second = Job(800 + n), Job(850 + n)
        second.citizen = first.citizen
        jobs += [first, second]
    dispatch_all(gateway.base, jobs, together=False)
    assert Counter(job.proxy for job in jobs) == Counter({numbers[0]: 15, numbers[1]: 15})

    gateway.start_worker()
    replying = jobs[0]
    wait_until(lambda: kinds_to(fake_twilio, replying.crew.phone)["dispatch_crew"], 10, "her crew's dispatch text")
    text_from(gateway.base, replying.citizen, "Ik ben thuis tot twaalf uur, bel even aan.", replying.proxy)
    queued_at = time.monotonic()
    wait_until(lambda: len(fake_twilio.messages) >= 61, 30, "the 60 dispatch texts and the relay")
    time.sleep(0.5)

    sent = [a for a in fake_twilio.arrivals if a.status == 201]
    assert len(sent) == 61
    assert all(
        len(a.form["Body"]) <= 160 and a.form["Body"].isascii() and not set(a.form["Body"]) & set("[]{}^~\\|`")
        for a in sent
    ), "not all single-segment GSM-7"
    per_number = {number: [a.at for a in sent if a.form["From"] == number] for number in numbers}
    busiest = {number: busiest_second(times) for number, times in per_number.items()}
    span = max(a.at for a in sent) - min(a.at for a in sent)
    rate = (len(sent) - 1) / span
    [relay] = [a for a in sent if kind_of(a.form["Body"]) == "relay_to_crew"]
    bulk_after = [a for a in sent if a.form["From"] == replying.proxy and a.at > relay.at]
    print(
        f"\nrate limit 5/s x 2 numbers: {len(sent)} texts in {span:.2f}s = {rate:.2f}/s "
        f"({rate / 10:.0%} of 10/s); busiest second per number {busiest}; the relay went "
        f"{relay.at - queued_at:.2f}s after it was queued, ahead of {len(bulk_after)} bulk text(s) queued before it"
    )
    assert all(count <= 5 + 1 for count in busiest.values()), busiest
    assert rate >= 0.8 * 2 * 5
    assert len(bulk_after) >= 5, "the relay waited behind the bulk"
    assert relay.at - queued_at < 4  # slots already promised (at most 2 s ahead), then the relay's
    assert Counter((a.form["To"], a.form["Body"]) for a in sent).most_common(1)[0][1] == 1
    [message] = case_system.wait_for("case.citizen_message")
    assert message.data["case_id"] == replying.case_id
