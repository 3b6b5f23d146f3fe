"""Third-party operations (contract, thirdparty §4–§6).

The core never talks to a provider: the SDK has already exchanged the code and read the
user's identity and email; the core finds or creates the user of that identity in the
tenant and keeps its email up to date.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import (
    AccountInfo,
    LoginMethod,
    RequestContext,
    TenantIdentifier,
    UserSearch,
    users,
)
from core_app.plugin_api import users as user_index
from plugins.thirdparty import store
from plugins.thirdparty.store import Identity, ThirdPartyUser

RECIPE_ID = "thirdparty"
# Checked word for word by the SDK to tell its error codes apart (thirdparty §4).
EMAIL_CHANGE_NOT_ALLOWED = {
    "status": "EMAIL_CHANGE_NOT_ALLOWED_ERROR",
    "reason": "Email already associated with another primary user.",
}
# A new user racing a sign-up with the same identity, or a deletion racing an email
# change, sends the loop round again; more rounds than this mean something else is wrong.
ATTEMPTS = 5
RETRY: dict[str, Any] = {"status": "retry"}  # an internal answer, never sent


def now_ms() -> int:
    """The current time in ms."""
    return int(time.time() * 1000)


def login_method(user: ThirdPartyUser) -> LoginMethod:
    """The login method a third-party user is in user objects."""
    identity = user.identity
    return LoginMethod(
        recipe_id=RECIPE_ID,
        user_id=user.user_id,
        time_joined=user.time_joined,
        email=user.email,
        third_party=(identity.third_party_id, identity.third_party_user_id),
    )


# --- the recipe's users as the host reads them (RecipeUsers on the descriptor) ----------


def login_methods(conn: Connection, app_id: str, user_ids: list[str]) -> list[LoginMethod]:
    """The third-party users among ``user_ids``."""
    return [login_method(user) for user in store.users_by_id(conn, app_id, user_ids)]


def users_with_account_info(
    conn: Connection, tenant: TenantIdentifier, account: AccountInfo
) -> list[str]:
    """Users of the tenant with this provider identity, or with this email."""
    if account.third_party is not None:
        member = store.member_in_tenant(conn, tenant, Identity(*account.third_party))
        return [member.user_id] if member else []
    if account.email is not None:
        return store.users_with_email(conn, tenant, account.email)
    return []


def search_users(
    conn: Connection, tenant: TenantIdentifier, search: UserSearch, limit: int
) -> list[str]:
    """Users whose email and/or provider id match."""
    return store.search(conn, tenant, search.emails, search.third_party_ids, limit)


def _created_user(ctx: RequestContext, identity: Identity, email: str) -> str | None:
    """A new user of the identity in the path's tenant; None if a racing sign-up made one."""
    conn = ctx.conn
    user = ThirdPartyUser(str(uuid.uuid4()), identity, email, now_ms())
    try:
        with conn.begin_nested():
            user_index.add_recipe_user(conn, ctx.tenant, user.user_id, RECIPE_ID, user.time_joined)
            store.add_user(conn, ctx.tenant, user)
    except IntegrityError:
        return None
    return user.user_id


def _email_changed(
    ctx: RequestContext, identity: Identity, user_id: str, email: str
) -> dict[str, Any] | None:
    """Store the provider's new email for the identity, under the user's lock.

    None when done, or the answer that refuses it. ``RETRY`` if the user was deleted
    since it was found.
    """
    conn, app_id = ctx.conn, ctx.tenant.app_id
    locked = store.lock_user(conn, app_id, user_id)
    if locked is None:
        return RETRY
    if locked.email == email:
        return None
    index_row = user_index.find_recipe_user(conn, app_id, user_id)
    if (
        index_row is not None
        and index_row.is_linked_or_is_a_primary_user
        and users.held_by_another_primary_user(
            ctx, conn, index_row.primary_or_recipe_user_id, AccountInfo(email=email)
        )
    ):
        return EMAIL_CHANGE_NOT_ALLOWED
    store.set_email_of_identity(conn, app_id, identity, email)
    return None


def sign_in_up(
    ctx: RequestContext, identity: Identity, email: str, is_verified: bool
) -> dict[str, Any]:
    """§4: the tenant's user of this identity, created on first use, its email updated."""
    conn, tenant = ctx.conn, ctx.tenant
    for attempt in range(ATTEMPTS):
        member = store.member_in_tenant(conn, tenant, identity, latest=attempt > 0)
        if member is None:
            user_id = _created_user(ctx, identity, email)
            if user_id is None:
                continue  # the racing sign-up's user is read on the next round
            created = True
        else:
            user_id, created = member.user_id, False
            if member.email != email:
                refused = _email_changed(ctx, identity, user_id, email)
                if refused is RETRY:
                    continue
                if refused is not None:
                    return dict(refused)
        break
    else:
        raise RuntimeError("third-party sign-in kept racing other writers")
    # A mapped user's verification is kept under its external id (Extension, README).
    visible_id = users.external_user_id(conn, ctx.plugins, tenant.app_id, user_id)
    if is_verified:
        ctx.hooks.st_mark_email_verified(
            conn=conn, app_id=tenant.app_id, user_id=visible_id, email=email
        )
    # The user object is only read: build it after the writers' lock is released.
    ctx.end_writes()
    user = users.get_user(ctx.conn, ctx.plugins, tenant.app_id, user_id, ctx.cdi_version)
    if user is None:
        # Deleted in the instant since the commit; the SDK treats this like any failure.
        raise RuntimeError("the signed-in third-party user was deleted meanwhile")
    return {"status": "OK", "createdNewUser": created, "user": user, "recipeUserId": visible_id}


def users_by_email(ctx: RequestContext, email: str) -> list[dict[str, Any]]:
    """§5: the whole user of each of the tenant's third-party login methods with the email.

    A group with two such login methods appears twice, as upstream answers.
    """
    user_ids = store.users_with_email(ctx.conn, ctx.tenant, email)
    groups = user_index.recipe_users(ctx.conn, ctx.tenant.app_id, user_ids)
    group_ids = [
        groups[user_id].primary_or_recipe_user_id for user_id in user_ids if user_id in groups
    ]
    built = users.build_users(
        ctx.conn, ctx.plugins, ctx.tenant.app_id, sorted(set(group_ids)), ctx.cdi_version
    )
    return [built[group_id] for group_id in group_ids if group_id in built]


def user_by_identity(ctx: RequestContext, identity: Identity) -> dict[str, Any] | None:
    """§6 by identity: the whole user owning the tenant's login method of the identity."""
    found = store.member_in_tenant(ctx.conn, ctx.tenant, identity)
    if found is None:
        return None
    return users.get_user(ctx.conn, ctx.plugins, ctx.tenant.app_id, found.user_id, ctx.cdi_version)
