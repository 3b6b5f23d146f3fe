"""Recipe plugins: what a recipe describes itself as, and the one plugin manager.

Built-in recipes and third-party ones load the same way, from the entry-point group
``supertokens_core.recipes``; ``recipes:`` in the config picks which are enabled. The
host registers its own tables and routes directly; a host feature that answers a hook
(throttling's housekeeping) is registered as a plugin too.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from flask import Blueprint
from sqlalchemy import Connection, Table
from sqlalchemy.exc import IntegrityError

from core_app import hookspecs
from core_app.config import ConfigCheck, ConfigError, ConfigKey
from core_app.tenant_prefix import TenantIdentifier

ENTRY_POINT_GROUP = "supertokens_core.recipes"
TRACE_ENV = "SUPERTOKENS_TRACE_HOOKS"

log = logging.getLogger("core_app.recipes")


# The plugin API's version (core_app.plugin_api); a recipe names the one it was written for.
API_VERSION = "1.1"


@dataclass(frozen=True)
class RecipeDescriptor:
    """What a recipe is and brings, returned once by its ``st_recipe`` hook.

    The host registers all of it: the config keys join the host's (``config.yaml``, the
    environment and ``coreConfig`` can set them), the tables are created and migrated in
    every database the core uses, the blueprints' routes are served.
    """

    id: str
    # First-factor ids of CDI 5.1+ this recipe signs users in with ("emailpassword",
    # "otp-email", ...): a tenant's ``firstFactors`` enable them.
    first_factors: tuple[str, ...] = ()
    config_keys: tuple[ConfigKey, ...] = ()
    config_checks: tuple[ConfigCheck, ...] = ()
    # Declared on the recipe's own MetaData; see core_app.plugin_api.tables.
    tables: tuple[Table, ...] = ()
    # Each view declared with core_app.plugin_api.route.
    blueprints: tuple[Blueprint, ...] = ()
    # The directory of the recipe's Alembic branch (``migrations_directory(__file__)``);
    # None: its tables are created once and never altered.
    migrations: str | None = None
    # The plugin API version the recipe was written against (see API_VERSION).
    requires_api: str = "1.0"
    # How upstream names the login method in its 403 "<name> login not enabled for tenant"
    # ("Email password"); needed with ``route(..., signs_in=True)`` views.
    # Last, so that a 1.0 recipe building the descriptor positionally keeps working.
    login_method_name: str | None = None
    # Data the recipe keeps under user ids, which the host removes with the users (UserData).
    user_data: UserData | None = None
    # Where a login recipe keeps its users, which the host reads for user objects, account
    # info, search and tenant association (RecipeUsers).
    users: RecipeUsers | None = None


@dataclass(frozen=True)
class LoginMethod:
    """One recipe user, as a recipe reports it for the user object (``st_login_methods``)."""

    recipe_id: str
    user_id: str
    time_joined: int
    email: str | None = None
    phone_number: str | None = None
    third_party: tuple[str, str] | None = None  # (thirdPartyId, thirdPartyUserId)
    verified: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UserData:
    """Data a recipe keeps under user ids (sessions, metadata, roles, ...), declared on its
    descriptor so the host keeps it in step with the users, in every database of the app.

    The ids are the ones callers see: the external id when a user is mapped. The host calls
    ``delete`` when users are deleted (with the ids whose data goes, ``data_user_ids``),
    ``delete_in_tenant`` when a user leaves a tenant, and ``exists`` before a user-id mapping
    would hide the data (the mapping is then refused with "UserId is already in use in
    <name> recipe"). A recipe needing more (moving data on a mapping) implements the
    user-data hooks itself.
    """

    name: str  # upstream's name of the recipe in that message: "UserMetadata", "Session", ...
    delete: Callable[[Connection, str, list[str]], None]  # (conn, app_id, user ids)
    exists: Callable[[Connection, str, str], bool]  # (conn, app_id, user id)
    # (conn, tenant, user id); None: the data is not per tenant
    delete_in_tenant: Callable[[Connection, TenantIdentifier, str], None] | None = None


class UserDataHooks:
    """The user-data hooks of one recipe's ``UserData``, registered by the host in its name."""

    def __init__(self, data: UserData):
        self.data = data

    @hookspecs.hookimpl
    def st_user_deleted(self, conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
        """The deleted users' data, unless their linked group lives on and keeps it."""
        ids = data_user_ids(users)
        if ids:
            self.data.delete(conn, app_id, ids)

    @hookspecs.hookimpl
    def st_user_tenant_removed(
        self, conn: Connection, tenant: TenantIdentifier, user_id: str, data_user_id: str
    ) -> None:
        """The data a user had in the tenant it leaves."""
        if self.data.delete_in_tenant is not None:
            self.data.delete_in_tenant(conn, tenant, data_user_id)

    @hookspecs.hookimpl
    def st_user_data_kept(self, conn: Connection, app_id: str, user_id: str) -> str | None:
        """The recipe's name when it keeps data under ``user_id``."""
        return self.data.name if self.data.exists(conn, app_id, user_id) else None


# The search tags of UserSearch, by the name a RecipeUsers declares them with.
SEARCH_TAGS = ("email", "phone", "provider")


@dataclass(frozen=True)
class RecipeUsers:
    """Where a login recipe keeps its users, declared on its descriptor; the host answers
    the user hooks (``st_login_methods``, ``st_recipe_users_with_account_info``,
    ``st_search_recipe_users``, ``st_user_tenant_added``) with it, in the recipe's name.

    Every callable receives the connection of the database the call is about.
    ``add_to_tenant`` writes the recipe's per-tenant row and lets the database's
    ``IntegrityError`` out when a uniqueness rule of the tenant refuses it; the host runs
    it in a savepoint and answers ``tenant_conflict`` (a status, or a function of
    ``(conn, tenant, user_id)`` choosing one). ``search`` is asked only when every tag of
    the search is one of ``search_tags``.
    """

    login_methods: Callable[[Connection, str, list[str]], list[LoginMethod]]  # app id, ids
    with_account_info: Callable[[Connection, TenantIdentifier, AccountInfo], list[str]]
    search: Callable[[Connection, TenantIdentifier, UserSearch, int], list[str]]  # limit
    search_tags: frozenset[str]  # of SEARCH_TAGS: what the recipe's login methods hold
    add_to_tenant: Callable[[Connection, TenantIdentifier, str], None]
    tenant_conflict: str | Callable[[Connection, TenantIdentifier, str], str]

    def __post_init__(self) -> None:
        unknown = set(self.search_tags) - set(SEARCH_TAGS)
        if unknown:
            raise ValueError(f"unknown search tags {sorted(unknown)}; known: {SEARCH_TAGS}")


class RecipeUsersHooks:
    """The user hooks of one login recipe's ``RecipeUsers``, registered by the host."""

    def __init__(self, recipe_id: str, users: RecipeUsers):
        self.recipe_id = recipe_id
        self.users = users

    @hookspecs.hookimpl
    def st_login_methods(
        self, conn: Connection, app_id: str, user_ids: list[str]
    ) -> list[LoginMethod]:
        """The recipe's login methods among ``user_ids``."""
        return self.users.login_methods(conn, app_id, user_ids)

    @hookspecs.hookimpl
    def st_recipe_users_with_account_info(
        self, conn: Connection, tenant: TenantIdentifier, account: AccountInfo
    ) -> list[str]:
        """The recipe's users of the tenant holding ``account``."""
        return self.users.with_account_info(conn, tenant, account)

    @hookspecs.hookimpl
    def st_search_recipe_users(
        self, conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
    ) -> list[str]:
        """The recipe's matches, when its login methods can hold every tag searched for."""
        given = {
            tag
            for tag, values in zip(
                SEARCH_TAGS, (search.emails, search.phone_numbers, search.third_party_ids)
            )
            if values
        }
        if not given or not given <= self.users.search_tags:
            return []
        return self.users.search(conn, tenant, search, limit)

    @hookspecs.hookimpl
    def st_user_tenant_added(
        self, conn: Connection, tenant: TenantIdentifier, user_id: str, recipe_id: str
    ) -> str | None:
        """The recipe's per-tenant row, or the status of the uniqueness rule it breaks."""
        if recipe_id != self.recipe_id:
            return None
        try:
            with conn.begin_nested():
                self.users.add_to_tenant(conn, tenant, user_id)
        except IntegrityError:
            conflict = self.users.tenant_conflict
            return conflict if isinstance(conflict, str) else conflict(conn, tenant, user_id)
        return None


def register_declared_hooks(manager: pluggy.PluginManager, recipes: list[RecipeDescriptor]) -> None:
    """Register the hooks the descriptors declare: ``UserData`` and ``RecipeUsers``."""
    for recipe in recipes:
        if recipe.user_data is not None:
            manager.register(UserDataHooks(recipe.user_data), name=f"{recipe.id}:user-data")
        if recipe.users is not None:
            manager.register(RecipeUsersHooks(recipe.id, recipe.users), name=f"{recipe.id}:users")


@dataclass(frozen=True)
class DeletedUser:
    """A recipe user being deleted: the SuperTokens id and the id its user data is kept under."""

    user_id: str
    data_user_id: str
    with_user_data: bool = True  # False: only the login method goes, its group keeps the data


def data_user_ids(users: list[DeletedUser]) -> list[str]:
    """The ids whose user data goes with the deleted ``users`` (``st_user_deleted``): not
    those whose linked group lives on and keeps it."""
    return [user.data_user_id for user in users if user.with_user_data]


@dataclass(frozen=True)
class AccountInfo:
    """One identifying item of a login method, normalised.

    As ``st_recipe_users_with_account_info`` receives it.
    """

    email: str | None = None
    phone_number: str | None = None
    third_party: tuple[str, str] | None = None  # (thirdPartyId, thirdPartyUserId)
    webauthn_credential_id: str | None = None


@dataclass(frozen=True)
class UserSearch:
    """The dashboard's search tags (``st_search_recipe_users``), trimmed and lower-cased.

    A login method matches ``emails`` when one value is a prefix of its email or of the
    part after the ``@``; ``phone_numbers`` and ``third_party_ids`` match by prefix. An
    empty tuple means the tag was not given.
    """

    emails: tuple[str, ...] = ()
    phone_numbers: tuple[str, ...] = ()
    third_party_ids: tuple[str, ...] = ()


def installed_recipes() -> dict[str, Any]:
    """Every installed recipe entry point, by name."""
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def build_plugin_manager(
    enabled: tuple[str, ...] | None, host_plugins: list[Any]
) -> pluggy.PluginManager:
    """Load the host's plugins and the enabled recipes into one plugin manager.

    ``enabled`` None means every installed recipe. A name that is not installed stops
    start-up with a message naming it.
    """
    manager = pluggy.PluginManager("supertokens_core")
    manager.add_hookspecs(hookspecs)
    for plugin in host_plugins:
        manager.register(plugin, name=f"core_app:{plugin.__name__}")

    installed = installed_recipes()
    names = list(installed) if enabled is None else list(enabled)
    unknown = [name for name in names if name not in installed]
    if unknown:
        raise ConfigError(
            f"recipe '{unknown[0]}' in 'recipes' is not installed; installed recipes: "
            f"{', '.join(sorted(installed)) or 'none'}"
        )
    for name in names:
        manager.register(installed[name].load(), name=name)
    try:
        # A hook implementation whose name no hook has (a typo) would never be called.
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        raise ConfigError(f"recipe '{manager.get_name(error.plugin)}': {error}") from None

    if os.environ.get(TRACE_ENV, "").lower() in ("1", "true", "yes"):
        manager.trace.root.setwriter(lambda message: log.info("hook %s", message.rstrip()))
        manager.enable_tracing()
    return manager


def recipe_descriptors(manager: pluggy.PluginManager) -> list[RecipeDescriptor]:
    """The descriptors of the enabled recipes, each checked against this core's plugin API.

    A recipe that needs a plugin API this core does not offer stops the start, named.
    """
    descriptors = []
    for implementation in manager.hook.st_recipe.get_hookimpls():
        descriptor = implementation.function()
        if not isinstance(descriptor, RecipeDescriptor):
            raise ConfigError(
                f"recipe '{implementation.plugin_name}': st_recipe must return a RecipeDescriptor"
            )
        if not api_satisfies(descriptor.requires_api):
            raise ConfigError(
                f"recipe '{implementation.plugin_name}' needs plugin API "
                f"{descriptor.requires_api}; this core offers {API_VERSION} (same major "
                "version, minor at least the recipe's)"
            )
        descriptors.append(descriptor)
    return descriptors


def api_satisfies(required: str) -> bool:
    """Whether this core's plugin API serves a recipe written against ``required``."""
    try:
        major, minor = (int(part) for part in required.split("."))
    except ValueError:
        return False
    offered_major, offered_minor = (int(part) for part in API_VERSION.split("."))
    return major == offered_major and minor <= offered_minor


def migrations_directory(package_file: str) -> str:
    """The ``migrations/`` directory beside a recipe package's ``__init__.py``, for
    ``RecipeDescriptor.migrations``.

    Ship it inside the package (with an ``__init__.py``, so it is installed). The first
    script has ``down_revision = None``, a ``branch_labels`` entry naming the recipe,
    ``depends_on = "host_0001"`` (the host's baseline, which creates ``apps`` and
    ``tenants``) and creates the descriptor's tables; every later change of those tables is
    a new script on the branch. Revision ids are global: prefix them with the recipe's name.
    Scripts never import the live table definitions.
    """
    return str(Path(package_file).resolve().with_name("migrations"))
