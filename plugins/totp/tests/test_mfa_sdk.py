"""Multi-factor sign-in through the official supertokens-python SDK, against the core under
gunicorn (2 workers), on every database.

The SDK's ``multifactorauth``, ``totp`` and ``passwordless`` recipes serve their front-end
routes (``/auth/...``) on a Flask app with the SDK's middleware; a test plays the front end:
it signs in, reads the MFA claim (``st-mfa``: completed factors ``c`` and ``v``, whether the
requirements are met) from the access token the SDK sends back, asks ``PUT /auth/mfa/info``
what comes next, and calls a route protected by ``verify_session()`` (the MFA recipe adds its
claim validator to every protected route).

TOTP codes are computed with ``pyotp`` for a chosen time step: devices are made with a period
of ``PERIOD`` seconds and a skew of one step, so a code is accepted while the core's clock is
within one step of the code's; every code a test sends is chosen relative to the current step,
so no test depends on where in a step it runs.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pyotp
import pytest
import requests
from flask import Flask
from supertokens_python.ingredients.emaildelivery.types import (
    EmailDeliveryConfig,
)
from supertokens_python.recipe import (
    accountlinking,
    emailpassword,
    emailverification,
    multifactorauth,
    passwordless,
    session,
    totp,
    usermetadata,
)
from supertokens_python.recipe.accountlinking import ShouldAutomaticallyLink
from supertokens_python.recipe.passwordless import ContactEmailOnlyConfig
from supertokens_python.recipe.totp import TOTPConfig

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from core_app.testing.sdk_backend import Outbox, sdk_web_app

pytestmark = pytest.mark.integration

# The period (seconds) and skew (steps either side) of every TOTP device the SDK creates. Not
# the SDK's default period (30): codes of another period would not match.
PERIOD = 60
SKEW = 1


async def _link_for_mfa(_account: Any, _user: Any, session_: Any, *_: Any) -> Any:
    """A login method set up as a second factor (a session is there) joins the session user;
    a first sign-in joins an existing user only through a verified email."""
    return ShouldAutomaticallyLink(should_require_verification=session_ is None)


class Browser:
    """The front end of one person: calls the SDK's routes with its session and keeps the
    access token the SDK sends back (header-based sessions)."""

    def __init__(self, web_app: Flask) -> None:
        self.client = web_app.test_client()
        self.token: str | None = None

    def call(self, method: str, path: str, body: dict | None = None):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = self.client.open(path, method=method, json=body, headers=headers)
        if "st-access-token" in answer.headers:
            self.token = answer.headers["st-access-token"] or None
        return answer

    def post(self, path: str, body: dict | None = None):
        return self.call("POST", path, body or {})

    def payload(self) -> dict:
        assert self.token is not None, "not signed in"
        part = self.token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    def mfa(self) -> dict:
        """The MFA claim of the current access token."""
        return self.payload()["st-mfa"]

    def mfa_info(self) -> dict:
        answer = self.call("PUT", "/auth/mfa/info")
        assert answer.status_code == 200, answer.text
        assert answer.json["status"] == "OK", answer.json
        return answer.json

    def protected(self):
        return self.call("GET", "/protected")


def _form(email: str, password: str) -> dict:
    return {"formFields": [{"id": "email", "value": email}, {"id": "password", "value": password}]}


def _assert_mfa_refused(answer) -> None:
    """The protected route's answer to a session whose MFA claim is not satisfied."""
    assert answer.status_code == 403, answer.text
    assert answer.json == {
        "message": "invalid claim",
        "claimValidationErrors": [
            {"id": "st-mfa", "reason": {"message": "MFA requirement for auth is not satisfied"}}
        ],
    }


def _set_factors(core_url: str, app_id: str, tenant_id: str | None, **factors: Any) -> None:
    """Give the app's public tenant (``tenant_id`` None, through ``/recipe/multitenancy/app/v2``)
    or a new tenant of the app (``/appid-<app>/recipe/multitenancy/tenant/v2``) the factor
    lists (``firstFactors``, ``requiredSecondaryFactors``)."""
    if tenant_id is None:
        url, body = f"{core_url}/recipe/multitenancy/app/v2", {"appId": app_id}
    else:
        url = f"{core_url}/appid-{app_id}/recipe/multitenancy/tenant/v2"
        body = {"tenantId": tenant_id}
    answer = requests.put(url, json={**body, **factors}, timeout=10)
    assert answer.status_code == 200 and answer.json()["status"] == "OK", answer.text


