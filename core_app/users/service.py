"""The user object and user lookups (contract, users §1–§2).

A user is the group of recipe users sharing a primary user id; each recipe reports the
login methods it holds through ``st_login_methods``.
"""

from __future__ import annotations

from typing import Any

import pluggy
from sqlalchemy import Connection

from core_app.recipes import LoginMethod
from core_app.users import store

WEBAUTHN_SINCE_CDI = (5, 3)


def primary_user_id(conn: Connection, app_id: str, recipe_user_id: str) -> str:
    """The id of the user group a recipe user belongs to; the id itself when not linked.

    Sessions may be created for ids that are no user at all; those are their own primary.
    """
    user = store.find_recipe_user(conn, app_id, recipe_user_id)
    return user.primary_or_recipe_user_id if user else recipe_user_id


def linked_recipe_user_ids(conn: Connection, app_id: str, user_id: str) -> list[str]:
    """Every recipe user id of the group that contains ``user_id`` (itself included)."""
    primary = primary_user_id(conn, app_id, user_id)
    members = store.group_members(conn, app_id, primary)
    return members or [user_id]


def _cdi_at_least(version: str, wanted: tuple[int, int]) -> bool:
    return tuple(int(part) for part in version.split(".")[:2]) >= wanted


def _login_method_json(method: LoginMethod, tenant_ids: list[str], webauthn: bool
                       ) -> dict[str, Any]:
    body: dict[str, Any] = {"tenantIds": tenant_ids, "recipeUserId": method.user_id,
                            "verified": method.verified, "timeJoined": method.time_joined,
                            "recipeId": method.recipe_id}
    if method.email is not None:
        body["email"] = method.email
    if method.phone_number is not None:
        body["phoneNumber"] = method.phone_number
    if method.third_party is not None:
        body["thirdParty"] = {"id": method.third_party[0], "userId": method.third_party[1]}
    if webauthn and method.recipe_id == "webauthn":
        body["webauthn"] = {"credentialIds": list(method.extra.get("credentialIds", []))}
    return body


def get_user(conn: Connection, plugins: pluggy.PluginManager, app_id: str, user_id: str,
             cdi_version: str) -> dict[str, Any] | None:
    """The user object of the user containing recipe user ``user_id``, or None."""
    recipe_user = store.find_recipe_user(conn, app_id, user_id)
    if recipe_user is None:
        return None
    primary = recipe_user.primary_or_recipe_user_id
    member_ids = store.group_members(conn, app_id, primary)
    methods = [method for answer in plugins.hook.st_login_methods(
        conn=conn, app_id=app_id, user_ids=member_ids) for method in answer]
    if not methods:
        return None
    methods.sort(key=lambda method: (method.time_joined, method.user_id))
    tenants = store.tenants_of_users(conn, app_id, member_ids)
    webauthn = _cdi_at_least(cdi_version, WEBAUTHN_SINCE_CDI)

    def distinct(values: list[Any]) -> list[Any]:
        return list(dict.fromkeys(value for value in values if value is not None))

    counted = [m for m in methods if webauthn or m.recipe_id != "webauthn"]
    user: dict[str, Any] = {
        "id": primary,
        "isPrimaryUser": _is_primary(conn, app_id, primary),
        "tenantIds": distinct([t for m in methods for t in tenants.get(m.user_id, [])]),
        "timeJoined": methods[0].time_joined,
        "emails": distinct([m.email for m in counted]),
        "phoneNumbers": distinct([m.phone_number for m in counted]),
        "thirdParty": [{"id": tp[0], "userId": tp[1]}
                       for tp in distinct([m.third_party for m in counted])],
        "loginMethods": [_login_method_json(m, tenants.get(m.user_id, []), webauthn)
                         for m in methods],
    }
    if webauthn:
        user["webauthn"] = {"credentialIds": distinct(
            [c for m in methods for c in m.extra.get("credentialIds", [])])}
    return user


def _is_primary(conn: Connection, app_id: str, primary: str) -> bool:
    row = store.find_recipe_user(conn, app_id, primary)
    return bool(row and row.is_linked_or_is_a_primary_user)
