"""Imported hashes cannot choose their own cost (Extension): an import above the
``imported_*`` caps is 400, a stored hash above them is never computed, and a good sign-in
replaces an imported hash with one of the configured algorithm."""

from __future__ import annotations

import logging

import argon2
import bcrypt
import pytest
from sqlalchemy import select

from core_app.testing.apps import new_id
from plugins.emailpassword import store

CHEAP_HASHES = {"argon2_memory_kb": 8, "argon2_iterations": 1}
FIREBASE_KEY = (
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
)
# Firebase's published example (firebase/scrypt README): password "user1password", m=14 r=8.
FIREBASE_HASH = (
    "$f_scrypt$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZ"
    "ilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$m=14$r=8$s=Bw=="
)
IMPORT = "/recipe/user/passwordhash/import"


def _bcrypt_with_cost(cost: int, password: bytes = b"pw") -> str:
    """A well-formed bcrypt string showing ``cost`` (computed at 4 when only shown)."""
    made = bcrypt.hashpw(password, bcrypt.gensalt(4)).decode()
    return f"{made[:4]}{cost:02d}{made[6:]}"


def _argon2_with(memory_kb: int, iterations: int, parallelism: int) -> str:
    made = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw")
    return made.replace("m=8,t=1,p=1", f"m={memory_kb},t={iterations},p={parallelism}")


class Api:
    """The email-password routes of one new app."""

    def __init__(self, client, core_config: dict | None = None):
        self.client = client
        self.app_id = new_id()
        answer = client.put(
            "/recipe/multitenancy/app/v2",
            json={"appId": self.app_id, "coreConfig": core_config or {}},
        )
        assert answer.json["status"] == "OK", answer.text

    def post(self, route: str, body: dict):
        return self.client.post(f"/appid-{self.app_id}/public{route}", json=body)

    def import_hash(self, email: str, password_hash: str, **extra):
        return self.post(IMPORT, {"email": email, "passwordHash": password_hash, **extra})

    def sign_in(self, email: str, password: str) -> dict:
        return self.post("/recipe/signin", {"email": email, "password": password}).json


def _stored_hash(core, app_id: str, user_id: str) -> str:
    engine = core.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        return conn.execute(
            select(store.users.c.password_hash).where(
                store.users.c.app_id == app_id, store.users.c.user_id == user_id
            )
        ).scalar_one()


@pytest.fixture
def core(make_app):
    return make_app(**CHEAP_HASHES)


# --- refused above the caps ---------------------------------------------------------------


@pytest.mark.parametrize(
    "password_hash, message",
    [
        (
            _bcrypt_with_cost(31),
            "Password hash's bcrypt cost (log rounds) is 31, above the maximum "
            "of 14 for imported hashes (config 'imported_bcrypt_max_log_rounds')",
        ),
        (
            _bcrypt_with_cost(15).replace("$2a$", "$2y$"),
            "Password hash's bcrypt cost (log rounds) is 15, above the maximum of 14 for imported "
            "hashes (config 'imported_bcrypt_max_log_rounds')",
        ),
        (
            _argon2_with(4 * 1024 * 1024, 1000, 1),
            "Password hash's argon2 memory (m, KiB) is 4194304, above the maximum of 131072 for "
            "imported hashes (config 'imported_argon2_max_memory_kb')",
        ),
        (
            _argon2_with(65536, 11, 1),
            "Password hash's argon2 iterations (t) is 11, above the maximum of 10 for imported "
            "hashes (config 'imported_argon2_max_iterations')",
        ),
        (
            _argon2_with(65536, 3, 17),
            "Password hash's argon2 parallelism (p) is 17, above the maximum of 16 for imported "
            "hashes (config 'imported_argon2_max_parallelism')",
        ),
        (
            FIREBASE_HASH.replace("$m=14$", "$m=15$"),
            "Password hash's Firebase scrypt memory cost (m) is 15, above the maximum of 14 for "
            "imported hashes (config 'imported_firebase_scrypt_max_memory_cost')",
        ),
        (
            FIREBASE_HASH.replace("$r=8$", "$r=9$"),
            "Password hash's Firebase scrypt rounds (r) is 9, above the maximum of 8 for imported "
            "hashes (config 'imported_firebase_scrypt_max_rounds')",
        ),
    ],
)
def test_an_import_above_a_cap_is_400_naming_parameter_and_cap(core, password_hash, message):
    api = Api(core.test_client(), {"firebase_password_hashing_signer_key": FIREBASE_KEY})
    answer = api.import_hash("big@example.com", password_hash)
    assert answer.status_code == 400
    assert answer.text.strip() == message
    assert api.sign_in("big@example.com", "pw")["status"] == "WRONG_CREDENTIALS_ERROR"


