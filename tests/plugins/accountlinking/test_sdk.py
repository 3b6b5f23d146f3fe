"""Account linking through the official supertokens-python SDK, against the core under
gunicorn (2 workers), on every database: automatic linking on verified emails, the refused
takeover through an unverified email, and the SDK's account-linking functions."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from supertokens_python.ingredients.emaildelivery.types import (
    EmailDeliveryConfig,
)
from supertokens_python.recipe import (
    accountlinking,
    emailpassword,
    emailverification,
    passwordless,
    session,
)
from supertokens_python.recipe.accountlinking import ShouldAutomaticallyLink
from supertokens_python.recipe.accountlinking import syncio as linking
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.passwordless import ContactEmailOnlyConfig
from supertokens_python.syncio import delete_user, get_user
from supertokens_python.types import RecipeUserId

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from core_app.testing.sdk_backend import Outbox, sdk_web_app

pytestmark = pytest.mark.integration


async def _link_verified(*_args: Any) -> ShouldAutomaticallyLink:
    return ShouldAutomaticallyLink(should_require_verification=True)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def core_app(running_core: str, monkeypatch: pytest.MonkeyPatch, outbox: Outbox) -> tuple[str, str]:
    """A fresh app, the SDK linking accounts automatically on verified emails."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    app_id = new_id()
    uri = create_app_on_core(running_core, app_id)
    init_sdk(
        uri,
        [
            emailpassword.init(),
            passwordless.init(
                contact_config=ContactEmailOnlyConfig(),
                flow_type="USER_INPUT_CODE",
                email_delivery=EmailDeliveryConfig(override=lambda _: outbox),
            ),
            emailverification.init(
                mode="OPTIONAL", email_delivery=EmailDeliveryConfig(override=lambda _: outbox)
            ),
            accountlinking.init(should_do_automatic_account_linking=_link_verified),
            session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
        ],
    )
    yield running_core, app_id
    reset_sdk()


@pytest.fixture
def web_app(core_app: tuple[str, str]) -> Flask:
    return sdk_web_app(
        lambda session: {
            "user": session.get_user_id(),
            "recipeUser": session.get_recipe_user_id().get_as_string(),
        }
    )


def _form(email: str, password: str) -> dict:
    return {"formFields": [{"id": "email", "value": email}, {"id": "password", "value": password}]}


def _bearer(response) -> dict:
    return {"Authorization": f"Bearer {response.headers['st-access-token']}"}


def _sub(response) -> str:
    body = response.headers["st-access-token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["sub"]


def _passwordless_sign_in(client, outbox: Outbox, email: str):
    started = client.post("/auth/signinup/code", json={"email": email})
    assert started.json["status"] == "OK", started.json
    return client.post(
        "/auth/signinup/code/consume",
        json={
            "deviceId": started.json["deviceId"],
            "preAuthSessionId": started.json["preAuthSessionId"],
            "userInputCode": outbox.sent[-1].user_input_code,
        },
    )


def _verify_email(client, outbox: Outbox, auth: dict) -> None:
    assert client.post("/auth/user/email/verify/token", headers=auth).json["status"] == "OK"
    link = outbox.sent[-1].email_verify_link
    token = parse_qs(urlparse(link).query)["token"][0]
    assert (
        client.post("/auth/user/email/verify", json={"method": "token", "token": token}).json[
            "status"
        ]
        == "OK"
    )


def test_verified_emails_link_automatically(web_app: Flask, outbox: Outbox) -> None:
    client = web_app.test_client()
    signed_up = client.post("/auth/signup", json=_form("ann@example.com", "valid-pass1"))
    assert signed_up.json["status"] == "OK"
    ann = signed_up.json["user"]["id"]
    # Unverified: not made primary yet, so nothing can link to it.
    assert get_user(ann).is_primary_user is False
    _verify_email(client, outbox, _bearer(signed_up))
    assert get_user(ann).is_primary_user is True

    # Signing in by a one-time code proves the same email: the new login method joins ann.
    consumed = _passwordless_sign_in(client, outbox, "ann@example.com")
    assert consumed.json["status"] == "OK", consumed.json
    assert consumed.json["user"]["id"] == ann
    methods = consumed.json["user"]["loginMethods"]
    assert [m["recipeId"] for m in methods] == ["emailpassword", "passwordless"]
    assert all(m["verified"] for m in methods)
    code_user = methods[1]["recipeUserId"]
    me = client.get("/protected", headers=_bearer(consumed)).json
    assert me == {"user": ann, "recipeUser": code_user}
    assert _sub(consumed) == ann

    # Either method now signs in as ann.
    by_password = client.post("/auth/signin", json=_form("ann@example.com", "valid-pass1"))
    assert by_password.json["user"]["id"] == ann and _sub(by_password) == ann
    assert get_user(code_user).id == ann


def test_unverified_sign_up_cannot_take_over_a_primary_user(web_app: Flask, outbox: Outbox) -> None:
    client = web_app.test_client()
    victim = _passwordless_sign_in(client, outbox, "vic@example.com")
    victim_id = victim.json["user"]["id"]
    assert get_user(victim_id).is_primary_user is True
    # An attacker signs up with a password for the victim's email, which they cannot verify.
    attack = client.post("/auth/signup", json=_form("vic@example.com", "attacker-pass1"))
    assert attack.json["status"] == "SIGN_UP_NOT_ALLOWED", attack.json
    user = get_user(victim_id)
    assert [m.recipe_id for m in user.login_methods] == ["passwordless"]
    assert (
        client.post("/auth/signin", json=_form("vic@example.com", "attacker-pass1")).json["status"]
        == "WRONG_CREDENTIALS_ERROR"
    )


def test_account_linking_functions(core_app: tuple[str, str]) -> None:
    first = ep.sign_up("public", "fox@example.com", "pass-fox-1").user
    second = ep.sign_up("public", "fox2@example.com", "pass-fox-2").user
    first_id, second_id = RecipeUserId(first.id), RecipeUserId(second.id)
    assert linking.can_create_primary_user(first_id).status == "OK"
    created = linking.create_primary_user(first_id)
    assert created.status == "OK" and created.user.is_primary_user
    assert linking.can_link_accounts(second_id, first.id).status == "OK"
    linked = linking.link_accounts(second_id, first.id)
    assert linked.status == "OK" and linked.accounts_already_linked is False
    assert sorted(m.recipe_user_id.get_as_string() for m in linked.user.login_methods) == sorted(
        [first.id, second.id]
    )
    assert get_user(second.id).id == first.id
    assert ep.sign_in("public", "fox2@example.com", "pass-fox-2").user.id == first.id

    loner = ep.sign_up("public", "owl@example.com", "pass-owl-1").user
    refused = linking.can_link_accounts(RecipeUserId(loner.id), loner.id)
    assert refused.status == "INPUT_USER_IS_NOT_A_PRIMARY_USER"

    unlinked = linking.unlink_account(second_id)
    assert unlinked.was_linked is True and unlinked.was_recipe_user_deleted is False
    assert get_user(second.id).id == second.id

    linking.link_accounts(second_id, first.id)
    delete_user(first.id, remove_all_linked_accounts=False)
    remaining = get_user(second.id)
    assert remaining.id == first.id
    assert [m.recipe_user_id.get_as_string() for m in remaining.login_methods] == [second.id]
    delete_user(second.id)
    assert get_user(second.id) is None and get_user(first.id) is None
