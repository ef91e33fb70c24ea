"""The carrier keywords: only a whole message that is one of them opts the sender out."""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import ANNA, JAN, entries, fetch_case
from tests.opt_out.conftest import callback_types

# -- the keywords ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "keyword",
    [
        " stop! ",
        "STOPALL",
        "Unsubscribe",
        "CANCEL",
        "end",
        "Quit",
        "REVOKE",
        "OPT-OUT",
        "ＳＴＯＰ",
    ],
)
def test_it_opts_her_out_on_a_whole_message_that_is_a_carrier_keyword(keyword, proxy, says, case_system):
    says(ANNA, keyword, proxy)
    [opted_out] = case_system.of_type("citizen.opted_out")
    assert opted_out.data["case_id"] == "MOR-2026-0042"
    # The keyword as one plain word: "stop!" and "ＳＴＯＰ" both say STOP.
    assert (
        opted_out.data["source"] == "".join(ch for ch in unicodedata.normalize("NFKC", keyword) if ch.isalnum()).upper()
    )


def test_it_does_not_take_stop_as_a_no(asked, says, case_system, client):
    says(ANNA, "Stop.", asked)
    assert callback_types(case_system) == ["citizen.opted_out"]
    assert fetch_case(client)["status"] == "awaiting_confirmation"
    assert entries(client, "reply.read") == []


def test_it_answers_stop_with_empty_twiml_and_leaves_the_confirmation_to_twilio(asked, twilio, fake_twilio, run_worker):
    response = twilio.text(ANNA, "STOP", to=asked)
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.tag == "Response" and list(root) == []
    run_worker()
    assert len(fake_twilio.texts_to(ANNA.phone)) == 2  # no text of ours acknowledges it


def test_it_keeps_her_stop_out_of_the_detail_she_was_asked_for_after_a_no(asked, says, case_system, fake_twilio):
    says(ANNA, "nee", asked)
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # ... and "what is still wrong?"
    says(ANNA, "STOP", asked)
    assert case_system.of_type("case.citizen_message") == []
    assert callback_types(case_system) == ["case.reopened", "citizen.opted_out"]
    says(ANNA, "Het gat zit er nog", asked)
    [detail] = case_system.of_type("case.citizen_message")
    assert detail.data["text"] == "Het gat zit er nog"
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # the "passed on" text is not sent


@pytest.mark.parametrize("body", ["stop met sms", "Stop maar, het is goed", "STOPPEN"])
def test_it_does_not_take_a_sentence_with_stop_in_it_as_an_opt_out(body, asked, says, case_system, fake_twilio):
    says(ANNA, body, asked)
    assert case_system.of_type("citizen.opted_out") == []
    assert len(fake_twilio.texts_to(ANNA.phone)) == 3  # she is asked once more, by text


def test_it_relays_a_sentence_with_stop_in_it_to_the_crew_while_the_job_is_open(proxy, says, fake_twilio, case_system):
    says(ANNA, "Stop maar met graven, de leiding ligt daar", proxy)
    [relayed] = fake_twilio.texts_to(JAN.phone)[1:]
    assert relayed.endswith("Stop maar met graven, de leiding ligt daar")
    assert case_system.of_type("citizen.opted_out") == []
