"""Config keys of the session recipe (contract, config §2) and their cross-key rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields, validate

from core_app.config import ConfigError, ConfigKey, ConfigScope, one_of

MAX_ACCESS_TOKEN_VALIDITY_S = 86_400_000
MIN_KEY_UPDATE_INTERVAL_H = 1

KEYS = (
    ConfigKey("access_token_validity", fields.Integer(validate=validate.Range(
        1, MAX_ACCESS_TOKEN_VALIDITY_S,
        error="'access_token_validity' must be between 1 and 86400000 seconds inclusive.")),
        3600, ConfigScope.APP),
    ConfigKey("refresh_token_validity", fields.Float(validate=validate.Range(
        min=0, min_inclusive=False,
        error="'refresh_token_validity' must be greater than 0.")), 144000.0, ConfigScope.APP),
    ConfigKey("access_token_dynamic_signing_key_update_interval", fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, error=(
            "'access_token_dynamic_signing_key_update_interval' must be greater than 0."))),
        168.0, ConfigScope.APP, aliases=("access_token_signing_key_update_interval",)),
    ConfigKey("access_token_validity_jitter", fields.Float(validate=validate.Range(
        0, 0.25,
        error="'access_token_validity_jitter' must be between 0 and 0.25 inclusive.")),
        0.05, ConfigScope.APP),
    ConfigKey("refresh_token_rotation_grace_period", fields.Integer(), 30, ConfigScope.APP),
    ConfigKey("recent_token_reuse_behaviour", fields.String(validate=one_of(
        "recent_token_reuse_behaviour", ("TOKEN_THEFT", "UNAUTHORISED"),
        "'recent_token_reuse_behaviour' must be one of 'TOKEN_THEFT' or 'UNAUTHORISED'")),
        "TOKEN_THEFT", normalise=str.upper),
    ConfigKey("access_token_signing_key_dynamic", fields.Boolean(), True, ConfigScope.APP),
    ConfigKey("access_token_blacklisting", fields.Boolean(), False, ConfigScope.APP),
)


def check_session_config(settings: Mapping[str, Any], test_mode: bool) -> None:
    """The rules upstream relaxes in test mode (contract, config §4)."""
    if test_mode:
        return
    if settings["refresh_token_validity"] * 60 <= settings["access_token_validity"]:
        raise ConfigError(
            "'refresh_token_validity' must be strictly greater than 'access_token_validity'.")
    if settings["access_token_dynamic_signing_key_update_interval"] < MIN_KEY_UPDATE_INTERVAL_H:
        raise ConfigError("'access_token_dynamic_signing_key_update_interval' must be greater "
                          "than, equal to 1 hour.")
    grace = settings["refresh_token_rotation_grace_period"]
    if not 0 <= grace <= 300:
        raise ConfigError("'refresh_token_rotation_grace_period' must be between 0 and 300 "
                          "seconds inclusive.")
