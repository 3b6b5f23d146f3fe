"""Passwordless through the official supertokens-python SDK, against the core under
gunicorn (2 workers), on every database: the recipe functions, and an SDK-initialised
Flask app driven like a front end with typed codes and magic links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from flask import Flask
from supertokens_python.ingredients.emaildelivery.types import (
    EmailDeliveryConfig,
)
from supertokens_python.ingredients.smsdelivery.types import SMSDeliveryConfig
from supertokens_python.recipe import passwordless, session
from supertokens_python.recipe.passwordless import ContactEmailOrPhoneConfig
from supertokens_python.recipe.passwordless import syncio as pl
from supertokens_python.recipe.passwordless.interfaces import (
    CheckCodeIncorrectUserInputCodeError,
    CheckCodeOkResult,
    ConsumeCodeExpiredUserInputCodeError,
    ConsumeCodeIncorrectUserInputCodeError,
    ConsumeCodeOkResult,
    ConsumeCodeRestartFlowError,
    CreateCodeOkResult,
    CreateNewCodeForDeviceOkResult,
    CreateNewCodeForDeviceRestartFlowError,
    CreateNewCodeForDeviceUserInputCodeAlreadyUsedError,
    UpdateUserEmailAlreadyExistsError,
    UpdateUserOkResult,
    UpdateUserPhoneNumberAlreadyExistsError,
    UpdateUserUnknownUserIdError,
)
from supertokens_python.syncio import get_user, get_users_oldest_first, list_users_by_account_info
from supertokens_python.types import RecipeUserId
from supertokens_python.types.base import AccountInfoInput

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from core_app.testing.sdk_backend import Outbox, sdk_web_app

pytestmark = pytest.mark.integration


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def core_app(running_core: str, monkeypatch: pytest.MonkeyPatch, outbox: Outbox) -> tuple[str, str]:
    """A fresh app on the running core, the SDK initialised against it: (core url, app id)."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    app_id = new_id()
    uri = create_app_on_core(running_core, app_id)
    init_sdk(
        uri,
        [
            passwordless.init(
                contact_config=ContactEmailOrPhoneConfig(),
                flow_type="USER_INPUT_CODE_AND_MAGIC_LINK",
                email_delivery=EmailDeliveryConfig(override=lambda _: outbox),
                sms_delivery=SMSDeliveryConfig(override=lambda _: outbox),
            ),
            session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
        ],
    )
    yield running_core, app_id
    reset_sdk()


