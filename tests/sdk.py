"""Pointing the official supertokens-python SDK at a running core, and resetting it."""

from __future__ import annotations

import importlib
import inspect

from supertokens_python import InputAppInfo, Supertokens, SupertokensConfig, init

_RECIPES_WITH_STATE = ("accountlinking", "dashboard", "emailpassword", "emailverification",
                       "jwt", "multifactorauth", "multitenancy", "oauth2provider", "openid",
                       "passwordless", "saml", "session", "thirdparty", "totp",
                       "usermetadata", "userroles", "webauthn")


def reset_sdk() -> None:
    """Forget every initialised recipe (the SDK keeps them in class attributes).

    Needs ``SUPERTOKENS_ENV=testing`` in the environment, as the SDK's own tests do.
    """
    Supertokens.reset()
    for name in _RECIPES_WITH_STATE:
        module = importlib.import_module(f"supertokens_python.recipe.{name}.recipe")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "reset" in vars(cls):
                cls.reset()


def init_sdk(connection_uri: str, recipe_list: list) -> None:
    """Initialise the SDK as a Flask app would, against ``connection_uri``."""
    reset_sdk()
    init(app_info=InputAppInfo(app_name="test", api_domain="http://api.example.com",
                               website_domain="http://example.com"),
         supertokens_config=SupertokensConfig(connection_uri=connection_uri),
         framework="flask", recipe_list=recipe_list, mode="wsgi")
