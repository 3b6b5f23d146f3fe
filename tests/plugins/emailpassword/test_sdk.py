"""Email-password and email verification through the official supertokens-python SDK,
against the core under gunicorn (2 workers), on every database."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from flask import Flask, g, jsonify
from supertokens_python.ingredients.emaildelivery.types import (
    EmailDeliveryConfig,
)
from supertokens_python.recipe import emailpassword, emailverification, session
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.emailpassword.interfaces import (
    ConsumePasswordResetTokenOkResult,
    CreateResetPasswordOkResult,
    EmailAlreadyExistsError,
    PasswordResetTokenInvalidError,
    SignInOkResult,
    SignUpOkResult,
    UpdateEmailOrPasswordOkResult,
    WrongCredentialsError,
)
from supertokens_python.recipe.emailverification import syncio as ev
from supertokens_python.recipe.emailverification.interfaces import (
    CreateEmailVerificationTokenEmailAlreadyVerifiedError,
    CreateEmailVerificationTokenOkResult,
    VerifyEmailUsingTokenInvalidTokenError,
    VerifyEmailUsingTokenOkResult,
)
from supertokens_python.recipe.session.framework.flask import verify_session
from supertokens_python.recipe.session.syncio import (
    create_new_session_without_request_response,
    get_all_session_handles_for_user,
)
from supertokens_python.syncio import (
    delete_user,
    get_user,
    get_user_count,
    get_users_newest_first,
    get_users_oldest_first,
    list_users_by_account_info,
)
from supertokens_python.types import RecipeUserId
from supertokens_python.types.base import AccountInfoInput

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from core_app.testing.sdk_backend import Outbox, sdk_web_app

pytestmark = pytest.mark.integration


def link_token(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


@pytest.fixture
def emails() -> dict[str, Outbox]:
    return {"reset": Outbox(), "verify": Outbox()}


@pytest.fixture
def core_app(
    running_core: str, monkeypatch: pytest.MonkeyPatch, emails: dict[str, Outbox]
) -> tuple[str, str]:
    """A fresh app on the running core, the SDK initialised against it: (core url, app id)."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    app_id = new_id()
    uri = create_app_on_core(running_core, app_id)
    init_sdk(
        uri,
        [
            emailpassword.init(email_delivery=EmailDeliveryConfig(service=emails["reset"])),
            emailverification.init(
                mode="OPTIONAL", email_delivery=EmailDeliveryConfig(service=emails["verify"])
            ),
            session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
        ],
    )
    yield running_core, app_id
    reset_sdk()


def test_recipe_functions(core_app: tuple[str, str]) -> None:
    signed_up = ep.sign_up("public", "Ann@Example.com", "pass-ann-1")
    assert isinstance(signed_up, SignUpOkResult)
    user = signed_up.user
    assert user.emails == ["ann@example.com"] and not user.is_primary_user
    assert user.login_methods[0].recipe_id == "emailpassword"
    assert isinstance(ep.sign_up("public", "ann@example.com", "other-1"), EmailAlreadyExistsError)

    signed_in = ep.sign_in("public", "ann@example.com", "pass-ann-1")
    assert isinstance(signed_in, SignInOkResult) and signed_in.user.id == user.id
    assert isinstance(ep.sign_in("public", "ann@example.com", "nope-1"), WrongCredentialsError)
    assert isinstance(
        ep.sign_in("public", "ghost@example.com", "pass-ann-1"), WrongCredentialsError
    )

    created = ep.create_reset_password_token("public", user.id, "ann@example.com")
    assert isinstance(created, CreateResetPasswordOkResult)
    consumed = ep.consume_password_reset_token("public", created.token)
    assert isinstance(consumed, ConsumePasswordResetTokenOkResult)
    assert (consumed.user_id, consumed.email) == (user.id, "ann@example.com")
    assert isinstance(
        ep.consume_password_reset_token("public", created.token), PasswordResetTokenInvalidError
    )

    recipe_user = RecipeUserId(user.id)
    assert isinstance(
        ep.update_email_or_password(recipe_user, password="new-pass-1"),
        UpdateEmailOrPasswordOkResult,
    )
    assert isinstance(ep.sign_in("public", "ann@example.com", "pass-ann-1"), WrongCredentialsError)
    assert isinstance(ep.sign_in("public", "ann@example.com", "new-pass-1"), SignInOkResult)
    other = ep.sign_up("public", "bea@example.com", "pass-bea-1")
    assert isinstance(
        ep.update_email_or_password(recipe_user, email="bea@example.com"), EmailAlreadyExistsError
    )
    assert isinstance(
        ep.update_email_or_password(recipe_user, email="ann2@example.com"),
        UpdateEmailOrPasswordOkResult,
    )
    assert get_user(user.id).emails == ["ann2@example.com"]

    found = list_users_by_account_info("public", AccountInfoInput(email="BEA@example.com"))
    assert [u.id for u in found] == [other.user.id]


