"""Access tokens (JWT, version 5) and refresh tokens (contract, session §2–§3).

Access tokens are RS256 JWTs made and checked by PyJWT. Refresh tokens are opaque to
clients: an AES-256-GCM envelope (``cryptography``'s AEAD, authenticated with the app id)
around the facts the core must recover from them, under a random key per app kept in the
app's key-value row. Only hashes of refresh tokens are ever stored.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import math
import os
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from plugins.session.keys import SigningKey

ACCESS_TOKEN_VERSION = "5"
PROTECTED_CLAIMS = (
    "sub",
    "exp",
    "iat",
    "sessionHandle",
    "refreshTokenHash1",
    "parentRefreshTokenHash1",
    "antiCsrfToken",
    "tId",
    "rsub",
)
REFRESH_TOKEN_SUFFIX = ".v1"
GCM_NONCE_BYTES = 12


def h1(value: str) -> str:
    """Lower-case hex SHA-256 of the UTF-8 bytes (the contract's ``H1``)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def h2(value: str) -> str:
    """``H1(H1(value))``: what a session row stores of its refresh token."""
    return h1(h1(value))


class TokenError(ValueError):
    """A token that cannot be used; the message is what the caller is told."""


class MissingClaims(TokenError):
    """A well-formed JWT that lacks the claims of a session access token."""


# --- access tokens ----------------------------------------------------------------------


@dataclass(frozen=True)
class AccessTokenClaims:
    """The claims of an access token, protected ones as fields, the rest in ``custom``."""

    sub: str
    rsub: str
    tenant_id: str
    session_handle: str
    refresh_token_hash1: str
    parent_refresh_token_hash1: str | None
    anti_csrf_token: str | None
    iat: int  # seconds
    exp: int  # seconds
    custom: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        """The JWT payload: custom claims first, protected ones over them."""
        return {
            **self.custom,
            "sub": self.sub,
            "exp": self.exp,
            "iat": self.iat,
            "tId": self.tenant_id,
            "rsub": self.rsub,
            "sessionHandle": self.session_handle,
            "refreshTokenHash1": self.refresh_token_hash1,
            "parentRefreshTokenHash1": self.parent_refresh_token_hash1,
            "antiCsrfToken": self.anti_csrf_token,
        }


def uses_protected_claim(payload: dict[str, Any]) -> bool:
    """Whether a custom payload tries to set a claim the core owns."""
    return any(name in payload for name in PROTECTED_CLAIMS)


def sign_access_token(claims: AccessTokenClaims, key_id: str, private_key: Any) -> str:
    """A compact RS256 JWS with the header of token version 5."""
    return jwt.encode(
        claims.payload(),
        private_key,
        algorithm="RS256",
        headers={"kid": key_id, "typ": "JWT", "version": ACCESS_TOKEN_VERSION},
    )


def expiry_seconds(expiry_ms: float) -> int:
    """Token times are whole seconds, rounded down."""
    return math.floor(expiry_ms / 1000)


def read_header(token: str) -> dict[str, Any]:
    """The JOSE header of a token, checked for what this core issues.

    Only the header segment is decoded here, to choose the key: PyJWT's own header reader
    decodes and checks all three segments, and ``verify_access_token`` does that once more
    anyway with the signature.
    """
    if token.count(".") != 2:
        raise TokenError("Invalid access token: not a JWT")
    segment = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        raise TokenError("Invalid access token: bad header") from None
    if not isinstance(header, dict):
        raise TokenError("Invalid access token: bad header")
    if header.get("typ") != "JWT" or header.get("alg") != "RS256":
        raise TokenError("Invalid access token: unsupported header")
    if not isinstance(header.get("kid"), str):
        raise TokenError("Invalid access token: no key id")
    version = header.get("version")
    if version is not None and (not isinstance(version, str) or version in ("1", "2")):
        raise TokenError("Invalid access token: unsupported version")
    return header


def _claims(payload: dict[str, Any]) -> AccessTokenClaims:
    if not all(name in payload for name in PROTECTED_CLAIMS):
        raise MissingClaims("Invalid access token: missing claims")
    strings = ("sub", "rsub", "tId", "sessionHandle", "refreshTokenHash1")
    if not all(isinstance(payload[name], str) for name in strings) or not all(
        isinstance(payload[name], (int, float)) and not isinstance(payload[name], bool)
        for name in ("exp", "iat")
    ):
        raise TokenError("Invalid access token: malformed claims")
    for name in ("parentRefreshTokenHash1", "antiCsrfToken"):
        if payload[name] is not None and not isinstance(payload[name], str):
            raise TokenError("Invalid access token: malformed claims")
    return AccessTokenClaims(
        sub=payload["sub"],
        rsub=payload["rsub"],
        tenant_id=payload["tId"],
        session_handle=payload["sessionHandle"],
        refresh_token_hash1=payload["refreshTokenHash1"],
        parent_refresh_token_hash1=payload["parentRefreshTokenHash1"],
        anti_csrf_token=payload["antiCsrfToken"],
        iat=int(payload["iat"]),
        exp=int(payload["exp"]),
        custom={k: v for k, v in payload.items() if k not in PROTECTED_CLAIMS},
    )


# A token's signature check is a pure function of the token and the key, so the answers
# for the tokens verified last are kept: a client's repeated calls with one token skip
# PyJWT's RSA and base64 checks (about 0.15 ms). Only tokens that verified are kept, under
# the key object that verified them; expiry, anti-CSRF and the database check still run
# on every call, so a revoked session fails at once. About 1.5 kB per kept token.
VERIFIED_TOKENS_KEPT = 1024
_JWS = jwt.PyJWS()


@functools.lru_cache(maxsize=VERIFIED_TOKENS_KEPT)
def _verified_payload(token: str, key: SigningKey) -> bytes:
    return _JWS.decode(token, key.private_key.public_key(), algorithms=["RS256"])


def verify_access_token(token: str, key: SigningKey) -> AccessTokenClaims:
    """Claims of a token whose signature ``key`` verifies; expiry is the caller's to check."""
    try:
        payload = json.loads(_verified_payload(token, key))
    except jwt.InvalidSignatureError:
        raise TokenError("Invalid access token: signature does not verify") from None
    except (jwt.PyJWTError, ValueError):
        raise TokenError("Invalid access token") from None
    if not isinstance(payload, dict):
        raise TokenError("Invalid access token")
    return _claims(payload)


def read_unverified_claims(token: str) -> AccessTokenClaims:
    """Claims of a token without checking signature or expiry (regenerate only)."""
    try:
        payload = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise TokenError("Invalid access token") from None
    return _claims(payload)


# --- refresh tokens ---------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshTokenFacts:
    """What a refresh token carries."""

    session_handle: str
    user_id: str
    tenant_id: str
    parent_refresh_token_hash1: str | None
    anti_csrf_token: str | None


def new_refresh_token_key() -> str:
    """A random AES-256 key, base64, for an app's refresh tokens."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def seal_refresh_token(facts: RefreshTokenFacts, key: str, app_id: str) -> str:
    """An unforgeable, unguessable refresh token carrying ``facts``."""
    body = json.dumps(
        {
            "h": facts.session_handle,
            "u": facts.user_id,
            "t": facts.tenant_id,
            "p": facts.parent_refresh_token_hash1,
            "c": facts.anti_csrf_token,
            "n": secrets.token_hex(16),
        },
        separators=(",", ":"),
    ).encode("utf-8")
    nonce = os.urandom(GCM_NONCE_BYTES)
    sealed = AESGCM(base64.b64decode(key)).encrypt(nonce, body, app_id.encode("utf-8"))
    return (
        base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii") + REFRESH_TOKEN_SUFFIX
    )


def open_refresh_token(token: str, key: str, app_id: str) -> RefreshTokenFacts:
    """The facts of a refresh token this app issued, or ``TokenError``."""
    if not token.endswith(REFRESH_TOKEN_SUFFIX):
        raise TokenError("Invalid refresh token")
    encoded = token[: -len(REFRESH_TOKEN_SUFFIX)]
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        body = AESGCM(base64.b64decode(key)).decrypt(
            raw[:GCM_NONCE_BYTES], raw[GCM_NONCE_BYTES:], app_id.encode("utf-8")
        )
        fields = json.loads(body)
        return RefreshTokenFacts(fields["h"], fields["u"], fields["t"], fields["p"], fields["c"])
    except (binascii.Error, ValueError, InvalidTag, KeyError, TypeError):
        raise TokenError("Invalid refresh token") from None
