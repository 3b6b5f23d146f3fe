"""Request schemas of the session and JWT routes, fields in upstream's check order."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, validates_schema

from core_app.plugin_api import (
    JsonArray,
    JsonBoolean,
    JsonLong,
    JsonObject,
    JsonString,
    QueryBoolean,
    QueryString,
    RequestSchema,
)

USER_ID_MAX_LENGTH = 128  # session_info.user_id
# session_data and jwt_user_payload are TEXT columns; MySQL's TEXT holds 65,535 bytes, and
# the same limit applies on every database so a payload never works on one and not another.
PAYLOAD_MAX_JSON_LENGTH = 65_535


class CreateSessionBody(RequestSchema):
    """POST /recipe/session."""

    userId = JsonString(required=True, max_length=USER_ID_MAX_LENGTH)
    enableAntiCsrf = JsonBoolean(required=True)
    userDataInJWT = JsonObject(required=True, max_json_length=PAYLOAD_MAX_JSON_LENGTH)
    userDataInDatabase = JsonObject(required=True, max_json_length=PAYLOAD_MAX_JSON_LENGTH)
    useDynamicSigningKey = JsonBoolean(load_default=True)


class VerifySessionBody(RequestSchema):
    """POST /recipe/session/verify."""

    accessToken = JsonString(required=True)
    antiCsrfToken = JsonString(load_default=None)
    doAntiCsrfCheck = JsonBoolean(required=True)
    enableAntiCsrf = JsonBoolean(required=True)
    checkDatabase = JsonBoolean(required=True)


class RefreshSessionBody(RequestSchema):
    """POST /recipe/session/refresh."""

    refreshToken = JsonString(required=True)
    antiCsrfToken = JsonString(load_default=None)
    enableAntiCsrf = JsonBoolean(required=True)
    useDynamicSigningKey = JsonBoolean(required=True)


class RemoveSessionsBody(RequestSchema):
    """POST /recipe/session/remove: by handles, or by user."""

    userId = JsonString()
    sessionHandles = JsonArray(JsonString())
    revokeAcrossAllTenants = JsonBoolean()
    revokeSessionsForLinkedAccounts = JsonBoolean()

    @validates_schema
    def _one_of(self, data: dict[str, Any], **_: Any) -> None:
        if ("userId" in data) == ("sessionHandles" in data):
            raise ValidationError("Invalid JSON input - use one of userId or sessionHandles array")
        if "userId" not in data:
            for name in ("revokeAcrossAllTenants", "revokeSessionsForLinkedAccounts"):
                if name in data:
                    raise ValidationError(
                        f"Invalid JSON input - {name} can only be set if userId is set"
                    )


class SessionHandleQuery(RequestSchema):
    """GET /recipe/session, GET /recipe/session/data, GET /recipe/jwt/data."""

    sessionHandle = QueryString(required=True)


class UserSessionsQuery(RequestSchema):
    """GET /recipe/session/user."""

    userId = QueryString(required=True)
    fetchAcrossAllTenants = QueryBoolean(load_default=True)
    fetchSessionsForAllLinkedAccounts = QueryBoolean(load_default=True)


class RegenerateBody(RequestSchema):
    """POST /recipe/session/regenerate."""

    accessToken = JsonString(required=True)
    userDataInJWT = JsonObject(load_default=None, max_json_length=PAYLOAD_MAX_JSON_LENGTH)


class SessionDataBody(RequestSchema):
    """PUT /recipe/session/data."""

    sessionHandle = JsonString(required=True)
    userDataInDatabase = JsonObject(required=True, max_json_length=PAYLOAD_MAX_JSON_LENGTH)


class JwtDataBody(RequestSchema):
    """PUT /recipe/jwt/data."""

    sessionHandle = JsonString(required=True)
    userDataInJWT = JsonObject(required=True, max_json_length=PAYLOAD_MAX_JSON_LENGTH)


class CreateJwtBody(RequestSchema):
    """POST /recipe/jwt."""

    algorithm = JsonString(required=True)
    jwksDomain = JsonString(required=True)
    payload = JsonObject(required=True)
    validity = JsonLong(required=True)
    useStaticSigningKey = JsonBoolean(load_default=True)
