"""Request schemas of the user-id mapping routes, fields in upstream's check order."""

from __future__ import annotations

from marshmallow import ValidationError

from core_app.plugin_api import JsonBoolean, JsonString, QueryString, RequestSchema
from plugins.useridmapping.store import EXTERNAL_ID_LENGTH

USER_ID_TYPES = ("SUPERTOKENS", "EXTERNAL", "ANY")


def _user_id_type(value: str | None) -> None:
    if value is not None and value not in USER_ID_TYPES:
        raise ValidationError(
            "Field name 'userIdType' should be one of 'SUPERTOKENS', 'EXTERNAL' or 'ANY'"
        )


class CreateBody(RequestSchema):
    """POST /recipe/userid/map."""

    superTokensUserId = JsonString(required=True, trim=True, non_empty=True)
    externalUserId = JsonString(
        required=True, trim=True, non_empty=True, max_length=EXTERNAL_ID_LENGTH
    )
    externalUserIdInfo = JsonString(trim=True, non_empty=True, allow_none=True)
    force = JsonBoolean(load_default=False)


class MappingQuery(RequestSchema):
    """GET /recipe/userid/map."""

    userId = QueryString(required=True, trim=True, non_empty=True)
    userIdType = QueryString(validate=_user_id_type, load_default="ANY")


class RemoveBody(RequestSchema):
    """POST /recipe/userid/map/remove; ``userIdType: null`` counts as absent (the SDK sends it)."""

    userId = JsonString(required=True, trim=True, non_empty=True)
    userIdType = JsonString(validate=_user_id_type, allow_none=True)
    force = JsonBoolean(load_default=False)


class InfoBody(RequestSchema):
    """PUT (and POST) /recipe/userid/external-user-id-info."""

    userId = JsonString(required=True, trim=True, non_empty=True)
    userIdType = JsonString(validate=_user_id_type, allow_none=True)
    externalUserIdInfo = JsonString(required=True, trim=True, non_empty=True, allow_none=True)