class Authenticator:
    """The user's authenticator app: the codes of one device's secret, by time step."""

    def __init__(self, secret: str) -> None:
        self.totp = pyotp.TOTP(secret, interval=PERIOD)

    @staticmethod
    def step() -> int:
        return int(time.time()) // PERIOD

    def code(self, step: int) -> str:
        return self.totp.at(step * PERIOD)

    def wrong_code(self) -> str:
        """A code no step the core accepts now (nor the next one) produces."""
        now = self.step()
        valid = {self.code(s) for s in range(now - SKEW - 1, now + SKEW + 2)}
        return next(c for c in (f"{n:06d}" for n in range(0, 10**6, 7919)) if c not in valid)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def core_app(running_core: str, monkeypatch: pytest.MonkeyPatch, outbox: Outbox):
    """A fresh app on the core and the SDK pointed at it with MFA, TOTP and one-time codes by
    email; yields (core url, app id)."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    app_id = new_id()
    uri = create_app_on_core(running_core, app_id)
    deliver = EmailDeliveryConfig(override=lambda _: outbox)
    init_sdk(
        uri,
        [
            emailpassword.init(),
            passwordless.init(
                contact_config=ContactEmailOnlyConfig(),
                flow_type="USER_INPUT_CODE",
                email_delivery=deliver,
            ),
            emailverification.init(mode="OPTIONAL", email_delivery=deliver),
            usermetadata.init(),
            accountlinking.init(should_do_automatic_account_linking=_link_for_mfa),
            multifactorauth.init(),
            totp.init(TOTPConfig(default_period=PERIOD, default_skew=SKEW)),
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
            "mfa": session.get_access_token_payload()["st-mfa"],
        }
    )


def _sign_in_with_code(browser: Browser, outbox: Outbox, email: str, second_factor: bool):
    """Ask for a one-time code by email and enter it; the consume answer."""
    linking = {"shouldTryLinkingWithSessionUser": True} if second_factor else {}
    started = browser.post("/auth/signinup/code", {"email": email, **linking})
    assert started.json["status"] == "OK", started.json
    return browser.post(
        "/auth/signinup/code/consume",
        {
            "deviceId": started.json["deviceId"],
            "preAuthSessionId": started.json["preAuthSessionId"],
            "userInputCode": outbox.sent[-1].user_input_code,
            **linking,
        },
    )


def test_one_time_code_by_email_as_second_factor(
    core_app: tuple[str, str], web_app: Flask, outbox: Outbox
) -> None:
    core_url, app_id = core_app
    _set_factors(core_url, app_id, None, requiredSecondaryFactors=["otp-email"])

    browser = Browser(web_app)
    signed_up = browser.post("/auth/signup", _form("ann@example.com", "valid-pass1"))
    assert signed_up.json["status"] == "OK", signed_up.json
    ann = signed_up.json["user"]["id"]
    claim = browser.mfa()
    assert list(claim["c"]) == ["emailpassword"] and claim["v"] is False
    _assert_mfa_refused(browser.protected())

    info = browser.mfa_info()
    assert info["factors"]["next"] == ["otp-email"]
    assert info["factors"]["alreadySetup"] == ["emailpassword"]
    assert "otp-email" in info["factors"]["allowedToSetup"]
    assert "totp" not in info["factors"]["allowedToSetup"]  # not what the app requires now
    assert info["emails"]["otp-email"] == ["ann@example.com"]

    # A code by email, with the session: the passwordless login method joins ann.
    consumed = _sign_in_with_code(browser, outbox, "ann@example.com", second_factor=True)
    assert consumed.json["status"] == "OK", consumed.json
    assert consumed.json["user"]["id"] == ann
    methods = consumed.json["user"]["loginMethods"]
    assert [m["recipeId"] for m in methods] == ["emailpassword", "passwordless"]
    claim = browser.mfa()
    assert sorted(claim["c"]) == ["emailpassword", "otp-email"] and claim["v"] is True
    assert browser.payload()["sub"] == ann
    allowed = browser.protected()
    assert allowed.status_code == 200, allowed.text
    assert allowed.json["user"] == ann and allowed.json["mfa"]["v"] is True

    # The next sign-in asks for the code again; the factor is set up now.
    again = Browser(web_app)
    signed_in = again.post("/auth/signin", _form("ann@example.com", "valid-pass1"))
    assert signed_in.json["status"] == "OK" and signed_in.json["user"]["id"] == ann
    assert again.mfa()["v"] is False
    _assert_mfa_refused(again.protected())
    info = again.mfa_info()
    assert info["factors"]["next"] == ["otp-email"]
    assert sorted(info["factors"]["alreadySetup"]) == ["emailpassword", "otp-email"]
    consumed = _sign_in_with_code(again, outbox, "ann@example.com", second_factor=True)
    assert consumed.json["status"] == "OK", consumed.json
    assert len(consumed.json["user"]["loginMethods"]) == 2  # signed in, nothing new joined
    assert again.mfa()["v"] is True
    assert again.protected().status_code == 200


def _set_up_totp(browser: Browser) -> tuple[Authenticator, int]:
    """Create a device and verify it with the code of the current step, as a user scanning the
    QR code would; the authenticator and the step whose code was used."""
    created = browser.post("/auth/totp/device")
    assert created.json["status"] == "OK", created.json
    assert created.json["deviceName"] == "TOTP Device 0"  # upstream's name for a first device
    authenticator = Authenticator(created.json["secret"])
    name = created.json["deviceName"]

    # Not yet verified: the device is listed, and a wrong code is refused.
    listed = browser.call("GET", "/auth/totp/device/list")
    assert listed.json == {
        "status": "OK",
        "devices": [{"name": name, "period": PERIOD, "skew": SKEW, "verified": False}],
    }
    wrong = browser.post(
        "/auth/totp/device/verify", {"deviceName": name, "totp": authenticator.wrong_code()}
    )
    assert wrong.json["status"] == "INVALID_TOTP_ERROR", wrong.json
    assert wrong.json["currentNumberOfFailedAttempts"] == 1
    assert browser.mfa()["v"] is False

    used = authenticator.step()
    verified = browser.post(
        "/auth/totp/device/verify", {"deviceName": name, "totp": authenticator.code(used)}
    )
    assert verified.json == {"status": "OK", "wasAlreadyVerified": False}
    assert browser.call("GET", "/auth/totp/device/list").json["devices"][0]["verified"] is True
    return authenticator, used


def test_totp_is_set_up_then_asked_for_at_every_sign_in(
    core_app: tuple[str, str], web_app: Flask
) -> None:
    core_url, app_id = core_app
    tenant = "staff"
    _set_factors(
        core_url,
        app_id,
        tenant,
        firstFactors=["emailpassword"],
        requiredSecondaryFactors=["totp"],
    )

    # Flow 1: the first factor alone gives a session the protected route refuses.
    browser = Browser(web_app)
    signed_up = browser.post(f"/auth/{tenant}/signup", _form("bob@example.com", "valid-pass1"))
    assert signed_up.json["status"] == "OK", signed_up.json
    bob = signed_up.json["user"]["id"]
    assert browser.payload()["tId"] == tenant
    claim = browser.mfa()
    assert list(claim["c"]) == ["emailpassword"] and claim["v"] is False
    _assert_mfa_refused(browser.protected())

    # Flow 2: no device yet, so TOTP is next and may be set up.
    info = browser.mfa_info()
    assert info["factors"] == {
        "next": ["totp"],
        "alreadySetup": ["emailpassword"],
        "allowedToSetup": ["totp"],
    }
    authenticator, used = _set_up_totp(browser)
    claim = browser.mfa()
    assert sorted(claim["c"]) == ["emailpassword", "totp"] and claim["v"] is True
    allowed = browser.protected()
    assert allowed.status_code == 200, allowed.text
    assert allowed.json["user"] == bob and allowed.json["mfa"]["v"] is True
    info = browser.mfa_info()
    assert info["factors"]["next"] == []
    assert sorted(info["factors"]["alreadySetup"]) == ["emailpassword", "totp"]

    # Flow 3: a new sign-in asks for TOTP only; no other device may be added before it.
    later = Browser(web_app)
    signed_in = later.post(f"/auth/{tenant}/signin", _form("bob@example.com", "valid-pass1"))
    assert signed_in.json["status"] == "OK" and signed_in.json["user"]["id"] == bob
    claim = later.mfa()
    assert list(claim["c"]) == ["emailpassword"] and claim["v"] is False
    _assert_mfa_refused(later.protected())
    info = later.mfa_info()
    assert info["factors"] == {
        "next": ["totp"],
        "alreadySetup": ["emailpassword", "totp"],
        "allowedToSetup": [],
    }
    refused = later.post("/auth/totp/device", {"deviceName": "second phone"})
    assert refused.status_code == 403, refused.text
    assert refused.json["claimValidationErrors"][0]["id"] == "st-mfa"

    # The code that verified the device is still inside the accepted window (one step either
    # side of now), so only its reuse can be the reason it is refused.
    now = authenticator.step()
    assert abs(now - used) <= SKEW, "the test took longer than a TOTP period"
    replayed = later.post("/auth/totp/verify", {"totp": authenticator.code(used)})
    assert replayed.json["status"] == "INVALID_TOTP_ERROR", replayed.json
    wrong = later.post("/auth/totp/verify", {"totp": authenticator.wrong_code()})
    assert wrong.json["status"] == "INVALID_TOTP_ERROR", wrong.json
    assert wrong.json["currentNumberOfFailedAttempts"] == (
        replayed.json["currentNumberOfFailedAttempts"] + 1
    )
    assert wrong.json["maxNumberOfFailedAttempts"] > wrong.json["currentNumberOfFailedAttempts"]
    assert later.mfa()["v"] is False
    _assert_mfa_refused(later.protected())

    # A fresh code: the step after now, never used and inside the window.
    fresh = authenticator.code(authenticator.step() + 1)
    assert fresh != authenticator.code(used)
    verified = later.post("/auth/totp/verify", {"totp": fresh})
    assert verified.json == {"status": "OK"}, verified.json
    claim = later.mfa()
    assert sorted(claim["c"]) == ["emailpassword", "totp"] and claim["v"] is True
    assert later.protected().status_code == 200
    # The first session was not touched by the second sign-in.
    assert browser.protected().status_code == 200


def test_a_linked_login_method_still_needs_the_second_factor(
    core_app: tuple[str, str], web_app: Flask, outbox: Outbox
) -> None:
    core_url, app_id = core_app
    _set_factors(core_url, app_id, None, requiredSecondaryFactors=["totp"])

    browser = Browser(web_app)
    signed_up = browser.post("/auth/signup", _form("cat@example.com", "valid-pass1"))
    assert signed_up.json["status"] == "OK", signed_up.json
    cat = signed_up.json["user"]["id"]
    authenticator, _ = _set_up_totp(browser)
    assert browser.mfa()["v"] is True

    # Verifying the email makes cat a primary user other login methods may join.
    assert browser.post("/auth/user/email/verify/token").json["status"] == "OK"
    token = outbox.sent[-1].email_verify_link.split("token=")[1].split("&")[0]
    verified = browser.post("/auth/user/email/verify", {"method": "token", "token": token})
    assert verified.json["status"] == "OK", verified.json

    # A one-time code by email (a first factor here) proves the same email: it joins cat.
    other = Browser(web_app)
    consumed = _sign_in_with_code(other, outbox, "cat@example.com", second_factor=False)
    assert consumed.json["status"] == "OK", consumed.json
    assert consumed.json["user"]["id"] == cat
    methods = consumed.json["user"]["loginMethods"]
    assert [m["recipeId"] for m in methods] == ["emailpassword", "passwordless"]
    assert other.payload()["sub"] == cat
    claim = other.mfa()
    assert list(claim["c"]) == ["otp-email"] and claim["v"] is False
    _assert_mfa_refused(other.protected())
    assert other.mfa_info()["factors"]["next"] == ["totp"]

    fresh = authenticator.code(authenticator.step() + 1)
    assert other.post("/auth/totp/verify", {"totp": fresh}).json == {"status": "OK"}
    claim = other.mfa()
    assert sorted(claim["c"]) == ["otp-email", "totp"] and claim["v"] is True
    allowed = other.protected()
    assert allowed.status_code == 200 and allowed.json["user"] == cat
