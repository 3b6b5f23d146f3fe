"""Signing keys of an app: dynamic keys that rotate, one static key, and their JWKS.

Keys live in the app's database so every process and instance signs with, and publishes,
the same keys (contract, session §7). Each process keeps what it read for a short time;
a ``kid`` it does not know makes it read the database again once.

A new key is written in a transaction of its own, committed at once: a token signed with
it may be verified by another process a moment later, whatever becomes of the request
that needed it. Callers therefore ask for a signing key before they open their request's
write transaction (on SQLite a second writer would wait for the first).
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import Connection

from core_app.plugin_api import Storage, count_event, transaction
from plugins.session import store

RSA_KEY_BITS = 2048
RSA_PUBLIC_EXPONENT = 65537
ROTATION_OVERLAP_MS = 60_000
TEST_MODE_SHORT_INTERVAL_MS = 60_000  # below this, test mode shrinks the overlap
KEY_CACHE_TTL_MS = 30_000
MS_PER_HOUR = 3_600_000


@dataclass(frozen=True)
class KeyPolicy:
    """The rotation numbers of one app, from its settings."""

    interval_ms: int
    access_token_validity_ms: int
    test_mode: bool

    @property
    def overlap_ms(self) -> int:
        """How long a new key is published before it signs."""
        if self.test_mode and self.interval_ms < TEST_MODE_SHORT_INTERVAL_MS:
            return self.interval_ms // 5
        return ROTATION_OVERLAP_MS

    @property
    def lifetime_ms(self) -> int:
        """How long a dynamic key stays verifiable after its creation."""
        return self.interval_ms + 2 * self.access_token_validity_ms

    @property
    def cache_ttl_ms(self) -> int:
        """Cached keys must be fresher than the overlap, or a published key could be missed."""
        return max(1, min(KEY_CACHE_TTL_MS, self.overlap_ms // 2))


@dataclass(frozen=True)
class SigningKey:
    """A usable key: its id, creation time and loaded private key."""

    key_id: str
    dynamic: bool
    created_at: int
    private_key: rsa.RSAPrivateKey

    def jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 7517 §4, RFC 7518 §6.3.1)."""
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "kid": self.key_id,
            "n": _b64_uint(numbers.n),
            "e": _b64_uint(numbers.e),
            "alg": "RS256",
            "use": "sig",
        }


def _b64_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class _Snapshot:
    read_at: int
    dynamic: tuple[SigningKey, ...]  # verifiable dynamic keys, newest first
    static: SigningKey | None


def _now_ms() -> int:
    return int(time.time() * 1000)


def _new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=RSA_PUBLIC_EXPONENT, key_size=RSA_KEY_BITS)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


