"""The rules of apps, tenants, their configuration and third-party providers.

Functions take the request's transaction pieces (connections) and the directory; they
never open transactions themselves.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from sqlalchemy import Connection

from core_app.config import ConfigError, ConfigScope
from core_app.errors import BadRequest, Forbidden
from core_app.tenancy import store
from core_app.tenancy.directory import TenantDirectory
from core_app.tenant_prefix import PUBLIC, TenantIdentifier


def tenant_config_json(
    record: store.TenantRecord, providers: list[dict[str, Any]]
) -> dict[str, Any]:
    """The "tenant config v2" object of the contract (multitenancy §3.2)."""
    body: dict[str, Any] = {
        "tenantId": record.tenant.tenant_id,
        "thirdParty": {"providers": providers},
        "coreConfig": record.core_config,
    }
    if record.first_factors is not None:
        body["firstFactors"] = record.first_factors
    if record.required_secondary_factors is not None:
        body["requiredSecondaryFactors"] = record.required_secondary_factors
    return body


def merge_core_config(stored: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """Keys in ``change`` replace stored ones; a key set to null is removed."""
    merged = dict(stored)
    for name, value in change.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return merged


def check_core_config(
    directory: TenantDirectory,
    conn: Connection,
    target: TenantIdentifier,
    change: Mapping[str, Any],
    merged: Mapping[str, Any],
    by_operator: bool,
) -> None:
    """Refuse a ``coreConfig`` the contract refuses (multitenancy §1.3), 400 otherwise.

    Database settings are the operator's: only a request with the operator's api key may
    change them (403 otherwise), and only to a database the operator's policy allows (400).
    """
    if target.is_base and change:
        raise BadRequest("Cannot modify base config")
    schema = directory.schema
    for name in change:
        canonical = schema.canonical_name(name)
        if canonical is None:
            raise _invalid_config(f"Invalid config key: {name}")
        if schema.keys[canonical].scope is ConfigScope.BASE:
            raise _invalid_config(f"{name} can only be set via the core's base config setting")
    operator_only = [
        name for name in change if schema.keys[schema.canonical_name(name) or name].operator_only
    ]
    if operator_only and not by_operator:
        raise Forbidden(OPERATOR_ONLY_MESSAGE.format(", ".join(sorted(operator_only))))

    records = {
        r.tenant.tenant_id: r
        for r in store.load_tenants(conn, target.connection_uri_domain, target.app_id)
    }
    app_config = (
        merged
        if target.is_public_tenant
        else (records[PUBLIC].core_config if PUBLIC in records else {})
    )
    try:
        app_settings = directory.resolve(app_config)
        target_settings = (
            app_settings if target.is_public_tenant else directory.resolve(app_config, merged)
        )
        if operator_only:
            directory.storage.policy.check(target_settings.connection_uri)
            if target_settings.read_connection_uri is not None:
                directory.storage.policy.check(
                    target_settings.read_connection_uri, "read_connection_uri"
                )
    except ConfigError as error:
        raise _invalid_config(str(error)) from None
    if operator_only:
        disagreement = directory.database_disagreement(conn, target, merged)
        if disagreement:
            raise _invalid_config(disagreement)

    # An app-wide key may be repeated on a tenant only with the app's own value.
    app_keys = [key for key in schema.keys.values() if key.scope is ConfigScope.APP]
    tenant_configs = {tid: r.core_config for tid, r in records.items() if tid != PUBLIC}
    if not target.is_public_tenant:
        tenant_configs[target.tenant_id] = dict(merged)
    for tenant_id, own in tenant_configs.items():
        named = {schema.canonical_name(name) for name in own}
        clashing = [key for key in app_keys if key.name in named]
        if not clashing:
            continue
        settings = directory.resolve(app_config, own)
        for key in clashing:
            if settings[key.name] != app_settings[key.name]:
                raise _invalid_config(
                    f"You cannot set different values for {key.name} for the same appId"
                )


OPERATOR_ONLY_MESSAGE = (
    "Only the operator's api key (from the core's config file or environment) "
    "can set database settings: {}"
)


def _invalid_config(reason: str) -> BadRequest:
    return BadRequest(f"Invalid core config: {reason}")


def upsert_tenant(
    directory: TenantDirectory,
    base_conn: Connection,
    target: TenantIdentifier,
    fields: Mapping[str, Any],
    new_first_factors: list[str] | None,
    by_operator: bool,
) -> tuple[bool, store.TenantRecord]:
    """Create or update a tenant's config row; returns (created, record).

    ``by_operator``: the request carries the operator's api key (may set database settings).
    """
    change = fields.get("coreConfig") or {}
    existing = store.lock_tenant(base_conn, target)
    stored = existing.core_config if existing else {}
    merged = merge_core_config(stored, change)
    check_core_config(directory, base_conn, target, change, merged, by_operator)

    def pick(name: str, current: Any) -> Any:
        return fields[name] if name in fields else current

    first = pick("firstFactors", existing.first_factors if existing else new_first_factors)
    secondary = pick(
        "requiredSecondaryFactors", existing.required_secondary_factors if existing else None
    )
    record = store.TenantRecord(target, merged, first, secondary or None)
    created = False
    if existing is None:
        created = store.insert_tenant(base_conn, record)
    if not created:
        store.update_tenant(base_conn, record)
    directory.forget_app(target.connection_uri_domain, target.app_id)
    return created, record


def data_connection_uri(
    directory: TenantDirectory, record: store.TenantRecord, app_config: Mapping[str, Any]
) -> str:
    """The database a tenant's data lives in, from its (new) config."""
    tenant_config = None if record.tenant.is_public_tenant else record.core_config
    return directory.stored_database(app_config, tenant_config)


