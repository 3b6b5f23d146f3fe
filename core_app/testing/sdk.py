"""Pointing the official supertokens-python SDK at a running core, and resetting it.

``supertokens_python`` and ``requests`` come with the core's ``test`` extra; they are imported
when a helper is called, so the kit loads without them.
"""

from __future__ import annotations

import importlib
import inspect
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
