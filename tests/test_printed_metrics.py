"""/metrics without a Twilio account or a callback URL: what was printed is counted as printed, not as sent."""

from __future__ import annotations

import pytest

from gateway.factory import create_app
from tests.conftest import ANNA, JAN, CaseSystemClient, Persona, TwilioWebhooks
from tests.metric_samples import scrape

# A landline: her dispatch notice is a call.
LOES = Persona("Loes Smit", "+31201234567", "020 123 4567")
MESSAGES = "korte_lijn_messages_total"


@pytest.fixture
def printing(settings, app):
    """An app like the embedded mode's: no TWILIO_ACCOUNT_SID, so texts and calls are printed;
    `printing(callbacks=False)` prints callbacks too."""
    built = []

    def build(callbacks: bool = True):
        dropped = {"TWILIO_ACCOUNT_SID"} | (set() if callbacks else {"CASE_CALLBACK_URL", "CASE_CALLBACK_SECRET"})
        built.append(create_app({key: value for key, value in settings.items() if key not in dropped}))
        return built[-1]

    yield build
    for application in built:
        application.extensions["korte_lijn"].db.dispose()


def count(client, kind: str, recipient: str, outcome: str) -> float:
    return scrape(client, MESSAGES, kind=kind, recipient=recipient, outcome=outcome)


def test_texts_printed_instead_of_sent_count_as_printed(printing, fake_twilio):
    app = printing()
    client = app.test_client()
    assert CaseSystemClient(client).dispatch().status_code == 202
    app.extensions["korte_lijn"].worker.tick()
    assert fake_twilio.messages == []
    for recipient in ("citizen", "crew"):
        assert count(client, "text", recipient, "printed") == 1
        assert count(client, "text", recipient, "sent") == 0


def test_a_call_printed_instead_of_placed_counts_as_printed(printing, fake_twilio):
    app = printing()
    client = app.test_client()
    assert CaseSystemClient(client).dispatch(citizen=LOES).status_code == 202
    app.extensions["korte_lijn"].worker.tick()
    assert fake_twilio.calls == []
    assert count(client, "call", "citizen", "printed") == 1
    assert count(client, "call", "citizen", "sent") == 0


def test_a_callback_printed_without_a_callback_url_counts_as_printed(printing, case_system):
    app = printing(callbacks=False)
    client = app.test_client()
    proxy = CaseSystemClient(client).dispatch(citizen=ANNA, crew=JAN).json["proxy_number"]
    app.extensions["korte_lijn"].worker.tick()
    assert TwilioWebhooks(client).text(ANNA, "STOP", to=proxy).status_code == 200
    app.extensions["korte_lijn"].worker.tick()
    assert case_system.deliveries == []
    assert count(client, "callback", "case_system", "printed") == 1
    assert count(client, "callback", "case_system", "sent") == 0
    assert scrape(client, "korte_lijn_callback_delivery_lag_seconds_count") == 0
