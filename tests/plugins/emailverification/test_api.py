"""The email-verification routes through the HTTP API, on every database (contract,
emailverification)."""

from __future__ import annotations

import hashlib
import re
import threading
import time

import pytest
from sqlalchemy import select

from core_app.testing.apps import new_id
from plugins.emailverification import store


class Api:
    """Calls the email-verification routes of one app."""

    def __init__(self, client, app_id: str):
        self.client = client
        self.app_id = app_id

    def path(self, route: str, tenant: str = "public") -> str:
        return f"/appid-{self.app_id}/{tenant}{route}"

    def post(self, route: str, body: dict, tenant: str = "public"):
        return self.client.post(self.path(route, tenant), json=body)

    def token(self, user_id: str, email: str, tenant: str = "public") -> dict:
        return self.post(
            "/recipe/user/email/verify/token", {"userId": user_id, "email": email}, tenant
        ).json

    def verify(self, token: str, tenant: str = "public") -> dict:
        return self.post(
            "/recipe/user/email/verify", {"method": "token", "token": token}, tenant
        ).json

    def is_verified(self, user_id: str, email: str) -> bool:
        answer = self.client.get(
            self.path("/recipe/user/email/verify"), query_string={"userId": user_id, "email": email}
        ).json
        assert answer["status"] == "OK"
        return answer["isVerified"]


def new_api(client) -> Api:
    app_id = new_id()
    assert client.put("/recipe/multitenancy/app/v2", json={"appId": app_id}).json["status"] == "OK"
    return Api(client, app_id)


@pytest.fixture
def api(client) -> Api:
    return new_api(client)


