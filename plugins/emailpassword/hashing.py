"""Password hashes: made with the configured algorithm, checked by their own prefix.

Hashing goes through passlib (argon2-cffi and bcrypt backends); Firebase's scrypt variant,
which only imported users have, through ``hashlib.scrypt`` and AES-CTR from
``cryptography`` (contract, emailpassword §3). Argon2 and scrypt computations are bounded
per process (``argon2_hashing_pool_size``, ``firebase_password_hashing_pool_size``):
each argon2 hash holds ``argon2_memory_kb`` of memory while it runs, so a burst of
sign-ins waits instead of exhausting memory.

An imported hash carries its own cost parameters, and every sign-in with a wrong password
pays them. ``HashLimits`` caps them: an import above a cap is refused (400), and a stored
hash above both the caps and the parameters of the current config is never computed (it
answers as a wrong password and is logged).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import secrets
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from passlib.hash import argon2, bcrypt

from core_app.plugin_api import ProtocolError

ARGON2_PREFIXES = ("$argon2id", "$argon2i", "$argon2d")
BCRYPT_PREFIXES = ("$2a", "$2b", "$2x", "$2y")
FIREBASE_PREFIX = "$f_scrypt$"
BCRYPT_MAX_BYTES = 72  # bcrypt reads no further; upstream (jBCrypt) truncates silently
SCRYPT_MAX_MEMORY = 1 << 30

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HashLimits:
    """The largest cost parameters an imported hash may carry (config, ``imported_*``).

    The defaults are those of the email-password config keys; config.yaml says why each.
    """

    bcrypt_log_rounds: int = 14
    argon2_memory_kb: int = 131_072
    argon2_iterations: int = 10
    argon2_parallelism: int = 16
    firebase_memory_cost: int = 14  # log2 of scrypt's N
    firebase_rounds: int = 8  # scrypt's r


@dataclass(frozen=True)
class HashPolicy:
    """How new hashes are made (from config), how many may run at once, and the limits of
    imported ones."""

    algorithm: str  # "ARGON2" or "BCRYPT"
    argon2_memory_kb: int
    argon2_iterations: int
    argon2_parallelism: int
    bcrypt_log_rounds: int
    argon2_pool_size: int
    firebase_pool_size: int
    imported: HashLimits = HashLimits()

    def verification_limits(self) -> HashLimits:
        """What a stored hash may cost to check: the import caps, or the parameters of the
        configured algorithm where they are higher (the hashes it makes must verify)."""
        limits = self.imported
        if self.algorithm == "BCRYPT":
            return replace(
                limits, bcrypt_log_rounds=max(limits.bcrypt_log_rounds, self.bcrypt_log_rounds)
            )
        return replace(
            limits,
            argon2_memory_kb=max(limits.argon2_memory_kb, self.argon2_memory_kb),
            argon2_iterations=max(limits.argon2_iterations, self.argon2_iterations),
            argon2_parallelism=max(limits.argon2_parallelism, self.argon2_parallelism),
        )


def policy_from_settings(settings: Any) -> HashPolicy:
    """The hash policy of an app's resolved settings."""
    return HashPolicy(
        settings.password_hashing_alg,
        settings.argon2_memory_kb,
        settings.argon2_iterations,
        settings.argon2_parallelism,
        settings.bcrypt_log_rounds,
        settings.argon2_hashing_pool_size,
        settings.firebase_password_hashing_pool_size,
        HashLimits(
            settings.imported_bcrypt_max_log_rounds,
            settings.imported_argon2_max_memory_kb,
            settings.imported_argon2_max_iterations,
            settings.imported_argon2_max_parallelism,
            settings.imported_firebase_scrypt_max_memory_cost,
            settings.imported_firebase_scrypt_max_rounds,
        ),
    )


@dataclass(frozen=True)
class CostExcess:
    """A cost parameter of a hash above its limit."""

    parameter: str  # e.g. "bcrypt cost (log rounds)"
    value: int
    limit: int
    config_key: str

    def import_message(self) -> str:
        """The 400 answer to an import of such a hash."""
        return (
            f"Password hash's {self.parameter} is {self.value}, above the maximum of "
            f"{self.limit} for imported hashes (config '{self.config_key}')"
        )


