"""Users for recipes (plugin API): user objects, ids across user-id mappings, the user index
and account-linking groups.

The host keeps one index row per recipe user (``app_id_to_user_id``, per tenant in
``all_auth_recipe_users``); a login recipe adds its user there (``add_recipe_user``) in the
transaction that creates its own rows, and keys those rows by the SuperTokens id. User data
(sessions, metadata, roles, verified emails) is keyed by the id callers see: the external id
when the user is mapped (``external_user_id``). Functions take the connection of the database
that holds the users (``RequestContext.user_database`` finds it for one user id), the
request's plugin manager (``RequestContext.plugins``) where user objects are built from every
recipe's hooks, and the app id.
"""

from __future__ import annotations

from core_app.users.groups import (
    HELD_ELSEWHERE,
    Group,
    find_conflict,
    group_database,
    load_group,
    lock_account_linking_everywhere,
)
from core_app.users.service import (
    build_users,
    external_user_id,
    external_user_ids,
    get_user,
    held_by_another_primary_user,
    linked_data_user_ids,
    primary_users_holding,
    remove_login_method,
    session_user_ids,
    supertokens_user_id,
    user_database,
)
from core_app.users.store import (
    USER_ID_LENGTH,
    RecipeUser,
    add_recipe_user,
    email_matches,
    find_recipe_user,
    group_members,
    link,
    make_primary,
    prefix_matches,
    recipe_users,
    tenants_of_users,
    unlink,
)

__all__ = [
    # user objects as the API answers them
    "get_user",
    "build_users",
    # ids across user-id mappings
    "supertokens_user_id",
    "external_user_id",
    "external_user_ids",
    "session_user_ids",
    "linked_data_user_ids",
    "user_database",
    # the user index
    "USER_ID_LENGTH",
    "RecipeUser",
    "add_recipe_user",
    "find_recipe_user",
    "recipe_users",
    "group_members",
    "tenants_of_users",
    "remove_login_method",
    "email_matches",
    "prefix_matches",
    # account-linking groups and their rule
    "Group",
    "HELD_ELSEWHERE",
    "load_group",
    "group_database",
    "find_conflict",
    "lock_account_linking_everywhere",
    "held_by_another_primary_user",
    "primary_users_holding",
    "make_primary",
    "link",
    "unlink",
]
