"""Configuration: the keys, where their values come from, and how they resolve per tenant.

Values resolve in this order, first found wins from the bottom up (contract, config §1):
defaults ⟶ ``config.yaml`` ⟶ environment ⟶ the app's ``coreConfig`` ⟶ the tenant's
``coreConfig``. Each key is declared once as a ``ConfigKey``; the host declares its own
keys here and every recipe adds its keys through its descriptor (``st_recipe``).
"""

from __future__ import annotations

import enum
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import re2
import yaml
from marshmallow import ValidationError, fields, validate
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

CONFIG_FILE_ENV = "SUPERTOKENS_CONFIG"
DEFAULT_CONFIG_FILE = "config.yaml"
ENV_PREFIX = "SUPERTOKENS_"


class ConfigError(ValueError):
    """Configuration that cannot be used; the message names the key and what to fix."""


class ConfigScope(enum.Enum):
    """Where a key may be set (contract, config §1)."""

    BASE = "yaml"  # only config.yaml / environment
    APP = "app"  # per app; every tenant of an app resolves to one value
    TENANT = "tenant"  # may differ per tenant


@dataclass(frozen=True)
class ConfigKey:
    """One configuration key.

    ``field`` is a marshmallow field: it coerces the strings that come from the
    environment and from the SDK's ``coreConfig`` (``"7200"``, ``"true"``) and carries the
    value checks with the messages callers see.
    """

    name: str
    field: fields.Field
    default: Any = None
    scope: ConfigScope = ConfigScope.BASE
    upstream_env: str | None = None  # the upstream Docker image's variable, if it differs
    aliases: tuple[str, ...] = ()
    normalise: Callable[[Any], Any] | None = None
    # Database settings: in a coreConfig only with the operator's key (core_app.database_policy)
    operator_only: bool = False
    # A setting of the database another key names: a config layer that sets that key without
    # this one drops the value inherited from below (a tenant given a database of its own
    # must not keep reading from the app's replica).
    belongs_to: str | None = None

    def env_names(self) -> list[str]:
        """Environment variables that set this key, strongest first."""
        names = [ENV_PREFIX + self.name.upper()]
        names.append(self.upstream_env or self.name.upper())
        return names

    def coerce(self, value: Any) -> Any:
        """Turn a raw value into the key's typed value, or raise ``ConfigError``."""
        if value is None:
            return None
        try:
            typed = self.field.deserialize(value)
        except ValidationError as error:
            raise ConfigError(_first_message(self.name, error)) from None
        return self.normalise(typed) if self.normalise else typed


def _first_message(name: str, error: ValidationError) -> str:
    messages = error.messages if isinstance(error.messages, list) else [error.messages]
    message = str(messages[0]) if messages else ""
    if message.startswith("'"):
        return message
    return f"'{name}' is not valid: {message}"


# --- value checks shared by host and recipe keys ----------------------------------------


def at_least(name: str, minimum: int, message: str | None = None) -> validate.Range:
    """A lower bound whose message names the key the way upstream does."""
    return validate.Range(min=minimum, error=message or f"'{name}' must be >= {minimum}.")


def one_of(name: str, choices: Iterable[str], message: str) -> Callable[[str], str]:
    """A case-insensitive enum check; the value is stored upper-cased."""
    allowed = {choice.upper() for choice in choices}

    def check(value: str) -> None:
        if value.upper() not in allowed:
            raise ValidationError(message)

    return check


def _normalise_base_path(value: str) -> str:
    if " " in value:
        raise ConfigError("Invalid characters in base_path config")
    value = re.sub("/+", "/", "/" + value.strip()).rstrip("/")
    return value


API_KEY_PATTERN = re.compile(r"^[A-Za-z0-9=\-]+$")
MIN_API_KEY_LENGTH = 20


def _normalise_api_keys(value: str) -> tuple[str, ...]:
    keys = tuple(key for key in re.sub(r"\s", "", value).split(",") if key)
    for key in keys:
        if len(key) < MIN_API_KEY_LENGTH:
            raise ConfigError("One of the API keys is too short. Please use at least 20 characters")
        if not API_KEY_PATTERN.match(key):
            raise ConfigError(
                "Invalid characters in API key. Please only use '=', '-' and alpha-numeric "
                "(including capitals)"
            )
    return keys


