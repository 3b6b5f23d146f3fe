"""Recipe plugins: what a recipe describes itself as, and the one plugin manager.

Built-in recipes and third-party ones load the same way, from the entry-point group
``supertokens_core.recipes``; ``recipes:`` in the config picks which are enabled. The
host's own features (multitenancy, /hello, /apiversion) are registered as plugins too.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from core_app import hookspecs
from core_app.config import ConfigCheck, ConfigError, ConfigKey

ENTRY_POINT_GROUP = "supertokens_core.recipes"
TRACE_ENV = "SUPERTOKENS_TRACE_HOOKS"

log = logging.getLogger("core_app.recipes")


@dataclass(frozen=True)
class RecipeDescriptor:
    """What a recipe tells the host about itself (``st_recipe``)."""

    id: str
    first_factors: tuple[str, ...] = ()
    config_keys: tuple[ConfigKey, ...] = ()
    config_checks: tuple[ConfigCheck, ...] = ()


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
class DeletedUser:
    """A recipe user being deleted: the SuperTokens id and the id its user data is kept under."""

    user_id: str
    data_user_id: str
    with_user_data: bool = True  # False: only the login method goes, its group keeps the data


@dataclass(frozen=True)
class AccountInfo:
    """One identifying item of a login method, normalised (``st_recipe_users_with_account_info``)."""

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


def declare_tables(metadata: Any, tables: tuple[Any, ...]) -> None:
    """Put a recipe's tables (declared on its own ``MetaData`` in store.py) on the host's.

    What most ``st_tables`` implementations do.
    """
    for table in tables:
        table.to_metadata(metadata)


def request_schemas(module: Any) -> dict[str, Any]:
    """A schemas module's request schemas by name (classes named ``...Body``/``...Query``).

    What most ``st_schemas`` implementations return.
    """
    from marshmallow import Schema

    return {name: value for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, Schema)
            and name.endswith(("Body", "Query"))}


def installed_recipes() -> dict[str, Any]:
    """Every installed recipe entry point, by name."""
    return {point.name: point for point in entry_points(group=ENTRY_POINT_GROUP)}


def build_plugin_manager(enabled: tuple[str, ...] | None,
                         host_plugins: list[Any]) -> pluggy.PluginManager:
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

    if os.environ.get(TRACE_ENV, "").lower() in ("1", "true", "yes"):
        manager.trace.root.setwriter(lambda message: log.info("hook %s", message.rstrip()))
        manager.enable_tracing()
    return manager


def recipe_descriptors(manager: pluggy.PluginManager) -> list[RecipeDescriptor]:
    """The descriptors of the enabled recipes."""
    return [descriptor for descriptor in manager.hook.st_recipe() if descriptor is not None]


def migrations_directory(package_file: str) -> str:
    """The ``migrations/`` directory beside a recipe package's ``__init__.py``.

    What most ``st_migrations`` implementations return.
    """
    return str(Path(package_file).resolve().with_name("migrations"))
