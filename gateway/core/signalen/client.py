"""Signalen's private API, as the connector's Keycloak client.

The bearer token comes from an OAuth2 client-credentials grant (SIGNALEN_TOKEN_URL) and is
renewed a minute before it expires (a short-lived one at three quarters of its life), or at once
when Signalen answers 401. Every failure is a SignalenError, a TransportError that says whether
trying again can help.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

import requests

from gateway.core.signalen.settings import SignalenSettings
from gateway.core.transport import TransportError
from gateway.core.user_agent import USER_AGENT

log = logging.getLogger(__name__)

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 30
# Renewed this long before it expires, so a token never runs out between fetch and use.
RENEW_BEFORE = 60
PAGE_SIZE = 50
SIGNALS = "/signals/v1/private/signals/"


class SignalenError(TransportError):
    def __init__(self, message: str, *, permanent: bool, status: int | None = None):
        super().__init__(message, permanent=permanent, code=str(status) if status else None)
        self.status = status


class SignalenClient:
    def __init__(self, settings: SignalenSettings):
        self.settings = settings
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()  # the outbox's lanes share one client

    # -- reading

    def changed_since(self, since: datetime | None) -> list[dict[str, Any]]:
        """Up to PAGE_SIZE signals updated at or after `since` (Signalen's bound is inclusive), oldest first."""
        params = {"ordering": "updated_at", "page_size": str(PAGE_SIZE)}
        if since is not None:
            params["updated_after"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return self._signals(params)

    def signal(self, signal_id: int) -> dict[str, Any]:
        return self._call("GET", f"{SIGNALS}{signal_id}")

    def me(self) -> dict[str, Any]:
        return self._call("GET", "/signals/v1/private/me/")

    def newest(self) -> dict[str, Any] | None:
        """The signal changed last, if there is any."""
        # A broken answer raises rather than reads as "no signals": a new cursor would then start
        # before every signal and text the residents of all those already planned.
        results = self._signals({"ordering": "-updated_at", "page_size": "1"})
        return results[0] if results else None

    def _signals(self, params: dict[str, str]) -> list[dict[str, Any]]:
        page = self._call("GET", SIGNALS, params=params)
        results = page.get("results") if isinstance(page, dict) else None
        if not isinstance(results, list):
            raise SignalenError("Signalen's signal list had no results", permanent=False)
        return results

    # -- writing

    def set_status(self, signal_id: int, state: str, text: str) -> None:
        self._call(
            "PATCH", f"{SIGNALS}{signal_id}", json={"status": {"state": state, "text": text, "send_email": False}}
        )

    def add_note(self, signal_id: int, text: str) -> None:
        self._call("PATCH", f"{SIGNALS}{signal_id}", json={"notes": [{"text": text}]})

    # -- the token and the call

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                self._token, lifetime = self._grant()
                # A short-lived token (a strict Keycloak) is renewed at three quarters of its life.
                self._renew_at = time.monotonic() + lifetime - min(RENEW_BEFORE, lifetime / 4)
            return self._token

    def _grant(self) -> tuple[str, int]:
        data = {
            "grant_type": "client_credentials",
            "client_id": self.settings.client_id,
            "client_secret": self.settings.client_secret,
        }
        try:
            response = self.http.post(self.settings.token_url, data=data, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        except requests.RequestException as exc:
            raise SignalenError(f"token endpoint unreachable: {type(exc).__name__}", permanent=False) from None
        if response.status_code in (400, 401):
            # Wrong client or secret: trying again will not help until someone fixes the settings.
            raise SignalenError(
                f"token endpoint refused SIGNALEN_CLIENT_ID/SIGNALEN_CLIENT_SECRET ({response.status_code})",
                permanent=False,
                status=response.status_code,
            )
        try:
            grant = response.json()
            token, lifetime = grant["access_token"], int(grant.get("expires_in", 300))
        except (ValueError, KeyError, TypeError):
            raise SignalenError(
                f"token endpoint answered {response.status_code} without a token", permanent=False
            ) from None
        if not isinstance(token, str) or not token:
            raise SignalenError("token endpoint gave an empty token", permanent=False)
        return token, max(lifetime, 1)

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
            try:
                response = self.http.request(
                    method,
                    self.settings.api_url + path,
                    headers=headers,
                    timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
                    **kwargs,
                )
            except requests.RequestException as exc:
                raise SignalenError(f"Signalen unreachable: {type(exc).__name__}", permanent=False) from None
            if response.status_code == 401 and attempt == 1:
                self._forget_token()  # revoked, or the clocks differ: one fresh token, once
                continue
            break
        if 200 <= response.status_code < 300:
            try:
                return response.json()
            except ValueError:
                raise SignalenError(f"Signalen answered {response.status_code} without JSON", permanent=False) from None
        raise SignalenError(
            f"Signalen answered {response.status_code} to {method} {path.split('?')[0]}: {_detail(response)}",
            # 400: the change is refused (the signal moved on); 404: it is gone. Neither improves.
            permanent=response.status_code in (400, 404),
            status=response.status_code,
        )


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "(no detail)"
    return str(body)[:300]
