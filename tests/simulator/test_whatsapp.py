"""The phone simulator with Anna on WhatsApp, without a browser (test_simulator_browser.py has one):
the preset, her messages, the question's buttons, and what the page may not send."""

from __future__ import annotations

import pytest

from gateway.simulator import story
from tests.simulator.conftest import api, feed


def test_the_whatsapp_preset_shows_the_buttons_and_a_tap_sends_the_signed_payload(
    client, app, run_worker, fast_forward
):
    """Without a Twilio account WhatsApp is on (printed), with the operator's placeholder templates."""
    config = app.extensions["korte_lijn"].config
    assert config.whatsapp_sender is not None
    assert b'class="on-whatsapp"' in client.get("/simulator").data
    [dispatched, completed] = [
        preset["event"] for preset in story.presets(config) if preset["label"].startswith("WhatsApp:")
    ]
    assert dispatched["data"]["citizen"]["channel"] == "whatsapp"
    assert api(client, "/events", dispatched).get_json()["status"] == 202
    run_worker()
    [notice] = [item for item in feed(client) if item["phone"] == "anna"]
    assert notice["channel"] == "whatsapp" and notice["template"] and notice["buttons"] == []

    # Her own words on WhatsApp reach Jan by text from the proxy number.
    answer = api(client, "/phones/anna/whatsapp", {"body": "Ik ben de hele dag thuis"})
    assert answer.get_json()["status"] == 200
    run_worker()
    assert any(item["phone"] == "jan" and "Ik ben de hele dag thuis" in item["body"] for item in feed(client))

    api(client, "/events", completed)
    fast_forward(2)
    run_worker()
    question = [item for item in feed(client) if item["phone"] == "anna"][-1]
    assert question["buttons"] == [{"payload": "yes", "title": "JA"}, {"payload": "no", "title": "NEE"}]
    tap = {"body": "NEE", "button": "no", "replied_to": question["sid"]}
    assert api(client, "/phones/anna/whatsapp", tap).get_json()["status"] == 200
    run_worker()
    callbacks = [item["payload"] for item in feed(client) if item["channel"] == "callback"]
    reopened = [payload for payload in callbacks if payload["type"] == "case.reopened"]
    assert [payload["data"]["reply"] for payload in reopened] == ["NEE"]
    assert reopened[0]["data"]["channel"] == "whatsapp"


@pytest.mark.parametrize(
    ("phone", "body", "status"),
    [
        ("anna", {"body": ""}, 400),
        ("anna", {"body": "x" * 1601}, 400),
        ("anna", {"body": "NEE", "button": "maybe", "replied_to": "SMabc"}, 400),
        ("anna", {"body": "NEE", "button": "no", "replied_to": "../etc/passwd"}, 400),
        ("anna", {"body": "NEE", "button": "no"}, 400),
        ("anna-landline", {"body": "Hallo"}, 409),
    ],
)
def test_it_refuses_a_whatsapp_message_the_page_should_not_send(client, phone, body, status):
    assert api(client, f"/phones/{phone}/whatsapp", body).status_code == status
