"""The email-password routes through the HTTP API, on every database (contract, emailpassword)."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from core_app.testing.apps import new_id
from core_app.testing.concurrency import race
from plugins.emailpassword import store

CHEAP_HASHES = {"argon2_memory_kb": 8, "argon2_iterations": 1}
FIREBASE_KEY = (
    "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
)
FIREBASE_HASH = (
    "$f_scrypt$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZ"
    "ilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$m=14$r=8$s=Bw=="
)


@pytest.fixture
def core(make_app):
    """A core with cheap hashes (the hash settings are tested on their own)."""
    return make_app(**CHEAP_HASHES)


class Api:
    """Calls the email-password routes of one app."""

    def __init__(self, client, app_id: str):
        self.client = client
        self.app_id = app_id

    def path(self, route: str, tenant: str = "public") -> str:
        return f"/appid-{self.app_id}/{tenant}{route}"

    def post(self, route: str, body: dict, tenant: str = "public", **kwargs):
        return self.client.post(self.path(route, tenant), json=body, **kwargs)

    def sign_up(self, email: str, password: str = "pass1234", tenant: str = "public") -> dict:
        return self.post("/recipe/signup", {"email": email, "password": password}, tenant).json

    def sign_in(self, email: str, password: str = "pass1234", tenant: str = "public") -> dict:
        return self.post("/recipe/signin", {"email": email, "password": password}, tenant).json

    def add_tenant(self, tenant_id: str) -> None:
        answer = self.client.put(
            f"/appid-{self.app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": tenant_id}
        )
        assert answer.json["status"] == "OK"


def new_api(client, core_config: dict | None = None) -> Api:
    app_id = new_id()
    created = client.put(
        "/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": core_config or {}}
    )
    assert created.json["status"] == "OK", created.data
    return Api(client, app_id)


@pytest.fixture
def api(core) -> Api:
    return new_api(core.test_client())


def stored_account(core, app_id: str, user_id: str):
    engine = core.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        return conn.execute(
            select(store.users).where(
                store.users.c.app_id == app_id, store.users.c.user_id == user_id
            )
        ).first()


# --- sign-up (§4) ---------------------------------------------------------------------------


def test_sign_up_answers_the_new_user_with_a_normalised_email(api):
    answer = api.sign_up("  Alice@Example.COM ")
    assert answer["status"] == "OK"
    user = answer["user"]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", user["id"]
    )
    assert answer["recipeUserId"] == user["id"]
    assert user["emails"] == ["alice@example.com"]
    assert user["isPrimaryUser"] is False and user["tenantIds"] == ["public"]
    [method] = user["loginMethods"]
    assert method == {
        "tenantIds": ["public"],
        "recipeUserId": user["id"],
        "verified": False,
        "timeJoined": user["timeJoined"],
        "recipeId": "emailpassword",
        "email": "alice@example.com",
    }
    assert abs(user["timeJoined"] - time.time() * 1000) < 60_000


def test_one_account_per_email_per_tenant(api):
    first = api.sign_up("bob@example.com")
    assert api.sign_up("BOB@example.com ") == {"status": "EMAIL_ALREADY_EXISTS_ERROR"}
    api.add_tenant("t1")
    other = api.sign_up("bob@example.com", tenant="t1")
    assert other["status"] == "OK"
    assert other["user"]["id"] != first["user"]["id"]
    assert other["user"]["tenantIds"] == ["t1"]


def test_fake_emails_count_as_verified(api):
    for email in ("x@stfakeemail.supertokens.com", "someone@abc.fakeemail.com"):
        answer = api.sign_up(email)
        assert answer["user"]["loginMethods"][0]["verified"] is True
    assert api.sign_up("real@example.com")["user"]["loginMethods"][0]["verified"] is False


@pytest.mark.parametrize(
    "body, message",
    [
        ({"password": "x"}, "Field name 'email' is invalid in JSON input"),
        ({"email": 5, "password": "x"}, "Field name 'email' is invalid in JSON input"),
        ({"email": "a@b.c"}, "Field name 'password' is invalid in JSON input"),
        ({"email": "a@b.c", "password": None}, "Field name 'password' is invalid in JSON input"),
        ({"email": "a@b.c", "password": ""}, "Password cannot be an empty string"),
    ],
)
def test_sign_up_input_errors(api, body, message):
    answer = api.post("/recipe/signup", body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).strip() == message


def test_sign_up_in_an_unknown_tenant(api):
    answer = api.post("/recipe/signup", {"email": "a@b.c", "password": "x"}, tenant="nope")
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).startswith("AppId or tenantId not found")


@pytest.mark.parametrize(
    "route, body, field",
    [
        ("/recipe/signup", {"email": "a" * 300 + "@x.com", "password": "x"}, "email"),
        ("/recipe/signin", {"email": "a" * 300 + "@x.com", "password": "x"}, "email"),
        (
            "/recipe/user/passwordhash/import",
            {"email": "a@x.com", "passwordHash": "$2a" + "a" * 300},
            "passwordHash",
        ),
    ],
)
def test_oversize_inputs_are_a_client_error(api, route, body, field):
    answer = api.post(route, body)
    assert answer.status_code == 400
    assert (
        answer.get_data(as_text=True).strip()
        == f"Field name '{field}' must be at most 256 characters"
    )


def test_long_passwords(api):
    password = "ü" * 1024  # 2048 bytes
    assert api.sign_up("long@example.com", password)["status"] == "OK"
    assert api.sign_in("long@example.com", password)["status"] == "OK"
    assert api.sign_in("long@example.com", "ü" * 1023 + "u")["status"] == "WRONG_CREDENTIALS_ERROR"
    too_long = api.post("/recipe/signup", {"email": "longer@example.com", "password": "p" * 1025})
    assert too_long.status_code == 400
    assert (
        too_long.get_data(as_text=True).strip()
        == "Field name 'password' must be at most 1024 characters"
    )
    # Sign-in with anything longer simply does not match.
    assert api.sign_in("long@example.com", "p" * 5000)["status"] == "WRONG_CREDENTIALS_ERROR"


# --- sign-in (§5) ----------------------------------------------------------------------------


def test_sign_in(api):
    user = api.sign_up("carol@example.com", "right-pass1")["user"]
    answer = api.sign_in(" CAROL@example.com", "right-pass1")
    assert answer == {"status": "OK", "user": user, "recipeUserId": user["id"]}
    assert api.sign_in("carol@example.com", "wrong-pass1") == {"status": "WRONG_CREDENTIALS_ERROR"}
    assert api.sign_in("nobody@example.com", "right-pass1") == {"status": "WRONG_CREDENTIALS_ERROR"}
    assert api.sign_in("carol@example.com", "") == {"status": "WRONG_CREDENTIALS_ERROR"}


def test_sign_in_only_finds_accounts_of_the_path_tenant(api):
    api.add_tenant("t1")
    api.sign_up("dave@example.com")
    assert api.sign_in("dave@example.com", tenant="t1") == {"status": "WRONG_CREDENTIALS_ERROR"}


def test_sign_in_replaces_a_hash_made_with_other_settings(core):
    client = core.test_client()
    api = new_api(client, {"password_hashing_alg": "BCRYPT"})
    user_id = api.sign_up("erin@example.com", "pw-erin-1")["user"]["id"]
    assert stored_account(core, api.app_id, user_id).password_hash.startswith("$2a$")
    assert (
        client.put(
            "/recipe/multitenancy/app/v2",
            json={"appId": api.app_id, "coreConfig": {"password_hashing_alg": "ARGON2"}},
        ).json["status"]
        == "OK"
    )
    time.sleep(1.1)  # tenant configuration is cached for up to a second
    assert api.sign_in("erin@example.com", "pw-erin-1")["status"] == "OK"
    rehashed = stored_account(core, api.app_id, user_id).password_hash
    assert rehashed.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert api.sign_in("erin@example.com", "pw-erin-1")["status"] == "OK"
    assert stored_account(core, api.app_id, user_id).password_hash == rehashed


# --- password reset (§6) --------------------------------------------------------------------


def test_reset_token_for_unknown_user(api):
    assert api.post(
        "/recipe/user/password/reset/token", {"userId": "nobody", "email": "a@b.c"}
    ).json == {"status": "UNKNOWN_USER_ID_ERROR"}
    # email is looked at only after the user: unknown user without email is no 400
    assert api.post("/recipe/user/password/reset/token", {"userId": "nobody"}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }


def test_reset_token_round_trip(core, api):
    user_id = api.sign_up("frank@example.com", "old-pass1")["user"]["id"]
    missing_email = api.post("/recipe/user/password/reset/token", {"userId": user_id})
    assert missing_email.status_code == 400
    created = api.post(
        "/recipe/user/password/reset/token", {"userId": user_id, "email": "Frank@example.com"}
    ).json
    assert created["status"] == "OK"
    assert re.fullmatch(r"[A-Za-z0-9]{128}", created["token"])
    other = api.post(
        "/recipe/user/password/reset/token", {"userId": user_id, "email": "frank@example.com"}
    ).json["token"]

    engine = core.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        stored = [
            row.token
            for row in conn.execute(
                select(store.reset_tokens.c.token).where(store.reset_tokens.c.user_id == user_id)
            )
        ]
    assert len(stored) == 2 and created["token"] not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in stored)

    consumed = api.post("/recipe/user/password/reset/token/consume", {"token": created["token"]})
    # the email is returned exactly as it was given
    assert consumed.json == {"status": "OK", "userId": user_id, "email": "Frank@example.com"}
    again = api.post("/recipe/user/password/reset/token/consume", {"token": created["token"]})
    assert again.json == {"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"}
    # consuming one token used up the user's others
    assert api.post("/recipe/user/password/reset/token/consume", {"token": other}).json == {
        "status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"
    }


def test_reset_token_of_another_app_is_invalid(core, api):
    user_id = api.sign_up("gina@example.com")["user"]["id"]
    token = api.post(
        "/recipe/user/password/reset/token", {"userId": user_id, "email": "gina@example.com"}
    ).json["token"]
    elsewhere = new_api(core.test_client())
    assert elsewhere.post("/recipe/user/password/reset/token/consume", {"token": token}).json == {
        "status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"
    }


def test_expired_reset_token_is_invalid(make_app):
    api = new_api(make_app(password_reset_token_lifetime=1, **CHEAP_HASHES).test_client())
    user_id = api.sign_up("hank@example.com")["user"]["id"]
    token = api.post(
        "/recipe/user/password/reset/token", {"userId": user_id, "email": "hank@example.com"}
    ).json["token"]
    time.sleep(0.05)
    assert api.post("/recipe/user/password/reset/token/consume", {"token": token}).json == {
        "status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"
    }


def test_legacy_reset_sets_the_password(api):
    user_id = api.sign_up("ivy@example.com", "old-pass1")["user"]["id"]
    token = api.post(
        "/recipe/user/password/reset/token", {"userId": user_id, "email": "ivy@example.com"}
    ).json["token"]
    wrong_method = api.post(
        "/recipe/user/password/reset",
        {"method": "link", "token": token, "newPassword": "new-pass1"},
    )
    assert wrong_method.status_code == 400
    assert wrong_method.get_data(as_text=True).strip() == "Unsupported method for password reset"
    empty = api.post(
        "/recipe/user/password/reset", {"method": "token", "token": token, "newPassword": ""}
    )
    assert empty.get_data(as_text=True).strip() == "Password cannot be an empty string"
    done = api.post(
        "/recipe/user/password/reset",
        {"method": "token", "token": token, "newPassword": "new-pass1"},
    )
    assert done.json == {"status": "OK", "userId": user_id}
    assert api.sign_in("ivy@example.com", "new-pass1")["status"] == "OK"
    assert api.sign_in("ivy@example.com", "old-pass1")["status"] == "WRONG_CREDENTIALS_ERROR"


# --- update (§7) -----------------------------------------------------------------------------


def test_update_email_and_password(api):
    user_id = api.sign_up("jack@example.com", "old-pass1")["user"]["id"]
    api.sign_up("taken@example.com")
    path = api.path("/recipe/user")
    assert (
        api.client.put(path, json={"recipeUserId": user_id}).get_data(as_text=True).strip()
        == "You have to provide either email or password."
    )
    assert api.client.put(path, json={"recipeUserId": user_id, "email": None}).status_code == 400
    assert api.client.put(path, json={"recipeUserId": "nobody", "password": "x"}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }
    assert api.client.put(
        path, json={"recipeUserId": user_id, "email": "Taken@example.com"}
    ).json == {"status": "EMAIL_ALREADY_EXISTS_ERROR"}
    assert api.client.put(
        path, json={"recipeUserId": user_id, "email": " New@Example.com", "password": "new-pass1"}
    ).json == {"status": "OK"}
    assert api.sign_in("jack@example.com", "old-pass1")["status"] == "WRONG_CREDENTIALS_ERROR"
    answer = api.sign_in("new@example.com", "new-pass1")
    assert answer["status"] == "OK" and answer["user"]["emails"] == ["new@example.com"]
    # a failed change left nothing behind: the old hash was not swapped by the taken email
    assert (
        api.client.put(
            path,
            json={"recipeUserId": user_id, "email": "taken@example.com", "password": "other-pass1"},
        ).json["status"]
        == "EMAIL_ALREADY_EXISTS_ERROR"
    )
    assert api.sign_in("new@example.com", "new-pass1")["status"] == "OK"


def test_update_is_app_scoped(api):
    api.add_tenant("t1")
    answer = api.client.put(
        api.path("/recipe/user", "t1"), json={"recipeUserId": "x", "password": "y"}
    )
    assert answer.status_code == 403
    assert (
        answer.get_data(as_text=True).strip()
        == "Only public tenantId can call this app specific API"
    )


# --- lookups (§8) ------------------------------------------------------------------------------


def test_get_user_by_id_or_email(api):
    user = api.sign_up("kate@example.com")["user"]
    by_id = api.client.get(api.path("/recipe/user"), query_string={"userId": user["id"]}).json
    assert by_id["status"] == "OK" and by_id["user"]["id"] == user["id"]
    assert by_id["user"]["loginMethods"] == user["loginMethods"]
    by_email = api.client.get(
        api.path("/recipe/user"), query_string={"email": " KATE@example.com"}
    ).json
    assert by_email == {"status": "OK", "user": user}
    assert api.client.get(api.path("/recipe/user"), query_string={"userId": "x"}).json == {
        "status": "UNKNOWN_USER_ID_ERROR"
    }
    assert api.client.get(api.path("/recipe/user"), query_string={"email": "x@y.z"}).json == {
        "status": "UNKNOWN_EMAIL_ERROR"
    }
    both = api.client.get(api.path("/recipe/user"), query_string={"email": "a", "userId": "b"})
    assert both.get_data(as_text=True).strip() == "Please provide only one of userId or email"
    neither = api.client.get(api.path("/recipe/user"))
    assert neither.get_data(as_text=True).strip() == "Please provide one of userId or email"


# --- import (§9) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, message",
    [
        ({"email": "a@b.c", "passwordHash": " "}, "Password hash cannot be an empty string"),
        (
            {"email": "a@b.c", "passwordHash": "x", "hashingAlgorithm": " "},
            "Hashing Algorithm cannot be an empty string",
        ),
        (
            {"email": "a@b.c", "passwordHash": "x", "hashingAlgorithm": "md5"},
            "Unsupported password hashing algorithm",
        ),
        ({"email": "a@b.c", "passwordHash": "x"}, "Password hash is in invalid format"),
        (
            {"email": "a@b.c", "passwordHash": "$2a$x", "hashingAlgorithm": "argon2"},
            "Password hash is in invalid Argon2 format",
        ),
        (
            {"email": "a@b.c", "passwordHash": "$argon2id$x", "hashingAlgorithm": "BCRYPT"},
            "Password hash is in invalid BCrypt format",
        ),
    ],
)
def test_import_format_errors(api, body, message):
    answer = api.post("/recipe/user/passwordhash/import", body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).strip() == message


def test_import_creates_then_replaces(api):
    import bcrypt

    first = bcrypt.hashpw(b"imported-1", bcrypt.gensalt(4, b"2b")).decode().replace("$2b$", "$2y$")
    created = api.post(
        "/recipe/user/passwordhash/import", {"email": "Lee@example.com", "passwordHash": first}
    ).json
    assert created["status"] == "OK" and created["didUserAlreadyExist"] is False
    assert "recipeUserId" not in created
    assert created["user"]["emails"] == ["lee@example.com"]
    assert api.sign_in("lee@example.com", "imported-1")["status"] == "OK"

    second = bcrypt.hashpw(b"imported-2", bcrypt.gensalt(4)).decode()
    replaced = api.post(
        "/recipe/user/passwordhash/import",
        {"email": "lee@example.com", "passwordHash": second, "hashingAlgorithm": "bcrypt"},
    ).json
    assert replaced["didUserAlreadyExist"] is True
    assert replaced["user"]["id"] == created["user"]["id"]
    assert api.sign_in("lee@example.com", "imported-2")["status"] == "OK"


def test_import_firebase_needs_the_signer_key(core):
    without = new_api(core.test_client())
    answer = without.post(
        "/recipe/user/passwordhash/import",
        {"email": "fb@example.com", "passwordHash": FIREBASE_HASH},
    )
    assert answer.status_code == 500
    assert "firebase_password_hashing_signer_key" in answer.get_data(as_text=True)

    api = new_api(core.test_client(), {"firebase_password_hashing_signer_key": FIREBASE_KEY})
    assert (
        api.post(
            "/recipe/user/passwordhash/import",
            {
                "email": "fb@example.com",
                "passwordHash": FIREBASE_HASH,
                "hashingAlgorithm": "FIREBASE_SCRYPT",
            },
        ).json["status"]
        == "OK"
    )
    assert api.sign_in("fb@example.com", "user1password")["status"] == "OK"
    assert api.sign_in("fb@example.com", "user2password")["status"] == "WRONG_CREDENTIALS_ERROR"


# --- races (§4, §6.2) -------------------------------------------------------------------------


def test_twenty_concurrent_sign_ups_with_one_email_make_one_user(core, api):
    answers = race(
        20,
        lambda: (
            core.test_client()
            .post(api.path("/recipe/signup"), json={"email": "race@example.com", "password": "pw"})
            .json
        ),
    )
    statuses = sorted(answer["status"] for answer in answers)
    assert statuses == ["EMAIL_ALREADY_EXISTS_ERROR"] * 19 + ["OK"]
    engine = core.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        rows = conn.execute(
            select(store.users.c.user_id).where(store.users.c.app_id == api.app_id)
        ).all()
    assert len(rows) == 1


def test_one_reset_token_consumed_concurrently_succeeds_once(core, api):
    user_id = api.sign_up("racer@example.com")["user"]["id"]
    token = api.post(
        "/recipe/user/password/reset/token", {"userId": user_id, "email": "racer@example.com"}
    ).json["token"]
    answers = race(
        8,
        lambda: (
            core.test_client()
            .post(api.path("/recipe/user/password/reset/token/consume"), json={"token": token})
            .json
        ),
    )
    assert (
        sorted(answer["status"] for answer in answers)
        == ["OK"] + ["RESET_PASSWORD_INVALID_TOKEN_ERROR"] * 7
    )