# A tenant's coreConfig sets these patterns and every request of the tenant runs them, so
# they are compiled by RE2, which matches in time linear in the input: a backtracking
# pattern such as ``(a+)+$`` cannot hold a worker. RE2 has no backreferences or
# lookarounds; such a pattern is refused as invalid. The length and the compiled program's
# memory are bounded too, so that compiling one cannot be made expensive.
MAX_REGEX_LENGTH_CHARS = 1000
MAX_REGEX_PROGRAM_BYTES = 1 << 20


class AddressPattern(Protocol):
    """A compiled ``ip_allow_regex`` / ``ip_deny_regex`` (an RE2 program)."""

    def fullmatch(self, text: str) -> Any:
        """A match object when the whole of ``text`` matches, else None."""


def _normalise_regex(value: str) -> AddressPattern | None:
    if not value.strip():
        return None
    if len(value) > MAX_REGEX_LENGTH_CHARS:
        raise ConfigError(
            f"Provided regular expression is invalid: longer than "
            f"{MAX_REGEX_LENGTH_CHARS} characters"
        )
    options = re2.Options()
    options.max_mem = MAX_REGEX_PROGRAM_BYTES
    options.log_errors = False
    options.never_capture = True
    try:
        return re2.compile(value, options)
    except re2.error as error:
        reason = error.args[0] if error.args else "unsupported pattern"
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise ConfigError(f"Provided regular expression is invalid: {reason}") from None


def _normalise_names(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    names = tuple(str(item).strip() for item in items if str(item).strip())
    return names


def _normalise_read_connection_uri(value: str) -> str | None:
    """Like ``connection_uri``; an empty value means no replica (to unset one from a layer)."""
    return _normalise_connection_uri(value) if value.strip() else None


def _normalise_connection_uri(value: str) -> str:
    """Accept upstream's plain ``postgresql://`` / ``mysql://`` URIs as SQLAlchemy URLs.

    A relative SQLite file path is made absolute against the working directory of the core
    (the directory ``scripts/start.sh`` and ``supertokens-core start`` run in), here and
    nowhere else: Flask-SQLAlchemy would otherwise move a relative path into the app's
    instance folder, and the writer queue's file would land elsewhere.
    """
    value = value.strip()
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg2://" + value.split("://", 1)[1]
    if value.startswith("mysql://"):
        return "mysql+pymysql://" + value.split("://", 1)[1]
    prefix = "sqlite:///"
    if value.startswith(prefix) and not value.startswith(prefix + "/"):
        rest = value[len(prefix) :]
        if rest and not rest.startswith(":memory:"):
            return prefix + str((Path.cwd() / rest).resolve())
    return value


class _Text(fields.String):
    """A string key; numbers in YAML (``port: 3567`` style mistakes) are kept as text."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class _Names(fields.Field):
    """A list of names, from YAML as a list or from the environment as ``a,b``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, (str, list, tuple)):
            return value
        raise ValidationError("must be a list of names")


