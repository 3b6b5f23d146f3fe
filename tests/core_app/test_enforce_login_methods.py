"""``enforce_login_methods``: with it on, the routes that sign users in with a login method
the tenant does not allow answer upstream's pre-CDI-5.1 403; off (the default), the core
serves them whatever the tenant's ``firstFactors`` say, as upstream does since 5.1."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Blueprint
from supertokens_python.recipe import emailpassword
from supertokens_python.recipe.emailpassword import syncio as ep
from supertokens_python.recipe.emailpassword.interfaces import SignInOkResult

from core_app import recipes
from core_app.config import ConfigError
from core_app.plugin_api import RecipeDescriptor, RequestContext, Scope, hookimpl, route
from core_app.testing.apps import AppClient, new_id
from core_app.testing.core_process import CoreProcess
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk

PASSWORD = "a-password-1"
EMAIL_PASSWORD_REFUSED = "Email password login not enabled for tenant"
PASSWORDLESS_REFUSED = "Passwordless login not enabled for tenant"
THIRD_PARTY_REFUSED = "ThirdParty login not enabled for tenant"
TENANT = "t1"


def _app(
    client: Any, app_config: dict[str, Any] | None = None, tenant: dict[str, Any] | None = None
) -> AppClient:
    """A new app with ``app_config`` as its coreConfig and tenant ``t1`` made from ``tenant``."""
    app_id = new_id()
    made = client.put(
        "/recipe/multitenancy/app/v2", json={"appId": app_id, "coreConfig": app_config or {}}
    )
    assert made.json["status"] == "OK", made.get_data(as_text=True)
    if tenant is not None:
        made = client.put(
            f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={"tenantId": TENANT, **tenant}
        )
        assert made.json["status"] == "OK", made.get_data(as_text=True)
    return AppClient(client, app_id)


def _sign_up(app: AppClient, email: str, tenant: str = TENANT) -> Any:
    return app.post("/recipe/signup", {"email": email, "password": PASSWORD}, tenant)


def _sign_in(app: AppClient, email: str, tenant: str = TENANT) -> Any:
    return app.post("/recipe/signin", {"email": email, "password": PASSWORD}, tenant)


def _assert_refused(response: Any, message: str) -> None:
    assert (response.status_code, response.get_data(as_text=True)) == (403, message + "\n")


def _user_count(app: AppClient, tenant: str = TENANT) -> int:
    return app.get("/users/count", {}, tenant).json["count"]


OTP_EMAIL_ONLY = {"firstFactors": ["otp-email"]}
ENFORCED = {"enforce_login_methods": True}


def test_off_by_default_a_tenant_signs_in_by_password_whatever_its_first_factors(client) -> None:
    app = _app(client, tenant=OTP_EMAIL_ONLY)
    assert _sign_up(app, "off@example.com").json["status"] == "OK"
    assert _sign_in(app, "off@example.com").json["status"] == "OK"


def test_on_password_routes_answer_403_and_passwordless_works(client) -> None:
    app = _app(client, ENFORCED, OTP_EMAIL_ONLY)
    _assert_refused(_sign_up(app, "on@example.com"), EMAIL_PASSWORD_REFUSED)
    assert _user_count(app) == 0
    _assert_refused(_sign_in(app, "on@example.com"), EMAIL_PASSWORD_REFUSED)
    _assert_refused(
        app.post(
            "/recipe/user/password/reset/token",
            {"userId": "someone", "email": "on@example.com"},
            TENANT,
        ),
        EMAIL_PASSWORD_REFUSED,
    )
    _assert_refused(
        app.post(
            "/recipe/user/passwordhash/import",
            {"email": "imported@example.com", "passwordHash": "$2a$10$" + "a" * 53},
            TENANT,
        ),
        EMAIL_PASSWORD_REFUSED,
    )
    _assert_refused(
        app.post(
            "/recipe/signinup",
            {
                "thirdPartyId": "google",
                "thirdPartyUserId": "g-1",
                "email": {"id": "tp@example.com", "isVerified": True},
            },
            TENANT,
        ),
        THIRD_PARTY_REFUSED,
    )
    assert _user_count(app) == 0

    code = app.post("/recipe/signinup/code", {"email": "otp@example.com"}, TENANT).json
    assert code["status"] == "OK"
    resent = app.post("/recipe/signinup/code", {"deviceId": code["deviceId"]}, TENANT).json
    assert resent["status"] == "OK"
    consumed = app.post(
        "/recipe/signinup/code/consume",
        {
            "preAuthSessionId": resent["preAuthSessionId"],
            "deviceId": resent["deviceId"],
            "userInputCode": resent["userInputCode"],
        },
        TENANT,
    ).json
    assert consumed["status"] == "OK" and consumed["createdNewUser"] is True
    assert _user_count(app) == 1


def test_on_passwordless_routes_answer_403_for_a_password_only_tenant(client) -> None:
    app = _app(client, ENFORCED, {"firstFactors": ["emailpassword"]})
    _assert_refused(
        app.post("/recipe/signinup/code", {"email": "otp@example.com"}, TENANT),
        PASSWORDLESS_REFUSED,
    )
    code_input = {"preAuthSessionId": "p", "deviceId": "d", "userInputCode": "123456"}
    _assert_refused(
        app.post("/recipe/signinup/code/consume", code_input, TENANT), PASSWORDLESS_REFUSED
    )
    _assert_refused(
        app.post("/recipe/signinup/code/check", code_input, TENANT), PASSWORDLESS_REFUSED
    )
    assert _sign_up(app, "pw@example.com").json["status"] == "OK"


def test_a_required_secondary_factor_stays_allowed(client) -> None:
    app = _app(client, ENFORCED, {**OTP_EMAIL_ONLY, "requiredSecondaryFactors": ["emailpassword"]})
    assert _sign_up(app, "second@example.com").json["status"] == "OK"
    assert _sign_in(app, "second@example.com").json["status"] == "OK"
    _assert_refused(
        app.post(
            "/recipe/signinup",
            {
                "thirdPartyId": "google",
                "thirdPartyUserId": "g-2",
                "email": {"id": "tp@example.com", "isVerified": True},
            },
            TENANT,
        ),
        THIRD_PARTY_REFUSED,
    )


def test_first_factors_null_allows_every_login_method(client) -> None:
    app = _app(client, ENFORCED)  # the app's public tenant has no firstFactors
    assert _sign_up(app, "null@example.com", "public").json["status"] == "OK"
    assert _sign_in(app, "null@example.com", "public").json["status"] == "OK"
    assert app.post("/recipe/signinup/code", {"email": "null@example.com"}).json["status"] == "OK"
    assert (
        app.post(
            "/recipe/signinup",
            {
                "thirdPartyId": "google",
                "thirdPartyUserId": "g-3",
                "email": {"id": "null@example.com", "isVerified": True},
            },
        ).json["status"]
        == "OK"
    )


def test_an_empty_first_factors_list_allows_none(client) -> None:
    app = _app(client, ENFORCED, {})  # tenant/v2 without firstFactors stores []
    assert app.get("/recipe/multitenancy/tenant/v2", {}, TENANT).json["firstFactors"] == []
    _assert_refused(_sign_up(app, "empty@example.com"), EMAIL_PASSWORD_REFUSED)
    _assert_refused(
        app.post("/recipe/signinup/code", {"email": "empty@example.com"}, TENANT),
        PASSWORDLESS_REFUSED,
    )


def test_the_app_sets_it_for_its_tenants_and_a_tenant_may_turn_it_off(client) -> None:
    app = _app(client, ENFORCED, OTP_EMAIL_ONLY)
    opted_out = app.client.put(
        f"/appid-{app.app_id}/recipe/multitenancy/tenant/v2",
        json={"tenantId": "t2", **OTP_EMAIL_ONLY, "coreConfig": {"enforce_login_methods": False}},
    )
    assert opted_out.json["status"] == "OK"
    _assert_refused(_sign_up(app, "app@example.com"), EMAIL_PASSWORD_REFUSED)
    assert _sign_up(app, "app@example.com", "t2").json["status"] == "OK"


def test_a_tenant_may_turn_it_on_in_an_app_that_leaves_it_off(client) -> None:
    app = _app(client, None, {**OTP_EMAIL_ONLY, "coreConfig": ENFORCED})
    _assert_refused(_sign_up(app, "tenant@example.com"), EMAIL_PASSWORD_REFUSED)


# --- declaring signs_in routes ------------------------------------------------------------


def _gated_recipe(monkeypatch: pytest.MonkeyPatch, **descriptor: Any) -> None:
    """Install recipe ``gated``, whose one route signs users in, with ``descriptor`` fields."""
    blueprint = Blueprint(new_id("gated"), __name__)

    @route(blueprint, "/recipe/gated/signin", ["POST"], scope=Scope.TENANT, signs_in=True)
    def sign_in(_ctx: RequestContext) -> dict[str, Any]:
        return {"status": "OK"}

    @hookimpl
    def st_recipe() -> RecipeDescriptor:
        return RecipeDescriptor(id="gated", blueprints=(blueprint,), **descriptor)

    installed = recipes.installed_recipes()
    installed["gated"] = types.SimpleNamespace(
        name="gated", load=lambda: types.SimpleNamespace(st_recipe=st_recipe)
    )
    monkeypatch.setattr(recipes, "installed_recipes", lambda: installed)


@pytest.mark.parametrize(
    "descriptor", [{"login_method_name": "Gated"}, {"first_factors": ("gated",)}]
)
def test_a_recipe_that_signs_in_without_factors_or_name_stops_the_start(
    make_app, monkeypatch: pytest.MonkeyPatch, descriptor: dict[str, Any]
) -> None:
    _gated_recipe(monkeypatch, **descriptor)
    with pytest.raises(ConfigError) as refused:
        make_app(recipes=["gated"])
    assert str(refused.value) == (
        "recipe 'gated' has routes that sign users in (/recipe/gated/signin) but no "
        "first_factors or login_method_name in its descriptor"
    )


def test_a_third_party_recipe_is_enforced_with_its_own_name(
    make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    _gated_recipe(monkeypatch, first_factors=("gated",), login_method_name="Gated")
    client = make_app(recipes=["gated"]).test_client()
    app = _app(client, ENFORCED, {"firstFactors": ["emailpassword"]})
    _assert_refused(
        app.post("/recipe/gated/signin", {}, TENANT), "Gated login not enabled for tenant"
    )
    assert app.post("/recipe/gated/signin", {}, "public").json == {"status": "OK"}


# --- through the SDK ----------------------------------------------------------------------


@pytest.fixture
def enforcing_core(database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The core under gunicorn, an app that enforces login methods with tenant ``t1``
    allowing only ``otp-email``, the SDK initialised against the app; yields the core url."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    with CoreProcess(tmp_path, {"SUPERTOKENS_CONNECTION_URI": database_url}) as core:
        app_id = new_id()
        uri = create_app_on_core(core.url, app_id, ENFORCED)
        made = requests.put(
            f"{uri}/recipe/multitenancy/tenant/v2",
            json={"tenantId": TENANT, **OTP_EMAIL_ONLY},
            timeout=10,
        )
        assert made.json()["status"] == "OK", made.text
        init_sdk(uri, [emailpassword.init()])
        try:
            yield core.url
        finally:
            reset_sdk()
        assert "Traceback" not in core.output()


@pytest.mark.integration
def test_the_sdk_raises_the_403_for_a_tenant_without_email_password(enforcing_core) -> None:
    with pytest.raises(Exception) as refused:
        ep.sign_in(TENANT, "sdk@example.com", PASSWORD)
    # supertokens-python 0.31 raises a bare Exception with the status and the core's body.
    assert type(refused.value) is Exception
    assert str(refused.value) == (
        "SuperTokens core threw an error for a POST request to path: '/t1/recipe/signin' "
        f"with status code: 403 and message: {EMAIL_PASSWORD_REFUSED}\n"
    )
    signed_up = ep.sign_up("public", "sdk@example.com", PASSWORD)
    assert signed_up.status == "OK"
    assert isinstance(ep.sign_in("public", "sdk@example.com", PASSWORD), SignInOkResult)
