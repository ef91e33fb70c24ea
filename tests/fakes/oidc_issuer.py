"""A stand-in for the municipality's Keycloak: an OAuth2 token endpoint and its JWKS.

It grants client-credentials tokens, signed RS256 with a key made at start, to the clients it
knows. Each client acts for one Signalen user (the token's `email` claim), as a Keycloak
service account with that e-mail does. Signalen fetches the JWKS on every request, so a token
it did not sign, or one past its `exp`, gets 401 there. `token_lifetime` is the `expires_in`
it grants; `grants` counts the tokens handed out, per client.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from werkzeug.wrappers import Request, Response

from tests.fakes.server import LoopbackServer

AUDIENCE = "signals"


@dataclass
class Client:
    secret: str
    email: str


@dataclass
class FakeIssuer:
    token_lifetime: int = 300
    clients: dict[str, Client] = field(default_factory=dict)
    grants: Counter = field(default_factory=Counter)
    refused: int = 0
    server: LoopbackServer | None = None
    _key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    _kid: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> FakeIssuer:
        self.server = LoopbackServer(self.wsgi).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    @property
    def issuer(self) -> str:
        return self.server.url + "/realms/gemeente"

    @property
    def token_url(self) -> str:
        return self.issuer + "/protocol/openid-connect/token"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/protocol/openid-connect/certs"

    def rotate_key(self) -> None:
        """A new signing key, as Keycloak rotates them: tokens signed before are refused (401)."""
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = uuid.uuid4().hex[:12]

    def add_client(self, client_id: str, secret: str, email: str) -> None:
        self.clients[client_id] = Client(secret, email)

    def token_for(self, email: str, lifetime: int | None = None) -> str:
        """A token as the issuer would grant it, for a test acting as staff."""
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": AUDIENCE,
            "sub": uuid.uuid4().hex,
            "email": email,
            "iat": now,
            "exp": now + (self.token_lifetime if lifetime is None else lifetime),
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})

    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/realms/gemeente/protocol/openid-connect/certs":
            jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
            jwk.update(kid=self._kid, use="sig", alg="RS256")
            return Response(json.dumps({"keys": [jwk]}), content_type="application/json")(environ, start_response)
        if request.path == "/realms/gemeente/protocol/openid-connect/token" and request.method == "POST":
            return self._grant(request)(environ, start_response)
        return Response("not found", status=404)(environ, start_response)

    def _grant(self, request: Request) -> Response:
        form = request.form
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            client_id, secret = request.authorization.username, request.authorization.password
        client = self.clients.get(client_id or "")
        if form.get("grant_type") != "client_credentials":
            return _error(400, "unsupported_grant_type")
        if client is None or client.secret != secret:
            with self._lock:
                self.refused += 1
            return _error(401, "invalid_client")
        with self._lock:
            self.grants[client_id] += 1
        body = {
            "access_token": self.token_for(client.email),
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "scope": "email profile",
        }
        return Response(json.dumps(body), content_type="application/json")


def _error(status: int, code: str) -> Response:
    return Response(json.dumps({"error": code}), status=status, content_type="application/json")