class _CountOrNames(fields.Field):
    """A count (an integer) or a list of names, from YAML or from the environment as text."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, (int, str, list, tuple)) and not isinstance(value, bool):
            return value
        raise ValidationError("must be a count or a list")


def _normalise_trusted_proxies(value: Any) -> Any:
    from core_app.proxies import TrustedProxiesError, parse_trusted_proxies

    try:
        return parse_trusted_proxies(value)
    except TrustedProxiesError as error:
        raise ConfigError(f"'trusted_proxies' is not valid: {error}") from None


DEFAULT_CONNECTION_URI = "sqlite:///supertokens.db"
DEFAULT_CONNECTION_POOL_SIZE = 10  # upstream's postgresql_connection_pool_size
# A request's transaction and a read of tenant configs may each hold a connection to one
# database; with a pool of one such a request would wait for itself (upstream allows 1).
MIN_CONNECTION_POOL_SIZE = 2
# Settings of one database that every app and tenant using it must agree on: they share its
# engines (core_app.tenancy.directory.TenantDirectory.database_disagreement).
SHARED_DATABASE_KEYS = ("connection_pool_size", "minimum_idle_connections", "read_connection_uri")
SUPPORTED_CDI_VERSIONS = ("5.1", "5.2", "5.3", "5.4")
# A request body is read whole before it is parsed; larger ones are refused with 413.
DEFAULT_MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024

HOST_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("core_config_version", fields.Integer(), 0),
    ConfigKey(
        "port",
        fields.Integer(validate=validate.Range(1, 65535)),
        3567,
        upstream_env="SUPERTOKENS_PORT",
    ),
    ConfigKey("host", _Text(), "localhost", upstream_env="SUPERTOKENS_HOST"),
    ConfigKey("base_path", _Text(), "", normalise=_normalise_base_path),
    ConfigKey(
        "max_server_pool_size",
        fields.Integer(
            validate=at_least("max_server_pool_size", 1, "'max_server_pool_size' must be >= 1.")
        ),
        10,
    ),
    ConfigKey("workers", fields.Integer(validate=at_least("workers", 1)), 2),
    ConfigKey(
        "worker_class",
        _Text(
            validate=one_of(
                "worker_class", ("sync", "gthread"), "'worker_class' must be sync or gthread"
            )
        ),
        "sync",
        normalise=str.lower,
    ),
    ConfigKey("recipes", _Names(), None, normalise=_normalise_names),
    # The reverse proxies in front, whose X-Forwarded-For gives the client address the IP
    # filter reads (core_app.proxies): a count, or their networks. 0: none is believed.
    ConfigKey("trusted_proxies", _CountOrNames(), 0, normalise=_normalise_trusted_proxies),
    ConfigKey("test_mode", fields.Boolean(), False),
    ConfigKey(
        "max_request_body_bytes",
        fields.Integer(validate=at_least("max_request_body_bytes", 1)),
        DEFAULT_MAX_REQUEST_BODY_BYTES,
    ),
    ConfigKey(
        "housekeeping_interval_s",
        fields.Integer(validate=at_least("housekeeping_interval_s", 0)),
        3600,
    ),
    # None: on for an SQLite database, off for PostgreSQL and MySQL (core_app.storage)
    ConfigKey("migrate_on_start", fields.Boolean(allow_none=True), None),
    ConfigKey(
        "connection_uri",
        _Text(),
        DEFAULT_CONNECTION_URI,
        ConfigScope.TENANT,
        aliases=("postgresql_connection_uri", "mysql_connection_uri"),
        normalise=_normalise_connection_uri,
        operator_only=True,
    ),
    # A read replica of connection_uri's database for the routes that tolerate replication lag
    # (core_app.routes.route, ``replica=True``); PostgreSQL and MySQL only.
    ConfigKey(
        "read_connection_uri",
        _Text(),
        None,
        ConfigScope.TENANT,
        normalise=_normalise_read_connection_uri,
        operator_only=True,
        belongs_to="connection_uri",
    ),
    # One pool per database per worker process (core_app.storage.PoolLimits); every app and
    # tenant on one database must agree on them, since they share its engine.
    ConfigKey(
        "connection_pool_size",
        fields.Integer(
            validate=at_least(
                "connection_pool_size",
                MIN_CONNECTION_POOL_SIZE,
                f"'connection_pool_size' must be >= {MIN_CONNECTION_POOL_SIZE}: a request "
                "may hold two connections to one database at once",
            )
        ),
        DEFAULT_CONNECTION_POOL_SIZE,
        ConfigScope.TENANT,
        aliases=("postgresql_connection_pool_size", "mysql_connection_pool_size"),
        operator_only=True,
    ),
    ConfigKey(
        "minimum_idle_connections",
        fields.Integer(
            allow_none=True,
            validate=at_least(
                "minimum_idle_connections", 0, "'minimum_idle_connections' must be >= 0"
            ),
        ),
        None,
        ConfigScope.TENANT,
        aliases=("postgresql_minimum_idle_connections",),
        operator_only=True,
    ),
    ConfigKey("database_uri_allow", _Names(), None, normalise=_normalise_names),
    ConfigKey("database_sqlite_dir", _Text(), None),
    ConfigKey("database_uri_query_allow", _Names(), None, normalise=_normalise_names),
    ConfigKey("api_keys", _Text(), None, ConfigScope.APP, normalise=_normalise_api_keys),
    ConfigKey(
        "log_level",
        _Text(
            validate=one_of(
                "log_level",
                ("DEBUG", "INFO", "WARN", "ERROR", "NONE"),
                "'log_level' must be one of DEBUG, INFO, WARN, ERROR or NONE",
            )
        ),
        "INFO",
        normalise=str.upper,
    ),
    # json: one JSON object per line (core_app.logs); text: one line for a person to read.
    ConfigKey(
        "log_format",
        _Text(validate=one_of("log_format", ("json", "text"), "'log_format' must be json or text")),
        "json",
        normalise=str.lower,
    ),
    # Metrics per tenant as well as per app (core_app.metrics): one series per tenant.
    ConfigKey("metrics_tenant_label", fields.Boolean(), False),
    ConfigKey("info_log_path", _Text(), "null"),
    ConfigKey("error_log_path", _Text(), "null"),
    ConfigKey("disable_telemetry", fields.Boolean(), False, ConfigScope.APP),
    ConfigKey(
        "supertokens_max_cdi_version",
        _Text(
            validate=validate.OneOf(
                SUPPORTED_CDI_VERSIONS,
                error="'supertokens_max_cdi_version' is not a supported version",
            )
        ),
        None,
        ConfigScope.APP,
    ),
    ConfigKey(
        "supertokens_min_cdi_version",
        _Text(
            validate=validate.OneOf(
                SUPPORTED_CDI_VERSIONS,
                error="'supertokens_min_cdi_version' is not a supported version",
            )
        ),
        None,
        ConfigScope.APP,
    ),
    ConfigKey("ip_allow_regex", _Text(), None, ConfigScope.TENANT, normalise=_normalise_regex),
    ConfigKey("ip_deny_regex", _Text(), None, ConfigScope.TENANT, normalise=_normalise_regex),
    # Upstream leaves it to the SDK, since CDI 5.1, to keep a tenant to its firstFactors; an
    # app that does not trust every backend calling the core has the core refuse instead
    # (core_app.routes, ``route(..., signs_in=True)``).
    ConfigKey("enforce_login_methods", fields.Boolean(), False, ConfigScope.TENANT),
)

ConfigCheck = Callable[[Mapping[str, Any], bool], None]
"""A cross-key rule: gets the resolved values and the test-mode flag, raises ConfigError."""


def check_pool_limits(settings: Mapping[str, Any], _test_mode: bool) -> None:
    """The idle connections kept cannot outnumber the pool (upstream's rule and message)."""
    minimum = settings["minimum_idle_connections"]
    if minimum is not None and minimum > settings["connection_pool_size"]:
        raise ConfigError(
            "'minimum_idle_connections' must be less than or equal to 'connection_pool_size'"
        )


def check_read_replica(settings: Mapping[str, Any], _test_mode: bool) -> None:
    """A replica serves the same kind of database as its primary; SQLite has none."""
    replica = settings["read_connection_uri"]
    if replica is None:
        return
    try:
        primary_backend = make_url(settings["connection_uri"]).get_backend_name()
        replica_backend = make_url(replica).get_backend_name()
    except (ArgumentError, ValueError):
        raise ConfigError("'read_connection_uri' is not a database URL") from None
    if primary_backend == "sqlite" or replica_backend == "sqlite":
        raise ConfigError(
            "'read_connection_uri' is for PostgreSQL and MySQL: an SQLite "
            "database has no read replicas"
        )
    if primary_backend != replica_backend:
        raise ConfigError(
            f"'read_connection_uri' must be a {primary_backend} database, like 'connection_uri'"
        )


HOST_CHECKS: tuple[ConfigCheck, ...] = (check_pool_limits, check_read_replica)

# Upstream config.yaml keys that belong to features this core does not have (or to a
# recipe that is not installed). They are accepted in config.yaml and ignored, so an
# upstream config file works unchanged; in a coreConfig they are unknown keys.
UPSTREAM_ONLY_KEYS = frozenset(
    {
        "supertokens_saas_secret",
        "supertokens_saas_load_only_cud",
        "oauth_provider_public_service_url",
        "oauth_provider_admin_service_url",
        "oauth_provider_consent_login_base_url",
        "oauth_provider_url_configured_in_oauth_provider",
        "oauth_client_secret_encryption_key",
        "saml_legacy_acs_url",
        "saml_sp_entity_id",
        "saml_claims_validity",
        "saml_relay_state_validity",
        "bulk_migration_parallelism",
        "bulk_migration_batch_size",
        "otel_collector_connection_uri",
        "deadlock_logger_enable",
        # Above minimum_idle_connections a returned connection is closed at once (README).
        "webserver_https_enabled",
        "postgresql_idle_connection_timeout",
        "postgresql_table_schema",
        "postgresql_table_names_prefix",
        # keys of the built-in recipes, for a deployment that disables the recipe
        "access_token_validity",
        "refresh_token_validity",
        "access_token_dynamic_signing_key_update_interval",
        "access_token_signing_key_update_interval",
        "access_token_validity_jitter",
        "refresh_token_rotation_grace_period",
        "recent_token_reuse_behaviour",
        "access_token_signing_key_dynamic",
        "access_token_blacklisting",
        "password_hashing_alg",
        "bcrypt_log_rounds",
        "argon2_iterations",
        "argon2_memory_kb",
        "argon2_parallelism",
        "argon2_hashing_pool_size",
        "firebase_password_hashing_signer_key",
        "firebase_password_hashing_pool_size",
        "password_reset_token_lifetime",
        "email_verification_token_lifetime",
        "passwordless_max_code_input_attempts",
        "passwordless_code_lifetime",
        "totp_max_attempts",
        "totp_rate_limit_cooldown_sec",
        "webauthn_recover_account_token_lifetime",
    }
)


@dataclass
class ConfigSchema:
    """Every key the running core knows: the host's plus each enabled recipe's."""

    keys: dict[str, ConfigKey] = field(default_factory=dict)
    checks: list[ConfigCheck] = field(default_factory=list)

    def add(self, keys: Iterable[ConfigKey], checks: Iterable[ConfigCheck] = ()) -> None:
        """Register keys (a name may be declared once) and cross-key checks."""
        for key in keys:
            if key.name in self.keys:
                raise ConfigError(f"config key '{key.name}' is declared twice")
            self.keys[key.name] = key
        self.checks.extend(checks)

    def canonical_name(self, name: str) -> str | None:
        """The key a name refers to, following aliases; None when unknown."""
        if name in self.keys:
            return name
        for key in self.keys.values():
            if name in key.aliases:
                return key.name
        return None

    def resolve(self, layers: Iterable[Mapping[str, Any]], test_mode: bool) -> "Settings":
        """Typed values from the defaults up through each layer of raw overrides."""
        raw: dict[str, Any] = {}
        for layer in layers:
            named = {self.canonical_name(name) for name in layer}
            for key in self.keys.values():
                if key.belongs_to in named and key.name not in named:
                    raw.pop(key.name, None)
            for name, value in layer.items():
                canonical = self.canonical_name(name)
                if canonical is None:
                    continue
                if value is None:
                    raw.pop(canonical, None)
                else:
                    raw[canonical] = value
        values = {}
        for name, key in self.keys.items():
            if name in raw:
                values[name] = key.coerce(raw[name])
            elif key.normalise is not None and key.default is not None:
                # A default is written as an operator would write it (a relative SQLite
                # path), so it takes the same normalisation as a value from the file.
                values[name] = key.normalise(key.default)
            else:
                values[name] = key.default
        settings = Settings(values)
        for check in self.checks:
            check(settings, test_mode)
        return settings


class Settings(Mapping[str, Any]):
    """Resolved, typed configuration values of one tenant (or of the base config)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


# --- the base layer: file and environment ------------------------------------------------


def config_file_path() -> Path:
    """The config file named by ``SUPERTOKENS_CONFIG``, else ``./config.yaml``."""
    return Path(os.environ.get(CONFIG_FILE_ENV) or DEFAULT_CONFIG_FILE)


def read_config_file(path: Path) -> dict[str, Any]:
    """The key/value pairs of a YAML config file; a missing default file is empty."""
    if not path.exists():
        if os.environ.get(CONFIG_FILE_ENV):
            raise ConfigError(f"config file {path} (from {CONFIG_FILE_ENV}) does not exist")
        return {}
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {path} is not valid YAML: {error}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"config file {path} must be a mapping of keys to values")
    return {str(name): value for name, value in loaded.items()}


def _unwrap_env(value: str) -> str:
    # Upstream's Docker image accepts "quoted" values with C-like escapes.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
        value = re.sub(
            r'\\([nt"\\])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value
        )
    return value


def read_environment(schema: ConfigSchema, environ: Mapping[str, str]) -> dict[str, Any]:
    """Overrides from ``SUPERTOKENS_<KEY>`` (or the upstream variable name)."""
    found: dict[str, Any] = {}
    for key in schema.keys.values():
        for variable in _variables_of(key):
            value = environ.get(variable)
            if value:
                found[key.name] = _unwrap_env(value)
                break
    return found


def _variables_of(key: ConfigKey) -> list[str]:
    """Every environment variable that sets ``key``, its aliases' too, strongest first."""
    variables = []
    for name in [key.name, *key.aliases]:
        probe = ConfigKey(
            name, key.field, upstream_env=key.upstream_env if name == key.name else None
        )
        variables.extend(probe.env_names())
    return variables


def environment_variables(key: ConfigKey) -> list[str]:
    """Every environment variable that sets ``key``, strongest first (``config show``)."""
    return _variables_of(key)


def check_file_keys(
    schema: ConfigSchema,
    file_values: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
    disabled: Mapping[str, Iterable[ConfigKey]] | None = None,
) -> list[str]:
    """Refuse a config file key nobody declares, naming it; warn of disabled recipes' keys.

    ``disabled`` maps each installed recipe that is not enabled to its keys. Such a key, set
    in the file or in ``environ``, has no effect, and is answered with a warning naming the
    recipe and the key, so that disabling a recipe does not mean editing the config. A
    recipe's own declaration of a key wins over ``UPSTREAM_ONLY_KEYS``.
    """
    owners: dict[str, list[str]] = {}  # a disabled recipe's key or alias -> its recipes
    variables: dict[str, str] = {}  # an environment variable -> the disabled key it sets
    declared = {variable for key in schema.keys.values() for variable in _variables_of(key)}
    for recipe, keys in (disabled or {}).items():
        for key in keys:
            if key.name in schema.keys:
                continue  # the host or an enabled recipe declares it, and that one applies
            for name in (key.name, *key.aliases):
                owners.setdefault(name, []).append(recipe)
            for variable in _variables_of(key):
                if variable not in declared:
                    variables.setdefault(variable, key.name)

    def not_enabled(name: str) -> str:
        recipes = ", ".join(f"'{recipe}'" for recipe in owners[name])
        return (
            f"of recipe {recipes}, which is installed but not enabled (see 'recipes'): "
            "it has no effect"
        )

    warnings = []
    for name in file_values:
        if schema.canonical_name(name) is not None:
            continue
        if name in owners:
            warnings.append(f"config key '{name}' in the config file is a key " + not_enabled(name))
        elif name not in UPSTREAM_ONLY_KEYS:
            raise ConfigError(f"unknown config key '{name}' in the config file")
    for variable, name in variables.items():
        if environ is not None and environ.get(variable):
            warnings.append(
                f"environment variable {variable} sets config key '{name}' " + not_enabled(name)
            )
    return warnings
