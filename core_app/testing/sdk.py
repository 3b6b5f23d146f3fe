"""Pointing the official supertokens-python SDK at a running core, and resetting it.

``supertokens_python`` and ``requests`` come with the core's ``test`` extra; they are imported
when a helper is called, so the kit loads without them.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import Iterator
from typing import Any

_RECIPES_WITH_STATE = (
    "accountlinking",
    "dashboard",
    "emailpassword",
    "emailverification",
    "jwt",
    "multifactorauth",
    "multitenancy",
    "oauth2provider",
    "openid",
    "passwordless",
    "saml",
    "session",
    "thirdparty",
    "totp",
    "usermetadata",
    "userroles",
    "webauthn",
)


def reset_sdk() -> None:
    """Forget every initialised recipe (the SDK keeps them in class attributes).

    Needs ``SUPERTOKENS_ENV=testing`` in the environment, as the SDK's own tests do.
    """
    from supertokens_python import Supertokens

    Supertokens.reset()
    for name in _RECIPES_WITH_STATE:
        module = importlib.import_module(f"supertokens_python.recipe.{name}.recipe")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "reset" in vars(cls):
                cls.reset()


def init_sdk(connection_uri: str, recipe_list: list, api_key: str | None = None) -> None:
    """Initialise the SDK as a Flask app would, against ``connection_uri``.

    ``recipe_list`` holds the SDK's ``<recipe>.init(...)`` results; earlier state is reset.
    """
    from supertokens_python import InputAppInfo, SupertokensConfig, init

    reset_sdk()
    init(
        app_info=InputAppInfo(
            app_name="test",
            api_domain="http://api.example.com",
            website_domain="http://example.com",
        ),
        supertokens_config=SupertokensConfig(connection_uri=connection_uri, api_key=api_key),
        framework="flask",
        recipe_list=recipe_list,
        mode="wsgi",
    )


def create_app_on_core(
    core_url: str, app_id: str, core_config: dict[str, Any] | None = None
) -> str:
    """Create an app the way the SDK's own test suite does; returns its connection URI."""
    import requests

    created = requests.put(
        f"{core_url}/recipe/multitenancy/app/v2",
        json={"appId": app_id, "coreConfig": core_config or {}},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    assert created.json() == {"status": "OK", "createdNew": True}
    return f"{core_url}/appid-{app_id}"


@contextlib.contextmanager
def app_with_own_database_tenant(
    core_url: str,
    recipe_list: list,
    tenant_id: str,
    database_url: str,
    first_factors: list[str] | None = None,
) -> Iterator[str]:
    """A new app on the running core, the SDK initialised against it with ``recipe_list``,
    and its tenant ``tenant_id`` in the database at ``database_url``; yields the app id.

    Afterwards the SDK is reset and the tenant and the app are removed, so no tenant is left
    pointing at a database the test run drops. The core must allow that database (its
    ``database_uri_allow`` / ``database_sqlite_dir``), and the test must set
    ``SUPERTOKENS_ENV=testing`` as the SDK asks.
    """
    import requests
    from supertokens_python.recipe.multitenancy.interfaces import TenantConfigCreateOrUpdate
    from supertokens_python.recipe.multitenancy.syncio import create_or_update_tenant

    from core_app.testing.apps import new_id

    app_id = new_id()
    init_sdk(create_app_on_core(core_url, app_id), recipe_list)
    try:
        created = create_or_update_tenant(
            tenant_id,
            TenantConfigCreateOrUpdate(
                first_factors=first_factors, core_config={"connection_uri": database_url}
            ),
        )
        assert created.created_new is True
        yield app_id
    finally:
        reset_sdk()
        for path, body in (
            (f"/appid-{app_id}/recipe/multitenancy/tenant/remove", {"tenantId": tenant_id}),
            ("/recipe/multitenancy/app/remove", {"appId": app_id}),
        ):
            removed = requests.post(f"{core_url}{path}", json=body, timeout=10)
            assert removed.json() == {"status": "OK", "didExist": True}, removed.text