def test_token_verify_and_single_use(app, api):
    created = api.token("user-1", " Mia@Example.com ")
    assert created["status"] == "OK"
    assert re.fullmatch(r"[A-Za-z0-9_-]{128}", created["token"])
    engine = app.extensions["supertokens_core"].storage.engine()
    with engine.connect() as conn:
        stored = conn.execute(
            select(store.tokens.c.token, store.tokens.c.email).where(
                store.tokens.c.app_id == api.app_id
            )
        ).all()
    assert [(row.token, row.email) for row in stored] == [
        (hashlib.sha256(created["token"].encode()).hexdigest(), "mia@example.com")
    ]

    assert api.is_verified("user-1", "mia@example.com") is False
    assert api.verify(created["token"]) == {
        "status": "OK",
        "userId": "user-1",
        "email": "mia@example.com",
    }
    assert api.is_verified("user-1", "mia@example.com") is True
    assert api.verify(created["token"]) == {"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}
    assert api.token("user-1", "mia@example.com") == {"status": "EMAIL_ALREADY_VERIFIED_ERROR"}


def test_is_verified_does_not_normalise_the_email(api):
    api.verify(api.token("user-2", "ned@example.com")["token"])
    assert api.is_verified("user-2", "ned@example.com") is True
    assert api.is_verified("user-2", "NED@example.com") is False
    assert api.is_verified("user-3", "ned@example.com") is False


def test_using_one_token_uses_up_the_pairs_others(api):
    first = api.token("user-4", "ola@example.com")["token"]
    second = api.token("user-4", "ola@example.com")["token"]
    other_email = api.token("user-4", "other@example.com")["token"]
    assert api.verify(second)["status"] == "OK"
    assert api.verify(first) == {"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}
    assert api.verify(other_email)["status"] == "OK"


def test_tokens_belong_to_their_tenant_and_verification_to_the_app(api):
    assert (
        api.client.put(
            f"/appid-{api.app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"}
        ).json["status"]
        == "OK"
    )
    token = api.token("user-5", "pia@example.com", tenant="t1")["token"]
    assert api.verify(token) == {"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}
    assert api.verify(token, tenant="t1")["status"] == "OK"
    # verified through t1, verified everywhere in the app
    assert api.token("user-5", "pia@example.com") == {"status": "EMAIL_ALREADY_VERIFIED_ERROR"}
    assert api.is_verified("user-5", "pia@example.com") is True


def test_expired_token_is_invalid_and_removed(make_app):
    api = new_api(make_app(email_verification_token_lifetime=1).test_client())
    token = api.token("user-6", "quinn@example.com")["token"]
    time.sleep(0.05)
    assert api.verify(token) == {"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}
    assert api.is_verified("user-6", "quinn@example.com") is False


def test_unverify_and_revoke_tokens(api):
    api.verify(api.token("user-7", "ray@example.com")["token"])
    assert api.post(
        "/recipe/user/email/verify/remove", {"userId": "user-7", "email": " RAY@example.com"}
    ).json == {"status": "OK"}
    assert api.is_verified("user-7", "ray@example.com") is False
    # unknown pairs are fine too
    assert api.post(
        "/recipe/user/email/verify/remove", {"userId": "nobody", "email": "x@y.z"}
    ).json == {"status": "OK"}

    token = api.token("user-7", "ray@example.com")["token"]
    assert api.post(
        "/recipe/user/email/verify/token/remove", {"userId": "user-7", "email": "Ray@example.com"}
    ).json == {"status": "OK"}
    assert api.verify(token) == {"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}


@pytest.mark.parametrize(
    "route, body, message",
    [
        (
            "/recipe/user/email/verify/token",
            {"email": "a@b.c"},
            "Field name 'userId' is invalid in JSON input",
        ),
        (
            "/recipe/user/email/verify/token",
            {"userId": "u", "email": 3},
            "Field name 'email' is invalid in JSON input",
        ),
        (
            "/recipe/user/email/verify/token",
            {"userId": "u" * 129, "email": "a@b.c"},
            "Field name 'userId' must be at most 128 characters",
        ),
        (
            "/recipe/user/email/verify",
            {"method": "link", "token": "t"},
            "Unsupported method for email verification",
        ),
        (
            "/recipe/user/email/verify",
            {"method": "token"},
            "Field name 'token' is invalid in JSON input",
        ),
        (
            "/recipe/user/email/verify/remove",
            {"userId": "u"},
            "Field name 'email' is invalid in JSON input",
        ),
        (
            "/recipe/user/email/verify/token/remove",
            {"userId": None, "email": "a@b.c"},
            "Field name 'userId' is invalid in JSON input",
        ),
    ],
)
def test_input_errors(api, route, body, message):
    answer = api.post(route, body)
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).strip() == message


def test_missing_query_fields(api):
    answer = api.client.get(api.path("/recipe/user/email/verify"), query_string={"userId": "u"})
    assert answer.status_code == 400
    assert answer.get_data(as_text=True).strip() == "Field name 'email' is missing in GET request"


def test_app_scoped_routes_refuse_other_tenants(api):
    api.client.put(f"/appid-{api.app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": "t1"})
    for answer in (
        api.client.get(
            api.path("/recipe/user/email/verify", "t1"),
            query_string={"userId": "u", "email": "a@b.c"},
        ),
        api.post(
            "/recipe/user/email/verify/remove", {"userId": "u", "email": "a@b.c"}, tenant="t1"
        ),
    ):
        assert answer.status_code == 403
        assert (
            answer.get_data(as_text=True).strip()
            == "Only public tenantId can call this app specific API"
        )


def test_login_methods_show_verification_and_deletion_removes_it(app, api):
    client = api.client
    app_path = f"/appid-{api.app_id}"
    user = client.post(
        f"{app_path}/public/recipe/signup",
        json={"email": "sam@example.com", "password": "pw-sam-1"},
    ).json["user"]
    assert user["loginMethods"][0]["verified"] is False
    api.verify(api.token(user["id"], "sam@example.com")["token"])
    again = client.get(f"{app_path}/user/id", query_string={"userId": user["id"]}).json["user"]
    assert again["loginMethods"][0]["verified"] is True

    client.post(f"{app_path}/user/remove", json={"userId": user["id"]})
    assert api.is_verified(user["id"], "sam@example.com") is False


def test_one_token_used_concurrently_verifies_once(app, api):
    token = api.token("user-8", "tom@example.com")["token"]
    barrier = threading.Barrier(6)
    answers = []

    def use() -> None:
        client = app.test_client()
        barrier.wait()
        answers.append(
            client.post(
                api.path("/recipe/user/email/verify"), json={"method": "token", "token": token}
            ).json["status"]
        )

    threads = [threading.Thread(target=use) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"] * 5 + ["OK"]
