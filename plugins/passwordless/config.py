"""Config keys of the passwordless recipe (contract, config §2 and passwordless §2).

The code lifetime defaults to 10 minutes where upstream uses 15: OWASP ASVS 6.5.5 asks
that out-of-band codes live at most 10 minutes (README, differences from upstream).
"""

from __future__ import annotations

from marshmallow import fields

from core_app.plugin_api import ConfigKey, ConfigScope, at_least

DEFAULT_CODE_LIFETIME_MS = 600_000

KEYS = (
    ConfigKey(
        "passwordless_code_lifetime",
        fields.Integer(
            validate=at_least(
                "passwordless_code_lifetime", 1, "'passwordless_code_lifetime' must be > 0"
            )
        ),
        DEFAULT_CODE_LIFETIME_MS,
        ConfigScope.TENANT,
    ),
    ConfigKey(
        "passwordless_max_code_input_attempts",
        fields.Integer(
            validate=at_least(
                "passwordless_max_code_input_attempts",
                1,
                "'passwordless_max_code_input_attempts' must be > 0",
            )
        ),
        5,
        ConfigScope.TENANT,
    ),
)
