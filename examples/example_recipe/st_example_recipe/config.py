"""The example recipe's config key."""

from __future__ import annotations

from marshmallow import fields

from core_app.plugin_api import ConfigKey, ConfigScope

GREETING_KEY = "example_greeting"

KEYS = (
    # Per tenant: config.yaml and the environment set the default, an app's or a tenant's
    # coreConfig overrides it.
    ConfigKey(GREETING_KEY, fields.String(), "hi", ConfigScope.TENANT),
)
