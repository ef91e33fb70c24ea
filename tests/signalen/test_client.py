"""The Signalen client against a hostile Signalen and Keycloak on loopback: garbage, errors, a
revoked token, nothing listening. Each failure is a SignalenError that says whether to retry."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.models import OutboxMessage
from gateway.core.signalen.client import SignalenClient, SignalenError
from gateway.core.signalen.settings import SignalenSettings
from gateway.core.signalen.writeback import SignalenWriteBack
from tests.fakes.hostile_signalen import TOKEN, reply
from tests.processes import free_port

SECRET = "client-secret-never-shown"


def client_for(url: str, token_url: str | None = None) -> SignalenClient:
    return SignalenClient(
        SignalenSettings(
            api_url=url,
            token_url=token_url or url + "/token",
            client_id="korte-lijn",
            client_secret=SECRET,
            poll_interval=30,
            dispatch_state="ingepland",
            reopen_state="reopened",
            crews_file=Path("c"),
            crews={},
        )  # fmt: skip
    )


LIST = "/signals/v1/private/signals/"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (reply(200, raw="<html>proxy error</html>"), "without JSON"),
        (reply(200, {"results": "many"}), "no results"),
        (reply(200, ["a", "list"]), "no results"),
        (reply(500, {"detail": "boom"}), "answered 500"),
        (reply(503, raw=""), "answered 503"),
        (reply(403, {"detail": "no permission"}), "answered 403"),
    ],
)
def test_a_broken_signal_list_is_an_error_worth_retrying(hostile, answer, words):
    hostile.on(LIST, answer)
    with pytest.raises(SignalenError) as caught:
        client_for(hostile.url).changed_since(None)
    assert words in str(caught.value) and not caught.value.permanent


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (reply(401, {"error": "invalid_client"}), "refused SIGNALEN_CLIENT_ID/SIGNALEN_CLIENT_SECRET"),
        (reply(400, {"error": "unauthorized_client"}), "refused"),
        (reply(200, {"token_type": "Bearer"}), "without a token"),
        (reply(200, {"access_token": ""}), "empty token"),
        (reply(200, raw="not json"), "without a token"),
        (reply(502, raw="bad gateway"), "without a token"),
    ],
)
def test_a_broken_token_endpoint_is_an_error_that_never_shows_the_secret(hostile, answer, words):
    hostile.on("/token", answer)
    with pytest.raises(SignalenError) as caught:
        client_for(hostile.url).me()
    assert words in str(caught.value) and SECRET not in str(caught.value)
    assert [path for _, path, _ in hostile.requests] == ["/token"]


def test_nothing_listening_is_an_error_worth_retrying():
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SignalenError) as caught:
        client_for(closed).me()
    assert "unreachable" in str(caught.value) and not caught.value.permanent


def test_a_refused_token_is_replaced_once_and_the_call_made_again(hostile):
    hostile.on("/token", TOKEN, reply(200, {"access_token": "t-2", "expires_in": 300}))
    hostile.on("/signals/v1/private/me/", reply(401, {"detail": "expired"}), reply(200, {"username": "k"}))
    assert client_for(hostile.url).me() == {"username": "k"}
    assert [path for _, path, _ in hostile.requests].count("/token") == 2


def test_a_token_refused_twice_is_an_error(hostile):
    hostile.on("/signals/v1/private/me/", reply(401, {"detail": "no"}))
    with pytest.raises(SignalenError) as caught:
        client_for(hostile.url).me()
    assert caught.value.status == 401 and not caught.value.permanent


def row(event_type: str, **data: object) -> OutboxMessage:
    payload = {"type": event_type, "data": {"case_id": "7", "reference": "SIG-7", "round": 1, **data}}
    return OutboxMessage(channel="signalen", purpose=event_type, payload=payload)


def test_a_refused_reopen_adds_her_words_as_a_note_and_fails_for_good(hostile):
    hostile.on("/signals/v1/private/signals/7", reply(400, {"state": ["Invalid state transition"]}), reply(200, {}))
    write_back = SignalenWriteBack(client_for(hostile.url), "reopened")
    with pytest.raises(SignalenError) as caught:
        write_back.send(row("case.reopened", reply="Nee, nog een gat", channel="sms"))
    assert caught.value.permanent and "refused 'reopened'" in str(caught.value)
    [(_, _, reopen), (_, _, note)] = [r for r in hostile.requests if r[1].endswith("/7")]
    assert reopen["status"]["state"] == "reopened" and reopen["status"]["send_email"] is False
    assert "Nee, nog een gat" in note["notes"][0]["text"]


@pytest.mark.parametrize(("status", "permanent"), [(404, True), (500, False), (409, False)])
def test_a_failed_note_is_retried_unless_the_signal_is_gone(hostile, status, permanent):
    hostile.on("/signals/v1/private/signals/7", reply(status, {"detail": "x"}))
    write_back = SignalenWriteBack(client_for(hostile.url), "reopened")
    with pytest.raises(SignalenError) as caught:
        write_back.send(row("case.unanswered"))
    assert caught.value.permanent is permanent


@pytest.mark.parametrize("case_id", ["MOR-42", None, "7; DROP TABLE"])
def test_a_case_that_is_no_signal_is_never_written_back(hostile, case_id):
    broken = row("case.unanswered")
    broken.payload["data"]["case_id"] = case_id
    with pytest.raises(SignalenError) as caught:
        SignalenWriteBack(client_for(hostile.url), "reopened").send(broken)
    assert caught.value.permanent
    assert hostile.requests == []
