"""The plugin API: everything a recipe may use from the host, and nothing else.

A recipe (built-in or third-party) imports only this package and its submodules:

- ``core_app.plugin_api``: the hook marker, the recipe descriptor, route declaration and
  scopes, the request context, errors and outcomes, input fields with upstream's messages,
  config keys, transactions and the helpers for races, tenants, account info;
- ``core_app.plugin_api.tables``: column helpers for the recipe's tables;
- ``core_app.plugin_api.users``: user objects, user ids across mappings, the user index and
  account-linking groups (for login recipes);
- ``core_app.plugin_api.throttling``: counters and limits for guessing and flooding;
- ``core_app.testing``: the pytest plugin for a recipe's own tests.

Every other module of ``core_app`` is private and may change in any release. ``API_VERSION``
follows the rules of semantic versioning for this surface: a recipe states the version it
was written against (``RecipeDescriptor.requires_api``); the core starts it when the major
numbers match and the core's minor number is at least the recipe's, and refuses it at start,
naming it, otherwise. The guide is ``docs/recipes.md``.
"""

from __future__ import annotations

import re

from core_app.account_info import normalise_email, normalise_phone_number
from core_app.config import (
    ConfigCheck,
    ConfigError,
    ConfigKey,
    ConfigScope,
    Settings,
    at_least,
    one_of,
)
from core_app.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    ProtocolError,
    ServiceUnavailable,
    StatusOutcome,
    TooManyRequests,
    invalid_field,
    json_response,
    tenant_not_found,
)
from core_app.hookspecs import hookimpl
from core_app.inputs import (
    CONTACT_MAX_LENGTH,
    JsonArray,
    JsonBoolean,
    JsonLong,
    JsonObject,
    JsonString,
    NormalisedEmail,
    NormalisedPhoneNumber,
    QueryBoolean,
    QueryInt,
    QueryLong,
    QueryString,
    RequestSchema,
)
from core_app.plugin_api.tables import lock_row
from core_app.recipes import (
    API_VERSION,
    AccountInfo,
    DeletedUser,
    LoginMethod,
    RecipeDescriptor,
    RecipeUsers,
    UserData,
    UserSearch,
    data_user_ids,
    migrations_directory,
)
from core_app.routes import RID_DEFAULT, RequestContext, Scope, route
from core_app.storage import (
    Storage,
    Transaction,
    insert_ignoring_duplicates,
    insert_or_add,
    transaction,
)
from core_app.tenancy.store import put_value_if_absent, read_value
from core_app.tenant_prefix import DEFAULT_CONNECTION_URI_DOMAIN, PUBLIC, TenantIdentifier

# An event name: what a dashboard shows, so short, lower-case, and never built from input.
_EVENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def count_event(recipe_id: str, event: str, app_id: str) -> None:
    """Count one ``event`` of the recipe in the app, on ``GET /metrics``
    (``supertokens_recipe_events_total{app, recipe, event}``; since API 1.1).

    For what the routes' answers do not show (the session recipe counts its signing-key
    rotations). ``event`` is a fixed name of the recipe's (``[a-z][a-z0-9_]*``, at most 64
    characters), never a value from a request: each name is a series of its own.
    """
    from core_app.metrics import record_recipe_event

    if not _EVENT_NAME.fullmatch(event):
        raise ValueError(f"event name {event!r} is not [a-z][a-z0-9_]* of at most 64 characters")
    record_recipe_event(recipe_id, event, app_id)


__all__ = [
    "API_VERSION",
    # describing a recipe
    "RecipeDescriptor",
    "count_event",
    "hookimpl",
    "migrations_directory",
    # routes and requests
    "route",
    "Scope",
    "RID_DEFAULT",
    "RequestContext",
    # answers and errors
    "StatusOutcome",
    "ProtocolError",
    "BadRequest",
    "Forbidden",
    "NotFound",
    "TooManyRequests",
    "ServiceUnavailable",
    "invalid_field",
    "tenant_not_found",
    "json_response",
    # input fields (upstream's messages)
    "RequestSchema",
    "JsonString",
    "JsonBoolean",
    "JsonLong",
    "JsonObject",
    "JsonArray",
    "NormalisedEmail",
    "NormalisedPhoneNumber",
    "QueryString",
    "QueryBoolean",
    "QueryInt",
    "QueryLong",
    "CONTACT_MAX_LENGTH",
    # configuration
    "ConfigKey",
    "ConfigScope",
    "ConfigCheck",
    "ConfigError",
    "Settings",
    "at_least",
    "one_of",
    # storage: transactions and statements that stay correct under concurrency
    "Storage",
    "Transaction",
    "transaction",
    "insert_ignoring_duplicates",
    "insert_or_add",
    "lock_row",
    "read_value",
    "put_value_if_absent",
    # tenants and account info
    "TenantIdentifier",
    "PUBLIC",
    "DEFAULT_CONNECTION_URI_DOMAIN",
    "AccountInfo",
    "LoginMethod",
    "DeletedUser",
    "data_user_ids",
    "UserSearch",
    "UserData",
    "RecipeUsers",
    "normalise_email",
    "normalise_phone_number",
]
