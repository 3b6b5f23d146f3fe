"""Password hashes: what is made, what verifies, what is rehashed (emailpassword §3)."""

from __future__ import annotations

import dataclasses

import argon2
import bcrypt
import pytest

from plugins.emailpassword import hashing

PRODUCTION = hashing.HashPolicy("ARGON2", 19456, 2, 1, 11, 1, 1)
CHEAP_ARGON2 = hashing.HashPolicy("ARGON2", 8, 1, 1, 11, 1, 1)
CHEAP_BCRYPT = hashing.HashPolicy("BCRYPT", 8, 1, 1, 4, 1, 1)

# Firebase's published scrypt example (firebase/scrypt README).
FIREBASE_KEY = (
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
)
FIREBASE_HASH = (
    "$f_scrypt$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZ"
    "ilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$m=14$r=8$s=Bw=="
)


def test_default_hash_is_argon2id_with_owasp_parameters():
    made = hashing.hash_password(PRODUCTION, "secret1")
    assert made.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert hashing.verify_password(PRODUCTION, "secret1", made, None)
    assert not hashing.verify_password(PRODUCTION, "secret2", made, None)


def test_bcrypt_hashes_are_2a_with_the_configured_cost():
    made = hashing.hash_password(CHEAP_BCRYPT, "secret1")
    assert made.startswith("$2a$04$") and len(made) == 60
    assert hashing.verify_password(CHEAP_BCRYPT, "secret1", made, None)


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
@pytest.mark.parametrize("shown_as", ["$2a", "$2b", "$2x", "$2y"])
def test_every_bcrypt_variant_verifies(prefix, shown_as):
    made = bcrypt.hashpw(b"imported pw", bcrypt.gensalt(4, prefix)).decode()
    stored = shown_as + made[3:]
    assert hashing.verify_password(PRODUCTION, "imported pw", stored, None)
    assert not hashing.verify_password(PRODUCTION, "imported px", stored, None)


def test_bcrypt_uses_the_first_72_bytes_only_like_upstream():
    long_password = "é" * 36 + "tail that bcrypt never reads"  # 72 bytes of UTF-8, then more
    made = hashing.hash_password(CHEAP_BCRYPT, long_password)
    assert hashing.verify_password(CHEAP_BCRYPT, "é" * 36 + "another tail", made, None)
    assert not hashing.verify_password(CHEAP_BCRYPT, "é" * 35, made, None)
    # A hash made elsewhere from the truncated bytes verifies too.
    elsewhere = bcrypt.hashpw(("é" * 36).encode()[:72], bcrypt.gensalt(4, b"2a")).decode()
    assert hashing.verify_password(PRODUCTION, long_password, elsewhere, None)


def test_argon2_has_no_72_byte_limit():
    made = hashing.hash_password(CHEAP_ARGON2, "x" * 72 + "a")
    assert not hashing.verify_password(CHEAP_ARGON2, "x" * 72 + "b", made, None)


@pytest.mark.parametrize("kind", [argon2.Type.I, argon2.Type.ID, argon2.Type.D])
def test_imported_argon2_types_verify_with_their_own_parameters(kind):
    stored = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=2, type=kind).hash(
        "imported"
    )
    assert hashing.verify_password(PRODUCTION, "imported", stored, None)
    assert not hashing.verify_password(PRODUCTION, "imported!", stored, None)


def test_firebase_scrypt_example_verifies_with_the_signer_key():
    assert hashing.verify_password(PRODUCTION, "user1password", FIREBASE_HASH, FIREBASE_KEY)
    assert not hashing.verify_password(PRODUCTION, "user2password", FIREBASE_HASH, FIREBASE_KEY)


def test_firebase_hash_without_signer_key_is_the_one_error():
    with pytest.raises(hashing.FirebaseSignerKeyMissing):
        hashing.verify_password(PRODUCTION, "user1password", FIREBASE_HASH, None)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain text",
        "$argon2id$v=19$m=8,t=1,p=1$broken",
        "$2a$04$short",
        "$f_scrypt$a$b$m=x$r=8$s=Bw==",
        "$f_scrypt$a$b$m=14$r=8",
    ],
)
def test_malformed_or_unknown_hashes_never_match(stored):
    assert not hashing.verify_password(PRODUCTION, "anything", stored, FIREBASE_KEY)


def test_firebase_shape_is_parsed_in_any_parameter_order():
    parsed = hashing.parse_firebase_hash("$f_scrypt$h$s$s=Bw==$r=8$m=14")
    assert (parsed.memory_cost, parsed.rounds, parsed.salt_separator) == (14, 8, "Bw==")
    assert hashing.parse_firebase_hash("$f_scrypt$h$s$m=14$r=8$x=1") is None
    assert hashing.parse_firebase_hash("$f_scrypt$h$s$m=14$m=8$s=1") is None


def test_rehash_is_needed_when_algorithm_or_parameters_change():
    argon_cheap = hashing.hash_password(CHEAP_ARGON2, "pw")
    bcrypt_cheap = hashing.hash_password(CHEAP_BCRYPT, "pw")
    assert not hashing.needs_rehash(CHEAP_ARGON2, argon_cheap)
    assert hashing.needs_rehash(PRODUCTION, argon_cheap)
    assert hashing.needs_rehash(PRODUCTION, bcrypt_cheap)
    assert hashing.needs_rehash(PRODUCTION, FIREBASE_HASH)
    assert not hashing.needs_rehash(CHEAP_BCRYPT, bcrypt_cheap)
    assert hashing.needs_rehash(
        dataclasses.replace(CHEAP_BCRYPT, bcrypt_log_rounds=5), bcrypt_cheap
    )
    assert hashing.needs_rehash(CHEAP_BCRYPT, argon_cheap)
