"""POST /twilio/status: what Twilio tells us about the texts we sent, and what we pass on."""

import uuid

import pytest
from sqlalchemy import select

from gateway.core.models import OutboxMessage
from tests.conftest import ANNA, CASE_KEY, JAN, PUBLIC_BASE_URL, entries


@pytest.fixture
def sent(case_api, run_worker, fake_twilio, runtime):
    """The dispatch texts, sent: {phone: (MessageSid, outbox id)}."""
    assert case_api.dispatch().status_code == 202
    run_worker()
    with runtime.db.transaction() as session:
        rows = {row.provider_sid: row.id for row in session.scalars(select(OutboxMessage))}
    return {message["To"]: (message["sid"], rows[message["sid"]]) for message in fake_twilio.messages}


@pytest.fixture
def timeline(client):
    def statuses() -> list[dict]:
        return entries(client, "text.status")

    return statuses


def test_it_asks_twilio_for_a_status_callback_that_names_the_outbox_row(sent, fake_twilio):
    assert len(fake_twilio.messages) == 2
    for message in fake_twilio.messages:
        _, outbox_id = sent[message["To"]]
        assert message["StatusCallback"] == f"{PUBLIC_BASE_URL}/twilio/status?o={outbox_id}"


def test_it_records_delivery_on_the_case_timeline(sent, twilio, timeline, client):
    sid, outbox_id = sent[ANNA.phone]
    assert twilio.status(sid, "delivered", outbox_id).status_code == 204
    [entry] = timeline()
    assert entry["data"]["status"] == "delivered" and entry["data"]["outbox_id"] == outbox_id
    document = client.get("/v1/cases/MOR-2026-0042", headers={"Authorization": f"Bearer {CASE_KEY}"})
    assert ANNA.phone not in document.get_data(as_text=True)  # the timeline shows numbers masked


def test_it_finds_the_text_by_its_sid_when_the_callback_url_has_no_row(sent, twilio, timeline):
    sid, _ = sent[JAN.phone]
    assert twilio.status(sid, "delivered").status_code == 204
    assert [entry["data"]["status"] for entry in timeline()] == ["delivered"]


@pytest.mark.parametrize("status", ["undelivered", "failed"])
@pytest.mark.parametrize("persona, recipient", [(ANNA, "citizen"), (JAN, "crew")], ids=["citizen", "crew"])
def test_it_reports_an_undeliverable_text_to_the_case_system(
    status, persona, recipient, sent, twilio, case_system, run_worker
):
    sid, outbox_id = sent[persona.phone]
    assert twilio.status(sid, status, outbox_id, error_code="30005").status_code == 204
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["case_id"] == "MOR-2026-0042"
    assert report.data["recipient"] == recipient and report.data["error_code"] == "30005"
    assert persona.phone not in str(report.data)


def test_it_reports_an_undeliverable_text_only_once(sent, twilio, case_system, run_worker, timeline):
    sid, outbox_id = sent[ANNA.phone]
    twilio.status(sid, "undelivered", outbox_id, error_code="30005")
    run_worker()
    # Twilio redelivers callbacks, and a "failed" may follow an "undelivered" for one text.
    assert twilio.status(sid, "undelivered", outbox_id, error_code="30005").status_code == 204
    assert twilio.status(sid, "failed", outbox_id, error_code="30005").status_code == 204
    run_worker()
    assert len(case_system.of_type("message.undeliverable")) == 1
    assert [entry["data"]["status"] for entry in timeline()] == ["undelivered"]


@pytest.mark.parametrize("late", ["sent", "queued", "delivered"])
def test_it_ignores_a_late_or_repeated_status(late, sent, twilio, timeline, case_system, run_worker):
    sid, outbox_id = sent[ANNA.phone]
    twilio.status(sid, "delivered", outbox_id)
    assert twilio.status(sid, late, outbox_id).status_code == 204
    run_worker()
    assert [entry["data"]["status"] for entry in timeline()] == ["delivered"]
    assert case_system.deliveries == []


def test_it_keeps_an_undeliverable_verdict_when_a_late_sent_arrives(sent, twilio, timeline, case_system, run_worker):
    sid, outbox_id = sent[ANNA.phone]
    twilio.status(sid, "failed", outbox_id, error_code="30005")
    twilio.status(sid, "sent", outbox_id)
    run_worker()
    assert [entry["data"]["status"] for entry in timeline()] == ["failed"]
    assert len(case_system.of_type("message.undeliverable")) == 1


@pytest.mark.parametrize("outbox", ["none", "ours", "garbage"])
def test_it_answers_204_to_a_status_for_a_message_it_never_sent(
    outbox, sent, twilio, timeline, case_system, run_worker
):
    # "ours": a callback naming our row with another SID must not touch that row.
    outbox_id = {"none": None, "ours": sent[ANNA.phone][1], "garbage": "abc"}[outbox]
    response = twilio.status("SM" + uuid.uuid4().hex, "failed", outbox_id, error_code="30005")
    assert response.status_code == 204
    run_worker()
    assert timeline() == [] and case_system.deliveries == []


@pytest.mark.parametrize(
    "message_sid, message_status",
    [
        (None, "delivered"),
        ("", "delivered"),
        ("ours", "exploded"),
        ("ours", ""),
        ("ours", None),
        (None, None),
    ],
    ids=["no-sid", "empty-sid", "unknown-status", "empty-status", "no-status", "nothing"],
)
def test_it_refuses_a_status_callback_it_cannot_read(message_sid, message_status, sent, twilio, timeline):
    sid, outbox_id = sent[ANNA.phone]
    fields = {"MessageSid": sid if message_sid == "ours" else message_sid, "MessageStatus": message_status}
    form = {name: value for name, value in fields.items() if value is not None}
    assert twilio.post(f"/twilio/status?o={outbox_id}", form).status_code == 400
    assert timeline() == []


def test_it_treats_a_mangled_message_sid_as_unknown(sent, twilio, timeline):
    # A NUL byte is refused by PostgreSQL; it must not surface as "database unavailable".
    assert twilio.status("SM\x00" + uuid.uuid4().hex, "delivered").status_code in (204, 400)
    assert timeline() == []


def test_it_reports_a_failure_whatever_the_error_code_looks_like(sent, twilio, case_system, run_worker):
    sid, outbox_id = sent[ANNA.phone]
    response = twilio.status(sid, "failed", outbox_id, error_code="30003-" + "9" * 40)
    assert response.status_code == 204
    run_worker()
    [report] = case_system.of_type("message.undeliverable")
    assert report.data["recipient"] == "citizen"