class SigningKeyRing:
    """The signing keys of every app this process has served, cached per app."""

    def __init__(self) -> None:
        self._snapshots: dict[tuple[str, str], _Snapshot] = {}
        self._parsed: dict[str, rsa.RSAPrivateKey] = {}
        self._lock = threading.Lock()

    # --- reading ------------------------------------------------------------------------

    def _load(self, conn: Connection, app_id: str, policy: KeyPolicy, now: int) -> _Snapshot:
        keys = store.load_keys(conn, app_id, now - policy.lifetime_ms)
        loaded = [SigningKey(k.key_id, k.dynamic, k.created_at, self._private_key(k)) for k in keys]
        return _Snapshot(
            now,
            tuple(k for k in loaded if k.dynamic),
            next((k for k in loaded if not k.dynamic), None),
        )

    def _private_key(self, stored: store.StoredKey) -> rsa.RSAPrivateKey:
        key = self._parsed.get(stored.key_id)
        if key is None:
            key = serialization.load_pem_private_key(stored.private_key_pem.encode(), None)
            self._parsed[stored.key_id] = key  # type: ignore[assignment]
        return key  # type: ignore[return-value]

    def _snapshot(
        self,
        storage: Storage,
        uri: str,
        app_id: str,
        policy: KeyPolicy,
        now: int,
        fresh: bool = False,
    ) -> _Snapshot:
        snapshot = self._snapshots.get((uri, app_id))
        if fresh or snapshot is None or now - snapshot.read_at > policy.cache_ttl_ms:
            with storage.engine(uri).connect() as conn:
                snapshot = self._load(conn, app_id, policy, now)
                conn.rollback()
            self._snapshots[(uri, app_id)] = snapshot
        return snapshot

    def verification_key(
        self, storage: Storage, uri: str, app_id: str, policy: KeyPolicy, kid: str
    ) -> SigningKey | None:
        """The key with id ``kid``; an unknown id re-reads the database once."""
        now = _now_ms()
        for fresh in (False, True):
            snapshot = self._snapshot(storage, uri, app_id, policy, now, fresh)
            for key in (*snapshot.dynamic, snapshot.static):
                if key is not None and key.key_id == kid:
                    if key.dynamic and key.created_at < now - policy.lifetime_ms:
                        return None
                    return key
            if fresh:
                break
            # Only go to the database for ids that could be ours.
            if not kid.startswith(("d-", "s-")):
                return None
        return None

    # --- signing ------------------------------------------------------------------------

    def dynamic_signing_key(
        self, storage: Storage, uri: str, app_id: str, policy: KeyPolicy
    ) -> SigningKey:
        """The dynamic key to sign with now, creating the next one when it is due."""
        now = _now_ms()
        snapshot = self._snapshot(storage, uri, app_id, policy, now)
        if self._rotation_due(snapshot, policy, now):
            snapshot = self._snapshot(storage, uri, app_id, policy, now, fresh=True)
            if self._rotation_due(snapshot, policy, now):
                snapshot = self._create(storage, uri, app_id, policy, dynamic=True)
        return self._choose_signer(snapshot, policy, _now_ms())

    def static_key(self, storage: Storage, uri: str, app_id: str, policy: KeyPolicy) -> SigningKey:
        """The app's static key, created on first need."""
        snapshot = self._snapshot(storage, uri, app_id, policy, _now_ms())
        if snapshot.static is None:
            snapshot = self._create(storage, uri, app_id, policy, dynamic=False)
        assert snapshot.static is not None
        return snapshot.static

    def signing_key(
        self, storage: Storage, uri: str, app_id: str, policy: KeyPolicy, use_static_key: bool
    ) -> SigningKey:
        """The key a session's access tokens are signed with."""
        if use_static_key:
            return self.static_key(storage, uri, app_id, policy)
        return self.dynamic_signing_key(storage, uri, app_id, policy)

    def jwks(
        self, storage: Storage, uri: str, app_id: str, policy: KeyPolicy
    ) -> tuple[list[dict[str, str]], int]:
        """The public keys (dynamic newest first, then static) and the seconds they hold."""
        self.dynamic_signing_key(storage, uri, app_id, policy)
        self.static_key(storage, uri, app_id, policy)
        now = _now_ms()
        snapshot = self._snapshot(storage, uri, app_id, policy, now)
        keys = [key.jwk() for key in snapshot.dynamic]
        if snapshot.static is not None:
            keys.append(snapshot.static.jwk())
        newest = snapshot.dynamic[0].created_at if snapshot.dynamic else now
        max_age_s = max(1, (newest + policy.interval_ms - policy.overlap_ms - now) // 1000)
        return keys, max_age_s

    @staticmethod
    def _rotation_due(snapshot: _Snapshot, policy: KeyPolicy, now: int) -> bool:
        threshold = now - policy.interval_ms + policy.overlap_ms
        return not any(key.created_at >= threshold for key in snapshot.dynamic)

    @staticmethod
    def _choose_signer(snapshot: _Snapshot, policy: KeyPolicy, now: int) -> SigningKey:
        keys = snapshot.dynamic
        newest = keys[0]
        if (
            len(keys) >= 2
            and now - newest.created_at < policy.overlap_ms
            and keys[1].created_at + policy.interval_ms > now
        ):
            # Publish the new key for the overlap before it signs anything.
            return keys[1]
        return newest

    def _create(
        self, storage: Storage, uri: str, app_id: str, policy: KeyPolicy, dynamic: bool
    ) -> _Snapshot:
        """Create a key under the app's key-ring lock, unless a racing process just did."""
        with transaction(storage) as unit:
            conn = unit.connection(uri)
            store.lock_key_ring(conn, app_id)
            now = _now_ms()
            snapshot = self._load(conn, app_id, policy, now)
            needed = (
                self._rotation_due(snapshot, policy, now) if dynamic else snapshot.static is None
            )
            if needed:
                private_key = _new_private_key()
                created_at = _now_ms()
                key_id = f"d-{created_at}" if dynamic else f"s-{uuid.uuid4()}"
                store.insert_key(
                    conn, app_id, store.StoredKey(key_id, dynamic, created_at, _pem(private_key))
                )
                self._parsed[key_id] = private_key
                snapshot = self._load(conn, app_id, policy, created_at)
                if dynamic:
                    count_event("session", "signing_key_rotated", app_id)
        self._snapshots[(uri, app_id)] = snapshot
        return snapshot

    def forget(self) -> None:
        """Drop every cached key (tests)."""
        self._snapshots.clear()


def policy_from_settings(settings: Any, test_mode: bool) -> KeyPolicy:
    """The key policy of an app's resolved settings."""
    return KeyPolicy(
        interval_ms=int(settings.access_token_dynamic_signing_key_update_interval * MS_PER_HOUR),
        access_token_validity_ms=int(settings.access_token_validity) * 1000,
        test_mode=test_mode,
    )
