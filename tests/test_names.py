"""Each name is written once (gateway/core/names.py); every table keyed by one covers them all."""

from __future__ import annotations

from flows.events import HANDLERS
from flows.ivr import Then
from flows.states import ALLOWED
from gateway.core.callback_schemas import CALLBACKS, ENVELOPES
from gateway.core.callbacks import CallbackSender
from gateway.core.config import Config
from gateway.core.names import CallbackType, CaseState, Channel, EventType
from gateway.core.outbox.channels import senders
from gateway.core.schemas import DATA_MODELS, EVENT_MODELS
from gateway.core.transport import PrintTransport
from gateway.http.openapi_examples import EVENTS
from gateway.http.voice import RENDERERS


def test_every_event_type_has_a_model_a_handler_and_an_example():
    assert set(DATA_MODELS) == set(EVENT_MODELS) == set(HANDLERS) == set(EVENTS) == set(EventType)


def test_every_callback_type_has_a_model_and_an_envelope():
    assert set(CALLBACKS) == set(ENVELOPES) == set(CallbackType)


def test_every_case_state_has_its_transitions():
    assert set(ALLOWED) == set(CaseState)
    assert all(targets <= set(CaseState) for targets in ALLOWED.values())


def test_every_channel_has_a_way_out(settings):
    config = Config.from_env(settings)
    assert set(senders(PrintTransport(), CallbackSender(config), config)) == set(Channel)


def test_a_name_is_its_stored_string():
    assert CaseState.AWAITING_CONFIRMATION == "awaiting_confirmation"
    assert f"{CallbackType.REOPENED}" == "case.reopened"


def test_every_way_a_call_goes_on_has_its_twiml():
    assert set(RENDERERS) == set(Then)
