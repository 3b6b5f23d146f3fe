"""Request schemas of the user-metadata routes, fields in upstream's check order."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from core_app.plugin_api import JsonArray, JsonObject, JsonString, QueryString, RequestSchema
from plugins.usermetadata.store import USER_ID_LENGTH

BULK_LIMIT = 500


class UserQuery(RequestSchema):
    """GET /recipe/user/metadata."""

    userId = QueryString(required=True)


class UpdateBody(RequestSchema):
    """PUT /recipe/user/metadata."""

    userId = JsonString(required=True, max_length=USER_ID_LENGTH)
    metadataUpdate = JsonObject(required=True)


class RemoveBody(RequestSchema):
    """POST /recipe/user/metadata/remove."""

    userId = JsonString(required=True)


class UserIds(JsonArray):
    """``userIds`` of the bulk read: strings only, at most 500."""

    def __init__(self, **kwargs: Any):
        super().__init__(JsonString(), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        if isinstance(value, list):
            if len(value) > BULK_LIMIT:
                raise ValidationError(f"You can only query up to {BULK_LIMIT} users at a time.")
            if not all(isinstance(item, str) for item in value):
                raise ValidationError("userIds array must contain only strings")
        return super()._deserialize(value, attr, data, **kwargs)


class BulkBody(RequestSchema):
    """POST /recipe/user/metadata/bulk."""

    userIds = UserIds(required=True)
