"""The account-linking recipe: primary users and the login methods linked to them.

Free here (upstream licenses it). The groups themselves live in the host's user index, so
user objects, listings and sign-ins show linked users whether or not this recipe is
enabled; it adds the routes that change groups, and the tenant-association rule.
"""

from __future__ import annotations

from core_app.plugin_api import RecipeDescriptor, hookimpl


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Account linking: no login method, no config, no tables of its own."""
    from plugins.accountlinking import api

    return RecipeDescriptor(id="accountlinking", blueprints=(api.blueprint,))
