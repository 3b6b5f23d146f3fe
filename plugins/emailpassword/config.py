"""Config keys of the email-password recipe (contract, config §2 and emailpassword §3).

Names and meaning are upstream's. The defaults of the hash keys are ours on purpose
(README, differences from upstream): argon2id with OWASP's parameters (19 MiB, 2
iterations, parallelism 1) instead of bcrypt with cost 11. It costs a fifth of the CPU
per sign-in and has no 72-byte limit; upstream's settings remain one config line away.

The ``imported_*`` keys (Extension) cap the cost parameters an imported hash may carry;
they are the operator's (yaml scope), so an app cannot raise its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import fields

from core_app.plugin_api import ConfigError, ConfigKey, ConfigScope, at_least, one_of
from plugins.emailpassword.hashing import HashLimits

ARGON2_MIN_MEMORY_KB_PER_LANE = 8  # argon2 needs at least 8 KiB per lane of parallelism
BCRYPT_ROUNDS = (4, 31)  # what bcrypt implementations accept


def _import_cap(name: str, default: int) -> ConfigKey:
    """A cap on one cost parameter of imported hashes; operator-only (yaml scope)."""
    return ConfigKey(
        name, fields.Integer(validate=at_least(name, 1, f"'{name}' must be >= 1")), default
    )


KEYS = (
    ConfigKey(
        "password_hashing_alg",
        fields.String(
            validate=one_of(
                "password_hashing_alg",
                ("ARGON2", "BCRYPT"),
                "'password_hashing_alg' must be one of 'ARGON2' or 'BCRYPT'",
            )
        ),
        "ARGON2",
        ConfigScope.APP,
        normalise=str.upper,
    ),
    ConfigKey(
        "argon2_iterations",
        fields.Integer(
            validate=at_least("argon2_iterations", 1, "'argon2_iterations' must be >= 1")
        ),
        2,
    ),
    ConfigKey(
        "argon2_memory_kb",
        fields.Integer(validate=at_least("argon2_memory_kb", 1, "'argon2_memory_kb' must be >= 1")),
        19456,
    ),
    ConfigKey(
        "argon2_parallelism",
        fields.Integer(
            validate=at_least("argon2_parallelism", 1, "'argon2_parallelism' must be >= 1")
        ),
        1,
    ),
    ConfigKey(
        "argon2_hashing_pool_size",
        fields.Integer(
            validate=at_least(
                "argon2_hashing_pool_size", 1, "'argon2_hashing_pool_size' must be >= 1"
            )
        ),
        1,
    ),
    ConfigKey(
        "bcrypt_log_rounds",
        fields.Integer(
            validate=at_least("bcrypt_log_rounds", 1, "'bcrypt_log_rounds' must be >= 1")
        ),
        11,
    ),
    ConfigKey("firebase_password_hashing_signer_key", fields.String(), None, ConfigScope.APP),
    ConfigKey(
        "firebase_password_hashing_pool_size",
        fields.Integer(
            validate=at_least(
                "firebase_password_hashing_pool_size",
                1,
                "'firebase_password_hashing_pool_size' must be >= 1",
            )
        ),
        1,
    ),
    _import_cap("imported_bcrypt_max_log_rounds", HashLimits.bcrypt_log_rounds),
    _import_cap("imported_argon2_max_memory_kb", HashLimits.argon2_memory_kb),
    _import_cap("imported_argon2_max_iterations", HashLimits.argon2_iterations),
    _import_cap("imported_argon2_max_parallelism", HashLimits.argon2_parallelism),
    _import_cap("imported_firebase_scrypt_max_memory_cost", HashLimits.firebase_memory_cost),
    _import_cap("imported_firebase_scrypt_max_rounds", HashLimits.firebase_rounds),
    ConfigKey(
        "password_reset_token_lifetime",
        fields.Integer(
            validate=at_least(
                "password_reset_token_lifetime", 1, "'password_reset_token_lifetime' must be >= 0"
            )
        ),
        3_600_000,
        ConfigScope.TENANT,
    ),
)


def check_hashing_config(settings: Mapping[str, Any], test_mode: bool) -> None:
    """Cross-key rules of the hash settings, checked for the algorithm in use."""
    if settings["argon2_hashing_pool_size"] > settings["max_server_pool_size"]:
        raise ConfigError("'argon2_hashing_pool_size' must be <= 'max_server_pool_size'")
    if settings["password_hashing_alg"] == "ARGON2":
        lanes = settings["argon2_parallelism"]
        if settings["argon2_memory_kb"] < ARGON2_MIN_MEMORY_KB_PER_LANE * lanes:
            raise ConfigError(
                f"'argon2_memory_kb' must be >= 8 x 'argon2_parallelism' "
                f"({ARGON2_MIN_MEMORY_KB_PER_LANE * lanes})"
            )
    else:
        low, high = BCRYPT_ROUNDS
        if not low <= settings["bcrypt_log_rounds"] <= high:
            raise ConfigError(f"'bcrypt_log_rounds' must be between {low} and {high}")
