"""Third-party sign-in through the official supertokens-python SDK, against the core under
gunicorn (2 workers), on every database, with no network: a loopback OpenID Connect
provider (``tests.oidc_provider``) is configured per tenant through the core, and an
SDK-initialised Flask app is driven like a front end."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from flask import Flask, g, jsonify
from supertokens_python.framework.flask import Middleware
from supertokens_python.recipe import session, thirdparty
from supertokens_python.recipe.multitenancy import syncio as mt
from supertokens_python.recipe.multitenancy.interfaces import TenantConfigCreateOrUpdate
from supertokens_python.recipe.session.framework.flask import verify_session
from supertokens_python.recipe.thirdparty import syncio as tp
from supertokens_python.recipe.thirdparty.interfaces import ManuallyCreateOrUpdateUserOkResult
from supertokens_python.recipe.thirdparty.provider import (
    ProviderClientConfig,
    ProviderConfig,
    UserFields,
    UserInfoMap,
)
from supertokens_python.recipe.thirdparty.types import ThirdPartyInfo
from supertokens_python.syncio import get_user, list_users_by_account_info
from supertokens_python.types.base import AccountInfoInput

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk
from tests.oidc_provider import Account, Client, OidcProvider

pytestmark = pytest.mark.integration

CALLBACK = "http://example.com/auth/callback/loopback"
PROVIDER_ID = "loopback-oidc"


@pytest.fixture
def provider() -> OidcProvider:
    with OidcProvider(
        [
            Client("web-client", secret="web-secret", redirect_uris=(CALLBACK,)),
            Client("spa-client", redirect_uris=(CALLBACK,)),
        ]
    ) as running:
        yield running


@pytest.fixture
def core_app(running_core: str, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """A fresh app on the running core, the SDK initialised against it with no provider of
    its own: every provider comes from the tenant's config in the core."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")
    app_id = new_id()
    uri = create_app_on_core(running_core, app_id)
    init_sdk(
        uri,
        [
            thirdparty.init(),
            session.init(get_token_transfer_method=lambda *_: "header", anti_csrf="NONE"),
        ],
    )
    yield running_core, app_id
    reset_sdk()


def loopback_provider(provider: OidcProvider, **overrides: Any) -> ProviderConfig:
    """The loopback provider as a tenant's custom provider: endpoints from discovery, the
    user-info answer's own claim names mapped through ``userInfoMap``."""
    fields = dict(
        third_party_id=PROVIDER_ID,
        name="Loopback",
        clients=[
            ProviderClientConfig(
                client_id="web-client",
                client_secret="web-secret",
                client_type="web",
                scope=["openid", "email"],
                force_pkce=True,
            ),
            ProviderClientConfig(
                client_id="spa-client",
                client_type="spa",
                scope=["openid", "email"],
                force_pkce=False,
            ),
        ],
        oidc_discovery_endpoint=provider.discovery_url,
        authorization_endpoint_query_params={"prompt": "login"},
        user_info_map=UserInfoMap(
            from_id_token_payload=UserFields(
                user_id="sub", email="email", email_verified="email_verified"
            ),
            from_user_info_api=UserFields(user_id="uid", email="mail", email_verified="mail_ok"),
        ),
        require_email=True,
    )
    fields.update(overrides)
    return ProviderConfig(**fields)


def add_tenant(
    tenant_id: str, provider_config: ProviderConfig | None, first_factors: list[str] | None = None
) -> None:
    mt.create_or_update_tenant(
        tenant_id, TenantConfigCreateOrUpdate(first_factors=first_factors or ["thirdparty"])
    )
    if provider_config is not None:
        created = mt.create_or_update_third_party_config(tenant_id, provider_config)
        assert created.created_new is True


@pytest.fixture
def web_app(core_app: tuple[str, str]) -> Flask:
    """A Flask app using the SDK the way an application team would."""
    app = Flask(__name__)
    Middleware(app)

    @app.get("/protected")
    @verify_session()
    def protected():
        return jsonify(
            {"user": g.supertokens.get_user_id(), "tenant": g.supertokens.get_tenant_id()}
        )

    return app


