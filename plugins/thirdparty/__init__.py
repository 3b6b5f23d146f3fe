"""The third-party recipe: users of social and enterprise identity providers.

The OAuth / OpenID Connect exchange runs in the SDK; the core keeps one user per provider
identity per tenant. Provider configuration belongs to the host's multitenancy APIs.
"""

from __future__ import annotations

from sqlalchemy import Connection

from core_app.plugin_api import (
    DeletedUser,
    RecipeDescriptor,
    RecipeUsers,
    hookimpl,
    migrations_directory,
)
from plugins.thirdparty import service, store


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """Third-party: the ``thirdparty`` first factor; no configuration of its own."""
    from plugins.thirdparty import api

    return RecipeDescriptor(
        id=service.RECIPE_ID,
        first_factors=("thirdparty",),
        login_method_name="ThirdParty",
        users=RecipeUsers(
            login_methods=service.login_methods,
            with_account_info=service.users_with_account_info,
            search=service.search_users,
            search_tags=frozenset({"email", "provider"}),
            # one user per provider identity in a tenant
            add_to_tenant=store.add_to_tenant,
            tenant_conflict="THIRD_PARTY_USER_ALREADY_EXISTS_ERROR",
        ),
        tables=store.TABLES,
        blueprints=(api.blueprint,),
        migrations=migrations_directory(__file__),
    )


@hookimpl
def st_user_deleted(conn: Connection, app_id: str, users: list[DeletedUser]) -> None:
    """Users' rows (keyed by the SuperTokens id)."""
    store.delete_users(conn, app_id, [user.user_id for user in users])