def test_listing_counting_and_deleting(core_app: tuple[str, str]) -> None:
    ids = [ep.sign_up("public", f"user{i}@example.com", "pass-1234").user.id for i in range(5)]
    assert get_user_count(None) == 5
    assert get_user_count(["emailpassword"]) == 5

    walked, token = [], None
    while True:
        page = get_users_oldest_first("public", limit=2, pagination_token=token)
        walked += [u.id for u in page.users]
        token = page.next_pagination_token
        if token is None:
            break
    assert walked == ids
    newest = get_users_newest_first("public", limit=10)
    assert [u.id for u in newest.users] == ids[::-1] and newest.next_pagination_token is None

    target = ids[2]
    create_new_session_without_request_response("public", RecipeUserId(target), {}, {})
    assert len(get_all_session_handles_for_user(target)) == 1
    delete_user(target)
    assert get_user(target) is None
    assert get_all_session_handles_for_user(target) == []
    assert get_user_count(None) == 4
    assert isinstance(ep.sign_in("public", "user2@example.com", "pass-1234"), WrongCredentialsError)
    assert isinstance(ep.sign_up("public", "user2@example.com", "pass-1234"), SignUpOkResult)


def test_email_verification_functions(core_app: tuple[str, str]) -> None:
    user = ep.sign_up("public", "cid@example.com", "pass-cid-1").user
    recipe_user = RecipeUserId(user.id)
    assert ev.is_email_verified(recipe_user, "cid@example.com") is False
    token = ev.create_email_verification_token("public", recipe_user, "cid@example.com")
    assert isinstance(token, CreateEmailVerificationTokenOkResult)
    verified = ev.verify_email_using_token("public", token.token)
    assert isinstance(verified, VerifyEmailUsingTokenOkResult)
    assert verified.user.email == "cid@example.com"
    assert ev.is_email_verified(recipe_user, "cid@example.com") is True
    assert get_user(user.id).login_methods[0].verified is True
    assert isinstance(
        ev.create_email_verification_token("public", recipe_user, "cid@example.com"),
        CreateEmailVerificationTokenEmailAlreadyVerifiedError,
    )

    ev.unverify_email(recipe_user, "cid@example.com")
    assert ev.is_email_verified(recipe_user, "cid@example.com") is False
    again = ev.create_email_verification_token("public", recipe_user, "cid@example.com")
    ev.revoke_email_verification_tokens("public", recipe_user, "cid@example.com")
    assert isinstance(
        ev.verify_email_using_token("public", again.token), VerifyEmailUsingTokenInvalidTokenError
    )


def test_same_email_in_two_tenants_is_two_users(core_app: tuple[str, str]) -> None:
    core_url, app_id = core_app
    created = requests.put(
        f"{core_url}/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={"tenantId": "t1"},
        timeout=10,
    ).json()
    assert created["status"] == "OK"
    public = ep.sign_up("public", "dora@example.com", "pass-dora-1")
    in_t1 = ep.sign_up("t1", "dora@example.com", "pass-dora-2")
    assert isinstance(public, SignUpOkResult) and isinstance(in_t1, SignUpOkResult)
    assert public.user.id != in_t1.user.id
    assert in_t1.user.tenant_ids == ["t1"]
    assert isinstance(ep.sign_in("t1", "dora@example.com", "pass-dora-1"), WrongCredentialsError)
    assert isinstance(ep.sign_in("t1", "dora@example.com", "pass-dora-2"), SignInOkResult)


