"""The TOTP recipe's config keys: upstream's limit of wrong codes, per tenant."""

from __future__ import annotations

from marshmallow import fields

from core_app.plugin_api import ConfigKey, ConfigScope, at_least

MAX_ATTEMPTS = "totp_max_attempts"
COOLDOWN_SEC = "totp_rate_limit_cooldown_sec"


def _positive(name: str) -> fields.Integer:
    return fields.Integer(validate=at_least(name, 1, f"'{name}' must be > 0"))


KEYS = (
    # Consecutive wrong codes of a user in a tenant that bring LIMIT_REACHED_ERROR.
    ConfigKey(MAX_ATTEMPTS, _positive(MAX_ATTEMPTS), 5, ConfigScope.TENANT),
    # How long the limit holds after the last wrong code, in seconds.
    ConfigKey(COOLDOWN_SEC, _positive(COOLDOWN_SEC), 900, ConfigScope.TENANT),
)