# --- third-party providers (multitenancy §4) --------------------------------------------

THIRD_PARTY_ID_MAX_LENGTH = 28
# A provider is stored as one JSON text; MySQL's TEXT holds 65,535 bytes (the JSON is ASCII).
PROVIDER_MAX_SIZE = 65_535
_CLIENT_STRING_FIELDS = ("clientType", "clientId", "clientSecret")
_PROVIDER_STRING_FIELDS = (
    "name",
    "authorizationEndpoint",
    "tokenEndpoint",
    "userInfoEndpoint",
    "jwksURI",
    "oidcDiscoveryEndpoint",
)
_PROVIDER_OBJECT_FIELDS = (
    "authorizationEndpointQueryParams",
    "tokenEndpointBodyParams",
    "userInfoEndpointQueryParams",
    "userInfoEndpointHeaders",
)


def _field_type_error(name: str) -> BadRequest:
    return BadRequest(f"Field name '{name}' is invalid in JSON input")


def normalise_provider(config: Mapping[str, Any]) -> dict[str, Any]:
    """A provider object with types checked, absent fields omitted, defaults filled."""
    third_party_id = config.get("thirdPartyId")
    if not isinstance(third_party_id, str):
        raise _field_type_error("thirdPartyId")
    provider: dict[str, Any] = {"thirdPartyId": third_party_id.strip()}
    if len(provider["thirdPartyId"]) > THIRD_PARTY_ID_MAX_LENGTH:
        # Upstream's column limit, where its database would answer a 500.
        raise BadRequest(
            f"Field name 'thirdPartyId' must be at most {THIRD_PARTY_ID_MAX_LENGTH} characters"
        )
    for name in _PROVIDER_STRING_FIELDS:
        if config.get(name) is not None:
            if not isinstance(config[name], str):
                raise _field_type_error(name)
            provider[name] = config[name]
    for name in _PROVIDER_OBJECT_FIELDS:
        if config.get(name) is not None:
            if not isinstance(config[name], dict):
                raise _field_type_error(name)
            provider[name] = config[name]
    if config.get("requireEmail") is not None:
        if not isinstance(config["requireEmail"], bool):
            raise _field_type_error("requireEmail")
        provider["requireEmail"] = config["requireEmail"]

    clients = config.get("clients") or []
    if not isinstance(clients, list) or not all(isinstance(c, dict) for c in clients):
        raise _field_type_error("clients")
    provider["clients"] = [_normalise_client(client) for client in clients]

    user_info_map = config.get("userInfoMap") or {}
    if not isinstance(user_info_map, dict):
        raise _field_type_error("userInfoMap")
    provider["userInfoMap"] = {}
    for source in ("fromIdTokenPayload", "fromUserInfoAPI"):
        mapping = user_info_map.get(source) or {}
        if not isinstance(mapping, dict):
            raise _field_type_error(source)
        provider["userInfoMap"][source] = {
            key: mapping[key]
            for key in ("userId", "email", "emailVerified")
            if isinstance(mapping.get(key), str)
        }
    return provider