def test_recipe_functions(core_app: tuple[str, str]) -> None:
    created = pl.create_code("public", email="Ann@Example.com")
    assert isinstance(created, CreateCodeOkResult)
    assert created.code_life_time == 600_000 and len(created.user_input_code) == 6

    wrong = pl.consume_code(
        "public",
        created.pre_auth_session_id,
        user_input_code="000000x",
        device_id=created.device_id,
    )
    assert isinstance(wrong, ConsumeCodeIncorrectUserInputCodeError)
    assert (wrong.failed_code_input_attempt_count, wrong.maximum_code_input_attempts) == (1, 5)
    checked = pl.check_code(
        "public",
        created.pre_auth_session_id,
        user_input_code="999999x",
        device_id=created.device_id,
    )
    assert isinstance(checked, CheckCodeIncorrectUserInputCodeError)
    assert checked.failed_code_input_attempt_count == 2
    checked = pl.check_code("public", created.pre_auth_session_id, link_code=created.link_code)
    assert isinstance(checked, CheckCodeOkResult)
    assert checked.consumed_device.failed_code_input_attempt_count == 2

    resent = pl.create_new_code_for_device("public", created.device_id, user_input_code="424242")
    assert isinstance(resent, CreateNewCodeForDeviceOkResult)
    assert resent.pre_auth_session_id == created.pre_auth_session_id
    assert isinstance(
        pl.create_new_code_for_device("public", created.device_id, "424242"),
        CreateNewCodeForDeviceUserInputCodeAlreadyUsedError,
    )
    [device] = pl.list_codes_by_email("public", "ann@example.com")
    assert device.pre_auth_session_id == created.pre_auth_session_id
    assert device.failed_code_input_attempt_count == 2
    by_id = pl.list_codes_by_device_id("public", created.device_id)
    assert by_id is not None and by_id.email == "ann@example.com"

    signed = pl.consume_code(
        "public", created.pre_auth_session_id, user_input_code="424242", device_id=created.device_id
    )
    assert isinstance(signed, ConsumeCodeOkResult) and signed.created_new_recipe_user
    user = signed.user
    assert user.emails == ["ann@example.com"]
    assert user.login_methods[0].recipe_id == "passwordless"
    assert user.login_methods[0].verified is True
    assert pl.list_codes_by_pre_auth_session_id("public", created.pre_auth_session_id) is None
    assert isinstance(
        pl.create_new_code_for_device("public", created.device_id),
        CreateNewCodeForDeviceRestartFlowError,
    )
    assert isinstance(
        pl.consume_code("public", created.pre_auth_session_id, link_code=created.link_code),
        ConsumeCodeRestartFlowError,
    )

    again = pl.signinup("public", email="ann@example.com", phone_number=None)
    assert again.created_new_recipe_user is False and again.user.id == user.id

    # revoking codes
    first = pl.create_code("public", phone_number="+1 650 555 0199")
    pl.revoke_code("public", first.code_id)
    assert pl.list_codes_by_phone_number("public", "+16505550199") == []
    pl.create_code("public", email="bo@example.com")
    pl.create_code("public", email="bo@example.com")
    pl.revoke_all_codes("public", email="bo@example.com")
    assert pl.list_codes_by_email("public", "bo@example.com") == []


def test_updating_a_user(core_app: tuple[str, str]) -> None:
    ann = pl.signinup("public", email="cy@example.com", phone_number=None).user
    pl.signinup("public", email="dee@example.com", phone_number=None)
    pl.signinup("public", email=None, phone_number="+14155550150")
    recipe_user = RecipeUserId(ann.id)
    assert isinstance(
        pl.update_user(recipe_user, email="dee@example.com"), UpdateUserEmailAlreadyExistsError
    )
    assert isinstance(
        pl.update_user(recipe_user, phone_number="+14155550150"),
        UpdateUserPhoneNumberAlreadyExistsError,
    )
    assert isinstance(
        pl.update_user(RecipeUserId("nobody"), email="x@example.com"), UpdateUserUnknownUserIdError
    )
    assert isinstance(pl.update_user(recipe_user, phone_number="+14155550151"), UpdateUserOkResult)
    assert isinstance(pl.delete_email_for_user(recipe_user), UpdateUserOkResult)
    updated = get_user(ann.id)
    assert updated.emails == [] and updated.phone_numbers == ["+14155550151"]
    found = list_users_by_account_info("public", AccountInfoInput(phone_number="+14155550151"))
    assert [u.id for u in found] == [ann.id]
    listed = get_users_oldest_first("public").users
    assert [u.id for u in listed][0] == ann.id and len(listed) == 3