def cost_excess(limits: HashLimits, stored: str) -> CostExcess | None:
    """The first cost parameter of ``stored`` above ``limits``, or None.

    A hash whose parameters cannot be read is not refused here: it never verifies, and
    upstream stores such imports (emailpassword §9).
    """
    try:
        if stored.startswith(ARGON2_PREFIXES):
            parsed = argon2.from_string(stored)
            found = [
                (
                    "argon2 memory (m, KiB)",
                    parsed.memory_cost,
                    limits.argon2_memory_kb,
                    "imported_argon2_max_memory_kb",
                ),
                (
                    "argon2 iterations (t)",
                    parsed.rounds,
                    limits.argon2_iterations,
                    "imported_argon2_max_iterations",
                ),
                (
                    "argon2 parallelism (p)",
                    parsed.parallelism,
                    limits.argon2_parallelism,
                    "imported_argon2_max_parallelism",
                ),
            ]
        elif stored.startswith(BCRYPT_PREFIXES):
            found = [
                (
                    "bcrypt cost (log rounds)",
                    bcrypt.from_string("$2a" + stored[3:]).rounds,
                    limits.bcrypt_log_rounds,
                    "imported_bcrypt_max_log_rounds",
                )
            ]
        else:
            firebase = parse_firebase_hash(stored)
            if firebase is None:
                return None
            found = [
                (
                    "Firebase scrypt memory cost (m)",
                    firebase.memory_cost,
                    limits.firebase_memory_cost,
                    "imported_firebase_scrypt_max_memory_cost",
                ),
                (
                    "Firebase scrypt rounds (r)",
                    firebase.rounds,
                    limits.firebase_rounds,
                    "imported_firebase_scrypt_max_rounds",
                ),
            ]
    except (ValueError, TypeError):
        return None
    for parameter, value, limit, config_key in found:
        if value > limit:
            return CostExcess(parameter, value, limit, config_key)
    return None


class FirebaseSignerKeyMissing(ProtocolError):
    """An imported Firebase hash cannot be checked without the app's signer key (a 500)."""

    http_status = 500

    def __init__(self) -> None:
        super().__init__("'firebase_password_hashing_signer_key' cannot be null")


# Process-wide, like the memory they protect; the pool sizes are start-up settings.
_semaphores: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_semaphores_lock = threading.Lock()


def _slot(kind: str, size: int) -> threading.BoundedSemaphore:
    with _semaphores_lock:
        semaphore = _semaphores.get((kind, size))
        if semaphore is None:
            semaphore = _semaphores[(kind, size)] = threading.BoundedSemaphore(size)
        return semaphore


@lru_cache(maxsize=16)
def _argon2_handler(memory_kb: int, iterations: int, parallelism: int) -> Any:
    return argon2.using(
        type="ID",
        memory_cost=memory_kb,
        rounds=iterations,
        parallelism=parallelism,
        salt_size=16,
        digest_size=32,
    )


@lru_cache(maxsize=16)
def _bcrypt_handler(rounds: int) -> Any:
    # "$2a$" as upstream makes, so databases stay interchangeable with it.
    return bcrypt.using(rounds=rounds, ident="2a")


def _bcrypt_secret(password: str) -> bytes:
    return password.encode("utf-8")[:BCRYPT_MAX_BYTES]


def hash_password(policy: HashPolicy, password: str) -> str:
    """A new hash of ``password`` with the configured algorithm and parameters."""
    if policy.algorithm == "ARGON2":
        handler = _argon2_handler(
            policy.argon2_memory_kb, policy.argon2_iterations, policy.argon2_parallelism
        )
        with _slot("argon2", policy.argon2_pool_size):
            return handler.hash(password.encode("utf-8"))
    return _bcrypt_handler(policy.bcrypt_log_rounds).hash(_bcrypt_secret(password))


