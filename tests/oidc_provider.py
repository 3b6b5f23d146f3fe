"""A small OpenID Connect provider on loopback, for driving third-party sign-in in tests.

It is strict where a real provider is: a code is single-use and bound to its client and
redirect URI, PKCE (S256) is checked when the authorisation request carried a challenge,
confidential clients must send their secret, id tokens are RS256-signed for the client as
audience and verified by the SDK against the JWKS. ``state`` is echoed back, as the
frontend SDK expects. Who "logs in" at the authorisation endpoint is set by the test.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import pkce
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from werkzeug.serving import make_server


@dataclass
class Account:
    """The person logged in at the provider."""

    subject: str
    email: str
    email_verified: bool = True


@dataclass
class Client:
    """A registered OAuth client; no secret means a public client (PKCE required)."""

    client_id: str
    secret: str | None = None
    redirect_uris: tuple[str, ...] = ()


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    account: Account
    challenge: str | None
    scope: str


@dataclass
class OidcProvider:
    """Run with ``with OidcProvider(clients) as provider:``; ``provider.url`` is its issuer."""

    clients: list[Client]
    # The user-info answer uses other claim names than the id token, so that a provider
    # config's ``userInfoMap.fromUserInfoAPI`` is what makes it readable.
    user_info_claims: dict[str, str] = field(
        default_factory=lambda: {"subject": "uid", "email": "mail", "email_verified": "mail_ok"}
    )
    account: Account | None = None
    url: str = ""
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._grants: dict[str, Grant] = {}
        self._tokens: dict[str, Account] = {}
        self._lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> "OidcProvider":
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    # --- endpoints -------------------------------------------------------------------------

    def _client(self, client_id: str | None) -> Client | None:
        return next((c for c in self.clients if c.client_id == client_id), None)

    def _app(self) -> Flask:
        app = Flask("oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "userinfo_endpoint": f"{self.url}/userinfo",
                    "jwks_uri": f"{self.url}/jwks",
                    "response_types_supported": ["code"],
                    "code_challenge_methods_supported": ["S256"],
                }
            )

        @app.get("/jwks")
        def jwks():
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
            return jsonify({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})

        @app.get("/authorize")
        def authorize():
            query = request.args.to_dict()
            self.requests.append(("authorize", query))
            client = self._client(query.get("client_id"))
            redirect_uri = query.get("redirect_uri", "")
            if client is None or redirect_uri not in client.redirect_uris:
                return "unknown client or redirect URI", 400
            if query.get("response_type") != "code" or self.account is None:
                return "bad request", 400
            challenge = query.get("code_challenge")
            if challenge is not None and query.get("code_challenge_method") != "S256":
                return "only S256", 400
            if client.secret is None and challenge is None:
                return "public clients must use PKCE", 400
            code = secrets.token_urlsafe(24)
            with self._lock:
                self._grants[code] = Grant(
                    client.client_id, redirect_uri, self.account, challenge, query.get("scope", "")
                )
            answer = {"code": code}
            if "state" in query:
                answer["state"] = query["state"]
            return redirect(f"{redirect_uri}?{urlencode(answer)}")

        @app.post("/token")
        def token():
            form = request.form.to_dict()
            self.requests.append(("token", form))
            with self._lock:
                grant = self._grants.pop(form.get("code", ""), None)  # single use
            client = self._client(form.get("client_id"))
            if grant is None or client is None or grant.client_id != client.client_id:
                return jsonify({"error": "invalid_grant"}), 400
            if (
                form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant.redirect_uri
            ):
                return jsonify({"error": "invalid_grant"}), 400
            if client.secret is not None and form.get("client_secret") != client.secret:
                return jsonify({"error": "invalid_client"}), 401
            if grant.challenge is not None:
                verifier = form.get("code_verifier")
                if not verifier or pkce.get_code_challenge(verifier) != grant.challenge:
                    return jsonify(
                        {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                    ), 400
            access_token = secrets.token_urlsafe(24)
            with self._lock:
                self._tokens[access_token] = grant.account
            now = int(time.time())
            id_token = jwt.encode(
                {
                    "iss": self.url,
                    "aud": client.client_id,
                    "sub": grant.account.subject,
                    "email": grant.account.email,
                    "email_verified": grant.account.email_verified,
                    "iat": now,
                    "exp": now + 300,
                },
                self._key,
                algorithm="RS256",
                headers={"kid": "k1"},
            )
            return jsonify(
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": id_token,
                }
            )

        @app.get("/userinfo")
        def userinfo():
            header = request.headers.get("Authorization", "")
            self.requests.append(("userinfo", dict(request.args)))
            account = self._tokens.get(header.removeprefix("Bearer "))
            if account is None:
                return jsonify({"error": "invalid_token"}), 401
            names = self.user_info_claims
            return jsonify(
                {
                    names["subject"]: account.subject,
                    names["email"]: account.email,
                    names["email_verified"]: account.email_verified,
                }
            )

        return app