class Frontend:
    """What the front-end SDK does around a third-party sign-in."""

    def __init__(self, client, tenant_id: str):
        self.client = client
        self.prefix = "/auth" if tenant_id == "public" else f"/auth/{tenant_id}"

    def authorisation_url(self, client_type: str) -> tuple[str, str | None]:
        got = self.client.get(
            f"{self.prefix}/authorisationurl",
            query_string={
                "thirdPartyId": PROVIDER_ID,
                "redirectURIOnProviderDashboard": CALLBACK,
                "clientType": client_type,
            },
        )
        assert got.status_code == 200 and got.json["status"] == "OK", got.data
        return got.json["urlWithQueryParams"], got.json.get("pkceCodeVerifier")

    def visit_provider(self, url: str) -> dict[str, str]:
        """Follow the authorisation URL with a fresh ``state``; the callback's parameters
        after checking that the state came back unchanged."""
        state = secrets.token_urlsafe(16)
        redirected = requests.get(f"{url}&state={state}", allow_redirects=False, timeout=10)
        assert redirected.status_code == 302, redirected.text
        location = urlparse(redirected.headers["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
        params = {key: values[0] for key, values in parse_qs(location.query).items()}
        assert params.pop("state") == state
        return {**params, "state": state}

    def sign_in(self, client_type: str = "web", verifier_override: str | None = None):
        url, verifier = self.authorisation_url(client_type)
        callback = self.visit_provider(url)
        return self.client.post(
            f"{self.prefix}/signinup",
            json={
                "thirdPartyId": PROVIDER_ID,
                "clientType": client_type,
                "redirectURIInfo": {
                    "redirectURIOnProviderDashboard": CALLBACK,
                    "redirectURIQueryParams": callback,
                    "pkceCodeVerifier": verifier_override or verifier,
                },
            },
        )


def test_provider_config_round_trips_through_the_sdk(
    core_app: tuple[str, str], provider: OidcProvider
) -> None:
    """Every field of the provider object comes back as the SDK sent it."""
    full = loopback_provider(
        provider,
        clients=[
            ProviderClientConfig(
                client_id="web-client",
                client_secret="web-secret",
                client_type="web",
                scope=["openid", "email", "profile"],
                force_pkce=False,
                additional_config={"hd": "example.com", "nested": {"list": [1, "two"]}},
            ),
            ProviderClientConfig(client_id="ios-client", client_type="ios", force_pkce=True),
        ],
        authorization_endpoint=f"{provider.url}/authorize",
        authorization_endpoint_query_params={"prompt": "login", "access_type": None},
        token_endpoint=f"{provider.url}/token",
        token_endpoint_body_params={"audience": "api", "resource": None},
        user_info_endpoint=f"{provider.url}/userinfo",
        user_info_endpoint_query_params={"fields": "mail,uid", "drop": None},
        user_info_endpoint_headers={"X-Tenant": "t1", "Accept": None},
        jwks_uri=f"{provider.url}/jwks",
        require_email=False,
    )
    add_tenant("t1", full)
    # what the core answers, and what the SDK makes of it
    core_url, app_id = core_app
    raw = requests.get(
        f"{core_url}/appid-{app_id}/t1/recipe/multitenancy/tenant/v2", timeout=10
    ).json()["thirdParty"]["providers"]
    assert raw == [full.to_json()]
    [stored] = mt.get_tenant("t1").third_party_providers
    assert stored.to_json() == full.to_json()
    assert stored.clients[0].client_secret == "web-secret"
    assert stored.user_info_map.from_user_info_api.email == "mail"
    # Minimal: unset fields stay unset (requireEmail absent means the SDK's default)
    minimal = ProviderConfig(
        third_party_id="github", clients=[ProviderClientConfig(client_id="gh")]
    )
    assert mt.create_or_update_third_party_config("t1", minimal).created_new is True
    raw = requests.get(
        f"{core_url}/appid-{app_id}/t1/recipe/multitenancy/tenant/v2", timeout=10
    ).json()["thirdParty"]["providers"]
    assert raw[1] == {
        "thirdPartyId": "github",
        "clients": [{"clientId": "gh"}],
        "userInfoMap": {"fromIdTokenPayload": {}, "fromUserInfoAPI": {}},
    }
    # the SDK reads the absent fields with its defaults
    by_id = {p.third_party_id: p for p in mt.get_tenant("t1").third_party_providers}
    assert by_id["github"].require_email is True
    assert by_id["github"].clients[0].to_json() == {"clientId": "gh", "forcePKCE": False}
    # replaced entirely, then removed
    again = mt.create_or_update_third_party_config("t1", loopback_provider(provider))
    assert again.created_new is False
    [replaced] = [
        p for p in mt.get_tenant("t1").third_party_providers if p.third_party_id == PROVIDER_ID
    ]
    assert replaced.to_json() == loopback_provider(provider).to_json()
    assert mt.delete_third_party_config("t1", "github").did_config_exist is True
    assert [p.third_party_id for p in mt.get_tenant("t1").third_party_providers] == [PROVIDER_ID]


def test_sign_in_through_the_frontend_api(web_app: Flask, provider: OidcProvider) -> None:
    add_tenant("t1", loopback_provider(provider))
    frontend = Frontend(web_app.test_client(), "t1")
    provider.account = Account("alice-sub", "Alice@Example.com")

    # first sign-in: confidential client with PKCE forced
    url, verifier = frontend.authorisation_url("web")
    query = parse_qs(urlparse(url).query)
    assert query["client_id"] == ["web-client"] and query["prompt"] == ["login"]
    assert query["code_challenge_method"] == ["S256"] and verifier
    callback = frontend.visit_provider(url)
    signed = frontend.client.post(
        f"{frontend.prefix}/signinup",
        json={
            "thirdPartyId": PROVIDER_ID,
            "clientType": "web",
            "redirectURIInfo": {
                "redirectURIOnProviderDashboard": CALLBACK,
                "redirectURIQueryParams": callback,
                "pkceCodeVerifier": verifier,
            },
        },
    )
    assert signed.status_code == 200 and signed.json["status"] == "OK", signed.data
    assert signed.json["createdNewRecipeUser"] is True
    user = signed.json["user"]
    assert user["thirdParty"] == [{"id": PROVIDER_ID, "userId": "alice-sub"}]
    assert user["emails"] == ["alice@example.com"] and user["tenantIds"] == ["t1"]
    assert user["loginMethods"][0]["verified"] is True
    [token_request] = [fields for kind, fields in provider.requests if kind == "token"]
    assert token_request["client_secret"] == "web-secret"
    assert token_request["code_verifier"] == verifier

    auth = {"Authorization": f"Bearer {signed.headers['st-access-token']}"}
    assert frontend.client.get("/protected", headers=auth).json == {
        "user": user["id"],
        "tenant": "t1",
    }

    # again, through the public client (PKCE because it has no secret): the same user
    provider.account = Account("alice-sub", "alice@new.example.com", email_verified=False)
    again = frontend.sign_in("spa")
    assert again.json["status"] == "OK", again.data
    assert again.json["createdNewRecipeUser"] is False and again.json["user"]["id"] == user["id"]
    assert again.json["user"]["emails"] == ["alice@new.example.com"]
    assert again.json["user"]["loginMethods"][0]["verified"] is False
    assert get_user(user["id"]).emails == ["alice@new.example.com"]

    # a verifier that does not match the challenge is refused by the provider: no session
    wrong = frontend.sign_in("spa", verifier_override="x" * 64)
    assert wrong.status_code == 500  # the SDK raises when the token exchange fails
    assert provider.requests[-1][0] == "token"  # refused there: no user info was fetched
    assert not wrong.headers.get("st-access-token")


def test_same_provider_user_on_two_tenants_is_two_users(
    web_app: Flask, provider: OidcProvider
) -> None:
    add_tenant("t1", loopback_provider(provider))
    add_tenant("t2", loopback_provider(provider))
    provider.account = Account("bob-sub", "bob@example.com")
    ids = {}
    for tenant in ("t1", "t2"):
        answer = Frontend(web_app.test_client(), tenant).sign_in()
        assert answer.json["status"] == "OK", answer.data
        assert answer.json["createdNewRecipeUser"] is True
        assert answer.json["user"]["tenantIds"] == [tenant]
        ids[tenant] = answer.json["user"]["id"]
    assert ids["t1"] != ids["t2"]
    for tenant in ("t1", "t2"):
        found = list_users_by_account_info(
            tenant, AccountInfoInput(third_party=thirdparty_info("bob-sub"))
        )
        assert [u.id for u in found] == [ids[tenant]]
        assert found[0].login_methods[0].recipe_id == "thirdparty"


def thirdparty_info(user_id: str) -> ThirdPartyInfo:
    return ThirdPartyInfo(third_party_user_id=user_id, third_party_id=PROVIDER_ID)


def test_tenant_without_the_provider_or_the_factor(web_app: Flask, provider: OidcProvider) -> None:
    add_tenant("no-provider", None)
    missing = web_app.test_client().get(
        "/auth/no-provider/authorisationurl",
        query_string={"thirdPartyId": PROVIDER_ID, "redirectURIOnProviderDashboard": CALLBACK},
    )
    assert missing.status_code == 400  # the SDK finds no such provider for the tenant
    add_tenant("passwords-only", loopback_provider(provider), first_factors=["emailpassword"])
    provider.account = Account("carol-sub", "carol@example.com")
    refused = Frontend(web_app.test_client(), "passwords-only").sign_in()
    # the SDK checks the tenant's first factors before it calls the core
    assert (refused.status_code, refused.json) == (401, {"message": "unauthorised"})
    assert (
        list_users_by_account_info(
            "passwords-only", AccountInfoInput(third_party=thirdparty_info("carol-sub"))
        )
        == []
    )
    assert not refused.headers.get("st-access-token")


def test_manually_create_or_update_user(core_app: tuple[str, str]) -> None:
    created = tp.manually_create_or_update_user(
        "public", "google", "g-1", "Dan@Example.com", is_verified=True
    )
    assert isinstance(created, ManuallyCreateOrUpdateUserOkResult)
    assert created.created_new_recipe_user is True
    assert created.user.emails == ["dan@example.com"]
    assert created.user.login_methods[0].verified is True
    assert created.recipe_user_id.get_as_string() == created.user.id

    updated = tp.manually_create_or_update_user(
        "public", "google", "g-1", "dan@new.example", is_verified=False
    )
    assert isinstance(updated, ManuallyCreateOrUpdateUserOkResult)
    assert updated.created_new_recipe_user is False and updated.user.id == created.user.id
    assert updated.user.emails == ["dan@new.example"]
    found = list_users_by_account_info("public", AccountInfoInput(email="dan@new.example"))
    assert [u.id for u in found] == [created.user.id]
    assert list_users_by_account_info("public", AccountInfoInput(email="dan@example.com")) == []