@pytest.fixture
def web_app(core_app: tuple[str, str]) -> Flask:
    """A Flask app using the SDK the way an application team would."""
    app = sdk_web_app()

    @app.get("/protected-db")
    @verify_session(check_database=True)
    def protected_db():
        return jsonify({"user": g.supertokens.get_user_id()})

    return app


def _form(email: str, password: str) -> dict:
    return {"formFields": [{"id": "email", "value": email}, {"id": "password", "value": password}]}


def test_frontend_flows(web_app: Flask, emails: dict[str, Outbox]) -> None:
    client = web_app.test_client()
    signed_up = client.post("/auth/signup", json=_form("eve@example.com", "valid-pass1"))
    assert signed_up.status_code == 200 and signed_up.json["status"] == "OK", signed_up.json
    user_id = signed_up.json["user"]["id"]
    access = signed_up.headers["st-access-token"]
    auth = {"Authorization": f"Bearer {access}"}
    assert client.get("/protected", headers=auth).json == {"user": user_id}
    duplicate = client.post("/auth/signup", json=_form("eve@example.com", "valid-pass1"))
    assert duplicate.json["status"] == "FIELD_ERROR"

    # email verification, as the frontend does it after sign-up
    assert client.get("/auth/user/email/verify", headers=auth).json == {
        "status": "OK",
        "isVerified": False,
    }
    assert client.post("/auth/user/email/verify/token", headers=auth).json["status"] == "OK"
    token = link_token(emails["verify"].sent[-1].email_verify_link)
    verified = client.post("/auth/user/email/verify", json={"method": "token", "token": token})
    assert verified.json["status"] == "OK"
    assert client.get("/auth/user/email/verify", headers=auth).json["isVerified"] is True

    signed_out = client.post("/auth/signout", headers=auth)
    assert signed_out.json == {"status": "OK"}
    # the access token itself stays valid until it expires; the session is gone
    assert client.get("/protected-db", headers=auth).status_code == 401

    wrong = client.post("/auth/signin", json=_form("eve@example.com", "wrong-pass1"))
    assert wrong.json["status"] == "WRONG_CREDENTIALS_ERROR"
    signed_in = client.post("/auth/signin", json=_form("eve@example.com", "valid-pass1"))
    assert signed_in.json["status"] == "OK" and signed_in.json["user"]["id"] == user_id
    assert (
        client.get(
            "/protected",
            headers={"Authorization": f"Bearer {signed_in.headers['st-access-token']}"},
        ).status_code
        == 200
    )

    # password reset
    asked = client.post(
        "/auth/user/password/reset/token",
        json={"formFields": [{"id": "email", "value": "eve@example.com"}]},
    )
    assert asked.json == {"status": "OK"}
    reset_token = link_token(emails["reset"].sent[-1].password_reset_link)
    reset = client.post(
        "/auth/user/password/reset",
        json={
            "method": "token",
            "token": reset_token,
            "formFields": [{"id": "password", "value": "fresh-pass2"}],
        },
    )
    assert reset.json["status"] == "OK"
    assert (
        client.post("/auth/signin", json=_form("eve@example.com", "valid-pass1")).json["status"]
        == "WRONG_CREDENTIALS_ERROR"
    )
    assert (
        client.post("/auth/signin", json=_form("eve@example.com", "fresh-pass2")).json["status"]
        == "OK"
    )
    reused = client.post(
        "/auth/user/password/reset",
        json={
            "method": "token",
            "token": reset_token,
            "formFields": [{"id": "password", "value": "other-pass3"}],
        },
    )
    assert reused.json["status"] == "RESET_PASSWORD_INVALID_TOKEN_ERROR"
    # an unknown email is answered OK too, and no email is sent
    sent_before = len(emails["reset"].sent)
    assert client.post(
        "/auth/user/password/reset/token",
        json={"formFields": [{"id": "email", "value": "nobody@example.com"}]},
    ).json == {"status": "OK"}
    assert len(emails["reset"].sent) == sent_before
