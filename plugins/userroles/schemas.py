"""Request schemas of the user-roles routes, fields in upstream's check order."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from core_app.plugin_api import JsonArray, JsonString, QueryString, RequestSchema
from plugins.userroles.store import NAME_LENGTH, USER_ID_LENGTH


class Permissions(JsonArray):
    """A JSON array of permission names, each trimmed and not empty."""

    def __init__(self, **kwargs: Any):
        super().__init__(JsonString(trim=True, max_length=NAME_LENGTH), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        permissions = super()._deserialize(value, attr, data, **kwargs)
        if any(permission == "" for permission in permissions):
            raise ValidationError(f"Field name '{attr}' cannot contain an empty string")
        return permissions


def _role() -> JsonString:
    return JsonString(required=True, trim=True, non_empty=True, max_length=NAME_LENGTH)


class RoleBody(RequestSchema):
    """PUT /recipe/role and POST /recipe/role/permissions/remove."""

    role = _role()
    permissions = Permissions(allow_none=True)


class RoleOnlyBody(RequestSchema):
    """POST /recipe/role/remove."""

    role = _role()


class RoleQuery(RequestSchema):
    """GET /recipe/role/permissions and GET /recipe/role/users."""

    role = QueryString(required=True, trim=True, non_empty=True)


class PermissionQuery(RequestSchema):
    """GET /recipe/permission/roles."""

    permission = QueryString(required=True, trim=True, non_empty=True)


class UserRoleBody(RequestSchema):
    """PUT /recipe/user/role and POST /recipe/user/role/remove: any user id, even ``""``."""

    userId = JsonString(required=True, max_length=USER_ID_LENGTH)
    role = _role()


class UserQuery(RequestSchema):
    """GET /recipe/user/roles."""

    userId = QueryString(required=True)