def test_imports_at_the_caps_and_common_exports_are_accepted(core):
    api = Api(core.test_client(), {"firebase_password_hashing_signer_key": FIREBASE_KEY})
    for index, password_hash in enumerate(
        [
            _bcrypt_with_cost(14),
            _bcrypt_with_cost(10),
            _argon2_with(131072, 10, 16),
            _argon2_with(65536, 3, 4),
            _argon2_with(19456, 2, 1),
            _argon2_with(87795, 1, 2),
            FIREBASE_HASH,
        ]
    ):
        answer = api.import_hash(f"ok{index}@example.com", password_hash)
        assert answer.json["status"] == "OK", (password_hash, answer.text)


def test_malformed_hashes_are_still_stored_as_upstream_does(core):
    # Only the prefix is checked (emailpassword §9); such a hash never verifies.
    api = Api(core.test_client())
    for index, password_hash in enumerate(["$2a$99$x", "$argon2id$m=huge", "$2b$"]):
        assert api.import_hash(f"odd{index}@example.com", password_hash).json["status"] == "OK"
        assert api.sign_in(f"odd{index}@example.com", "pw")["status"] == "WRONG_CREDENTIALS_ERROR"


def test_the_operator_may_raise_a_cap(make_app):
    core = make_app(imported_bcrypt_max_log_rounds=16, **CHEAP_HASHES)
    api = Api(core.test_client())
    assert api.import_hash("raised@example.com", _bcrypt_with_cost(16)).json["status"] == "OK"


def test_an_app_cannot_raise_its_own_cap(client):
    answer = client.put(
        "/recipe/multitenancy/app/v2",
        json={"appId": new_id(), "coreConfig": {"imported_bcrypt_max_log_rounds": 31}},
    )
    assert answer.status_code == 400
    assert answer.text.strip() == (
        "Invalid core config: imported_bcrypt_max_log_rounds can only "
        "be set via the core's base config setting"
    )


# --- stored hashes above the caps ---------------------------------------------------------


def test_a_stored_hash_above_the_caps_is_not_computed(make_app, caplog):
    permissive = make_app(**CHEAP_HASHES)
    api = Api(permissive.test_client())
    real = bcrypt.hashpw(b"right password", bcrypt.gensalt(5)).decode()
    assert api.import_hash("old@example.com", real).json["status"] == "OK"

    # The same database served with a lower cap: the hash imported before is not checked.
    strict = make_app(imported_bcrypt_max_log_rounds=4, **CHEAP_HASHES)
    api.client = strict.test_client()
    with caplog.at_level(logging.WARNING):
        assert (
            api.sign_in("old@example.com", "right password")["status"] == "WRONG_CREDENTIALS_ERROR"
        )
    warnings = [
        record.getMessage() for record in caplog.records if record.levelno == logging.WARNING
    ]
    assert any("bcrypt cost (log rounds) is 5, above the limit 4" in w for w in warnings)
    assert not any(real in w or "right password" in w for w in caplog.text.splitlines())

    # Hashes this core makes with its own configured parameters keep verifying.
    own = make_app(
        imported_bcrypt_max_log_rounds=4,
        password_hashing_alg="BCRYPT",
        bcrypt_log_rounds=5,
        **CHEAP_HASHES,
    )
    api.client = own.test_client()
    assert api.sign_in("old@example.com", "right password")["status"] == "OK"


# --- rehash on the next good sign-in ------------------------------------------------------


@pytest.mark.parametrize(
    "imported, password",
    [
        (bcrypt.hashpw(b"bcrypt pw", bcrypt.gensalt(4, b"2b")).decode(), "bcrypt pw"),
        (
            argon2.PasswordHasher(
                time_cost=1, memory_cost=64, parallelism=2, type=argon2.Type.I
            ).hash("argon2i pw"),
            "argon2i pw",
        ),
        (FIREBASE_HASH, "user1password"),
    ],
)
def test_a_good_sign_in_replaces_an_imported_hash_with_the_configured_one(core, imported, password):
    api = Api(core.test_client(), {"firebase_password_hashing_signer_key": FIREBASE_KEY})
    user_id = api.import_hash("mover@example.com", imported).json["user"]["id"]
    assert _stored_hash(core, api.app_id, user_id) == imported

    assert api.sign_in("mover@example.com", "wrong")["status"] == "WRONG_CREDENTIALS_ERROR"
    assert _stored_hash(core, api.app_id, user_id) == imported  # only a good sign-in
    assert api.sign_in("mover@example.com", password)["status"] == "OK"
    rehashed = _stored_hash(core, api.app_id, user_id)
    assert rehashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert api.sign_in("mover@example.com", password)["status"] == "OK"
    assert _stored_hash(core, api.app_id, user_id) == rehashed  # once


def test_an_imported_argon2_hash_becomes_bcrypt_under_a_bcrypt_config(make_app):
    core = make_app(password_hashing_alg="BCRYPT", bcrypt_log_rounds=4)
    api = Api(core.test_client())
    imported = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("pw a")
    user_id = api.import_hash("to-bcrypt@example.com", imported).json["user"]["id"]
    assert api.sign_in("to-bcrypt@example.com", "pw a")["status"] == "OK"
    assert _stored_hash(core, api.app_id, user_id).startswith("$2a$04$")
