"""The user-roles recipe: roles and permissions per app, role assignments per tenant.

It authenticates nobody; the SDK's ``UserRoleClaim`` and ``PermissionClaim`` read it when a
session is created or its claims are refreshed.
"""

from __future__ import annotations

from core_app.plugin_api import RecipeDescriptor, UserData, hookimpl, migrations_directory
from plugins.userroles import store

# How upstream names this recipe in "UserId is already in use in <name> recipe".
DATA_NAME = "UserRoles"


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """User roles: no login method, no config."""
    from plugins.userroles import api

    return RecipeDescriptor(
        id="userroles",
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
        # role assignments are per tenant; the roles themselves are the app's
        user_data=UserData(
            DATA_NAME,
            delete=store.delete_user_assignments,
            exists=store.has_assignments,
            delete_in_tenant=store.delete_assignments_in_tenant,
        ),
    )