def _normalise_client(client: Mapping[str, Any]) -> dict[str, Any]:
    normalised: dict[str, Any] = {}
    for name in _CLIENT_STRING_FIELDS:
        if client.get(name) is not None:
            if not isinstance(client[name], str):
                raise _field_type_error(name)
            normalised[name] = client[name]
    if "scope" in client and client["scope"] is not None:
        if not isinstance(client["scope"], list):
            raise _field_type_error("scope")
        normalised["scope"] = client["scope"]
    if client.get("forcePKCE") is not None:
        if not isinstance(client["forcePKCE"], bool):
            raise _field_type_error("forcePKCE")
        normalised["forcePKCE"] = client["forcePKCE"]
    if client.get("additionalConfig") is not None:
        if not isinstance(client["additionalConfig"], dict):
            raise _field_type_error("additionalConfig")
        normalised["additionalConfig"] = client["additionalConfig"]
    return normalised


def check_provider(provider: Mapping[str, Any], skip_validation: bool) -> None:
    """The provider rules of multitenancy §4.2; duplicates are checked even when skipped."""
    if len(json.dumps(provider)) > PROVIDER_MAX_SIZE:
        raise BadRequest(
            f"Field name 'config' must be at most {PROVIDER_MAX_SIZE} characters as JSON"
        )
    third_party_id = provider["thirdPartyId"]
    if not skip_validation and not third_party_id:
        raise _invalid_provider("thirdPartyId cannot be null or empty")
    client_types = [client.get("clientType") for client in provider["clients"]]
    if len(set(client_types)) != len(client_types):
        raise _invalid_provider("Duplicate clientType was specified in the clients list.")
    if skip_validation:
        return
    for client in provider["clients"]:
        if client.get("clientId") is None:
            raise _invalid_provider("clientId cannot be null")
        if any(item is None for item in client.get("scope", [])):
            raise _invalid_provider("scope array cannot contain a null")
    for client in provider["clients"]:
        extra = client.get("additionalConfig") or {}
        if third_party_id.startswith("apple"):
            if not all(
                isinstance(extra.get(k), str) and extra.get(k)
                for k in ("keyId", "teamId", "privateKey")
            ):
                raise _invalid_provider(
                    "a non empty string value must be specified for keyId, teamId and "
                    "privateKey in the additionalConfig for Apple provider"
                )
        if third_party_id.startswith("google-workspaces") and "hd" in extra:
            if not isinstance(extra["hd"], str) or not extra["hd"]:
                raise _invalid_provider("hd in additionalConfig must be a non empty string value")
        if third_party_id.startswith("boxy-saml") and "boxyURL" in extra:
            if not isinstance(extra["boxyURL"], str) or not extra["boxyURL"]:
                raise _invalid_provider(
                    "a non empty string value must be specified for boxyURL in the "
                    "additionalConfig for Boxy SAML provider"
                )


def _invalid_provider(reason: str) -> BadRequest:
    return BadRequest(f"Invalid third party config: {reason}")