def verify_password(
    policy: HashPolicy, password: str, stored: str, firebase_signer_key: str | None
) -> bool:
    """Whether ``password`` matches ``stored``; the stored string's prefix picks the check.

    A malformed hash never matches. A Firebase hash without a signer key configured is
    the one error (``FirebaseSignerKeyMissing``), as upstream. A hash costing more than
    ``policy.verification_limits()`` allows is not computed and never matches.
    """
    excess = cost_excess(policy.verification_limits(), stored)
    if excess is not None:
        # The hash predates the limits (imports are refused above them); the user's next
        # sign-in fails until the limit is raised or the password is reset.
        log.warning(
            "A stored password hash was not checked: its %s is %d, above the limit "
            "%d ('%s'); the sign-in answers as a wrong password",
            excess.parameter,
            excess.value,
            excess.limit,
            excess.config_key,
        )
        return False
    try:
        if stored.startswith(ARGON2_PREFIXES):
            with _slot("argon2", policy.argon2_pool_size):
                return bool(argon2.verify(password.encode("utf-8"), stored))
        if stored.startswith(BCRYPT_PREFIXES):
            # Every bcrypt variant computes the same for passwords within 72 bytes.
            return bool(bcrypt.verify(_bcrypt_secret(password), "$2a" + stored[3:]))
        firebase = parse_firebase_hash(stored)
        if firebase is not None:
            if firebase_signer_key is None:
                raise FirebaseSignerKeyMissing()
            with _slot("firebase", policy.firebase_pool_size):
                return firebase.matches(password, firebase_signer_key)
    except (ValueError, TypeError, binascii.Error):
        return False
    return False


def needs_rehash(policy: HashPolicy, stored: str) -> bool:
    """Whether a verified hash differs from what the current config would make."""
    try:
        if policy.algorithm == "ARGON2":
            return not stored.startswith("$argon2id$") or _argon2_handler(
                policy.argon2_memory_kb, policy.argon2_iterations, policy.argon2_parallelism
            ).needs_update(stored)
        return (
            not stored.startswith(BCRYPT_PREFIXES) or int(stored[4:6]) != policy.bcrypt_log_rounds
        )
    except ValueError:
        return True


class DummyHashes:
    """A hash per policy of a password nobody knows, to check unknown emails against.

    Sign-in for an unknown email then costs what a wrong password costs, so the time of
    the answer does not tell which emails have an account.
    """

    def __init__(self) -> None:
        self._hashes: dict[HashPolicy, str] = {}
        self._lock = threading.Lock()

    def burn(self, policy: HashPolicy, password: str) -> None:
        """Spend one verification's worth of time on ``password``; the answer is ignored."""
        with self._lock:
            stored = self._hashes.get(policy)
        if stored is None:
            stored = hash_password(policy, secrets.token_urlsafe(16))
            with self._lock:
                self._hashes[policy] = stored
        verify_password(policy, password, stored, None)


# --- Firebase scrypt (import only) -------------------------------------------------------


def _b64decode(value: str) -> bytes:
    # Upstream decodes leniently (URL-safe letters accepted, missing padding tolerated).
    cleaned = value.replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


@dataclass(frozen=True)
class FirebaseHash:
    """A parsed ``$f_scrypt$<hash>$<salt>$m=..$r=..$s=..`` string."""

    password_hash: str
    salt: str
    memory_cost: int
    rounds: int
    salt_separator: str

    def matches(self, password: str, signer_key: str) -> bool:
        """Firebase's check: AES-256-CTR of the signer key under the scrypt-derived key."""
        derived = hashlib.scrypt(
            password.encode("utf-8"),
            salt=_b64decode(self.salt) + _b64decode(self.salt_separator),
            n=1 << self.memory_cost,
            r=self.rounds,
            p=1,
            dklen=64,
            maxmem=SCRYPT_MAX_MEMORY,
        )
        encryptor = Cipher(algorithms.AES(derived[:32]), modes.CTR(bytes(16))).encryptor()
        cipher_text = encryptor.update(_b64decode(signer_key)) + encryptor.finalize()
        expected = base64.b64encode(cipher_text).decode("ascii")
        return secrets.compare_digest(expected, self.password_hash)


def parse_firebase_hash(stored: str) -> FirebaseHash | None:
    """The parts of a Firebase scrypt string, or None if it is not one."""
    parts = stored.split("$")
    if len(parts) != 7 or parts[0] != "" or parts[1] != "f_scrypt":
        return None
    named: dict[str, str] = {}
    for part in parts[4:]:
        name, separator, value = part.partition("=")
        if not separator or name not in ("m", "r", "s") or name in named:
            return None
        named[name] = value
    if len(named) != 3 or not parts[2] or not parts[3]:
        return None
    try:
        memory_cost, rounds = int(named["m"]), int(named["r"])
    except ValueError:
        return None
    return FirebaseHash(parts[2], parts[3], memory_cost, rounds, named["s"])
