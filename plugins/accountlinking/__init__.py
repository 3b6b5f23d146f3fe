"""The account-linking recipe: primary users and the login methods linked to them.

Free here (upstream licenses it). The groups themselves live in the host's user index, so
user objects, listings and sign-ins show linked users whether or not this recipe is
enabled; it adds the routes that change groups, and the tenant-association rule.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.hookspecs import hookimpl
from core_app.recipes import RecipeDescriptor, request_schemas
from plugins.accountlinking import schemas


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Account linking: no login method, no config, no tables of its own."""
    return RecipeDescriptor(id="accountlinking")


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """The five account-linking routes."""
    from plugins.accountlinking.api import blueprint

    return [blueprint]


@hookimpl
def st_schemas() -> dict[str, Any]:
    """The request schemas of the account-linking routes."""
    return request_schemas(schemas)
