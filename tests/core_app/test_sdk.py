"""The host through the official supertokens-python SDK against a real gunicorn process."""

from __future__ import annotations

import pytest
from supertokens_python.recipe import session
from supertokens_python.recipe.multitenancy.interfaces import TenantConfigCreateOrUpdate
from supertokens_python.recipe.multitenancy.syncio import (
    associate_user_to_tenant,
    create_or_update_tenant,
    create_or_update_third_party_config,
    delete_tenant,
    delete_third_party_config,
    get_tenant,
    list_all_tenants,
)
from supertokens_python.recipe.thirdparty.provider import ProviderClientConfig, ProviderConfig
from supertokens_python.types import RecipeUserId

from core_app.testing.apps import new_id
from core_app.testing.sdk import create_app_on_core, init_sdk, reset_sdk

pytestmark = pytest.mark.integration


@pytest.fixture
def sdk_app(running_core: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh app created the way the SDK's own test suite does, with the SDK pointed at it."""
    monkeypatch.setenv("SUPERTOKENS_ENV", "testing")  # lets the SDK reset between tests
    app_id = new_id()
    init_sdk(create_app_on_core(running_core, app_id), [session.init()])
    yield app_id
    reset_sdk()


def test_tenants_through_the_sdk(sdk_app: str) -> None:
    created = create_or_update_tenant(
        "t1",
        TenantConfigCreateOrUpdate(first_factors=["emailpassword", "otp-email"], core_config={}),
    )
    assert created.status == "OK" and created.created_new is True
    updated = create_or_update_tenant(
        "t1", TenantConfigCreateOrUpdate(required_secondary_factors=["totp"])
    )
    assert updated.created_new is False

    tenant = get_tenant("t1")
    assert tenant is not None
    assert tenant.first_factors == ["emailpassword", "otp-email"]
    assert tenant.required_secondary_factors == ["totp"]
    assert tenant.third_party_providers == []
    assert get_tenant("nope") is None

    listed = list_all_tenants()
    assert sorted(t.tenant_id for t in listed.tenants) == ["public", "t1"]

    removed = delete_tenant("t1")
    assert removed.did_exist is True
    assert delete_tenant("t1").did_exist is False


def test_provider_config_through_the_sdk(sdk_app: str) -> None:
    create_or_update_tenant("t2", TenantConfigCreateOrUpdate(first_factors=["thirdparty"]))
    provider = ProviderConfig(
        third_party_id="google",
        clients=[ProviderClientConfig(client_id="cid", client_secret="secret", scope=["email"])],
    )
    assert create_or_update_third_party_config("t2", provider).created_new is True
    tenant = get_tenant("t2")
    assert tenant is not None
    [stored] = tenant.third_party_providers
    assert stored.third_party_id == "google"
    assert stored.clients is not None and stored.clients[0].client_id == "cid"
    assert delete_third_party_config("t2", "google").did_config_exist is True
    assert get_tenant("t2").third_party_providers == []


def test_unknown_user_association_through_the_sdk(sdk_app: str) -> None:
    create_or_update_tenant("t3", TenantConfigCreateOrUpdate(first_factors=["emailpassword"]))
    result = associate_user_to_tenant("t3", RecipeUserId("no-such-user"))
    assert type(result).__name__ == "AssociateUserToTenantUnknownUserIdError"
