"""Config keys of the email-verification recipe (contract, config §2)."""

from __future__ import annotations

from marshmallow import fields

from core_app.plugin_api import ConfigKey, ConfigScope, at_least

KEYS = (
    ConfigKey(
        "email_verification_token_lifetime",
        fields.Integer(
            validate=at_least(
                "email_verification_token_lifetime",
                1,
                "'email_verification_token_lifetime' must be >= 0",
            )
        ),
        86_400_000,
        ConfigScope.TENANT,
    ),
)
