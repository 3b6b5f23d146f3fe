"""Config keys of the session recipe (contract, config §2) and their cross-key rules.

Two keys are Extensions (README, differences from upstream): ``session_max_lifetime`` (an
absolute session lifetime, ASVS 5.0 V7.3.2) and ``access_token_blacklisting`` (which
upstream ignores at CDI 5.4; here it makes every verify read the database). Three upstream
keys have no effect at CDI 5.4 and are accepted only at their defaults, so that an upstream
file that repeats the defaults still works and one that relies on them does not start.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from core_app.plugin_api import ConfigError, ConfigKey, ConfigScope, one_of

MAX_ACCESS_TOKEN_VALIDITY_S = 86_400_000
MIN_KEY_UPDATE_INTERVAL_H = 1
# NIST SP 800-63B asks for reauthentication at least every 30 days at AAL1 (12 hours at
# AAL2), and 30 days is Auth0's default absolute lifetime of a refresh token; upstream has
# no absolute limit (0 here).
DEFAULT_SESSION_MAX_LIFETIME_S = 30 * 24 * 3600

# Upstream keys that do nothing for CDI 5.4 callers: their default and what to do instead.
INERT_AT_CDI_5_4: dict[str, tuple[Any, str, str]] = {
    "access_token_signing_key_dynamic": (
        True,
        "true",
        "the signing key is chosen per session by useDynamicSigningKey at "
        "create and refresh, which the SDK sends from session.init("
        "use_dynamic_access_token_signing_key=...)",
    ),
    "refresh_token_rotation_grace_period": (
        30,
        "30",
        "a rotated refresh token stays usable until its child is first used, "
        "whatever this says; remove the key",
    ),
    "recent_token_reuse_behaviour": (
        "TOKEN_THEFT",
        "TOKEN_THEFT",
        "reusing a rotated refresh token always answers TOKEN_THEFT_DETECTED; remove the key",
    ),
}

KEYS = (
    ConfigKey(
        "access_token_validity",
        fields.Integer(
            validate=validate.Range(
                1,
                MAX_ACCESS_TOKEN_VALIDITY_S,
                error="'access_token_validity' must be between 1 and 86400000 seconds inclusive.",
            )
        ),
        3600,
        ConfigScope.APP,
    ),
    ConfigKey(
        "refresh_token_validity",
        fields.Float(
            validate=validate.Range(
                min=0, min_inclusive=False, error="'refresh_token_validity' must be greater than 0."
            )
        ),
        144000.0,
        ConfigScope.APP,
    ),
    ConfigKey(
        "access_token_dynamic_signing_key_update_interval",
        fields.Float(
            validate=validate.Range(
                min=0,
                min_inclusive=False,
                error=(
                    "'access_token_dynamic_signing_key_update_interval' must be greater than 0."
                ),
            )
        ),
        168.0,
        ConfigScope.APP,
        aliases=("access_token_signing_key_update_interval",),
    ),
    ConfigKey(
        "access_token_validity_jitter",
        fields.Float(
            validate=validate.Range(
                0,
                0.25,
                error="'access_token_validity_jitter' must be between 0 and 0.25 inclusive.",
            )
        ),
        0.05,
        ConfigScope.APP,
    ),
    ConfigKey(
        "session_max_lifetime",
        fields.Integer(
            validate=validate.Range(
                min=0, error="'session_max_lifetime' must be >= 0 (0: no absolute lifetime)."
            )
        ),
        DEFAULT_SESSION_MAX_LIFETIME_S,
        ConfigScope.APP,
    ),
    ConfigKey("refresh_token_rotation_grace_period", fields.Integer(), 30, ConfigScope.APP),
    ConfigKey(
        "recent_token_reuse_behaviour",
        fields.String(
            validate=one_of(
                "recent_token_reuse_behaviour",
                ("TOKEN_THEFT", "UNAUTHORISED"),
                "'recent_token_reuse_behaviour' must be one of 'TOKEN_THEFT' or 'UNAUTHORISED'",
            )
        ),
        "TOKEN_THEFT",
        normalise=str.upper,
    ),
    ConfigKey("access_token_signing_key_dynamic", fields.Boolean(), True, ConfigScope.APP),
    ConfigKey("access_token_blacklisting", fields.Boolean(), False, ConfigScope.APP),
)


def check_session_config(settings: Mapping[str, Any], test_mode: bool) -> None:
    """Keys without effect at CDI 5.4 keep their defaults; the rules upstream relaxes in
    test mode (contract, config §4)."""
    for name, (default, shown, instead) in INERT_AT_CDI_5_4.items():
        if settings[name] != default:
            raise ConfigError(
                f"'{name}' has no effect at CDI 5.4, so only its default "
                f"({shown}) is accepted: {instead}."
            )
    if test_mode:
        return
    if settings["refresh_token_validity"] * 60 <= settings["access_token_validity"]:
        raise ConfigError(
            "'refresh_token_validity' must be strictly greater than 'access_token_validity'."
        )
    if settings["access_token_dynamic_signing_key_update_interval"] < MIN_KEY_UPDATE_INTERVAL_H:
        raise ConfigError(
            "'access_token_dynamic_signing_key_update_interval' must be greater "
            "than, equal to 1 hour."
        )