def test_expired_code(running_core: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    uri = create_app_on_core(running_core, new_id(), {"passwordless_code_lifetime": 1})
    init_sdk(
        uri,
        [
            passwordless.init(
                contact_config=ContactEmailOrPhoneConfig(), flow_type="USER_INPUT_CODE"
            )
        ],
    )
    try:
        created = pl.create_code("public", email="eve@example.com")
        assert created.code_life_time == 1
        expired = pl.consume_code(
            "public",
            created.pre_auth_session_id,
            user_input_code=created.user_input_code,
            device_id=created.device_id,
        )
        assert isinstance(expired, ConsumeCodeExpiredUserInputCodeError)
    finally:
        reset_sdk()


@pytest.fixture
def web_app(core_app: tuple[str, str]) -> Flask:
    """A Flask app using the SDK the way an application team would."""
    return sdk_web_app()


def _link_parts(url: str) -> tuple[str, str]:
    """(preAuthSessionId, linkCode) of a magic link: ``...?preAuthSessionId=..#<linkCode>``."""
    parsed = urlparse(url)
    return parse_qs(parsed.query)["preAuthSessionId"][0], parsed.fragment


def test_frontend_flows(web_app: Flask, outbox: Outbox) -> None:
    client = web_app.test_client()

    # typed code by email: a wrong guess, a resend, then the right code
    started = client.post("/auth/signinup/code", json={"email": "fay@example.com"})
    assert started.status_code == 200 and started.json["status"] == "OK", started.json
    device = {
        "deviceId": started.json["deviceId"],
        "preAuthSessionId": started.json["preAuthSessionId"],
    }
    assert outbox.sent[-1].email == "fay@example.com"
    wrong = client.post("/auth/signinup/code/consume", json={**device, "userInputCode": "x"})
    assert wrong.json["status"] == "INCORRECT_USER_INPUT_CODE_ERROR"
    assert wrong.json["failedCodeInputAttemptCount"] == 1
    resent = client.post("/auth/signinup/code/resend", json=device)
    assert resent.json == {"status": "OK"}
    code = outbox.sent[-1].user_input_code
    signed = client.post("/auth/signinup/code/consume", json={**device, "userInputCode": code})
    assert signed.json["status"] == "OK", signed.json
    assert signed.json["createdNewRecipeUser"] is True
    user_id = signed.json["user"]["id"]
    auth = {"Authorization": f"Bearer {signed.headers['st-access-token']}"}
    assert client.get("/protected", headers=auth).json == {"user": user_id}
    reused = client.post("/auth/signinup/code/consume", json={**device, "userInputCode": code})
    assert reused.json["status"] == "RESTART_FLOW_ERROR"

    # magic link by email: the same user signs in again
    client.post("/auth/signinup/code", json={"email": "FAY@example.com"})
    pre_auth, link_code = _link_parts(outbox.sent[-1].url_with_link_code)
    linked = client.post(
        "/auth/signinup/code/consume", json={"preAuthSessionId": pre_auth, "linkCode": link_code}
    )
    assert linked.json["status"] == "OK" and linked.json["createdNewRecipeUser"] is False
    assert linked.json["user"]["id"] == user_id
    assert (
        client.post(
            "/auth/signinup/code/consume",
            json={"preAuthSessionId": pre_auth, "linkCode": link_code},
        ).json["status"]
        == "RESTART_FLOW_ERROR"
    )

    # a phone number by SMS, signed up with the magic link
    phone = client.post("/auth/signinup/code", json={"phoneNumber": "+1 650 555 0142"})
    assert phone.json["status"] == "OK"
    sms = outbox.sent[-1]
    assert sms.phone_number == "+16505550142"
    pre_auth, link_code = _link_parts(sms.url_with_link_code)
    by_phone = client.post(
        "/auth/signinup/code/consume", json={"preAuthSessionId": pre_auth, "linkCode": link_code}
    )
    assert by_phone.json["status"] == "OK" and by_phone.json["createdNewRecipeUser"] is True
    assert by_phone.json["user"]["phoneNumbers"] == ["+16505550142"]
    assert (
        client.get(
            "/protected", headers={"Authorization": f"Bearer {by_phone.headers['st-access-token']}"}
        ).status_code
        == 200
    )

    # the front end's existence checks
    exists = client.get(
        "/auth/passwordless/email/exists", query_string={"email": "fay@example.com"}
    )
    assert exists.json == {"status": "OK", "exists": True}
    exists = client.get(
        "/auth/passwordless/phonenumber/exists", query_string={"phoneNumber": "+16505550142"}
    )
    assert exists.json == {"status": "OK", "exists": True}
    assert client.get(
        "/auth/passwordless/email/exists", query_string={"email": "nobody@example.com"}
    ).json == {"status": "OK", "exists": False}
