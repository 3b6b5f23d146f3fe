"""Request schemas of the third-party routes, fields in upstream's check order."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError

from core_app.plugin_api import (
    JsonBoolean,
    JsonObject,
    JsonString,
    NormalisedEmail,
    QueryString,
    RequestSchema,
    invalid_field,
)
from plugins.thirdparty.store import THIRD_PARTY_ID_LENGTH, THIRD_PARTY_USER_ID_LENGTH


class ProviderEmail(JsonObject):
    """``email: {"id": <email>, "isVerified": <bool>}``, the email normalised.

    Upstream names the inner field when it is bad (``Field name 'id' is invalid ...``),
    so the inner fields' errors are reported under their own names.
    """

    _inner = (("id", NormalisedEmail()), ("isVerified", JsonBoolean(required=True)))

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict[str, Any]:
        given = super()._deserialize(value, attr, data, **kwargs)
        parsed: dict[str, Any] = {}
        for name, field in self._inner:
            if given.get(name) is None:
                raise ValidationError(invalid_field(name).message)
            try:
                parsed[name] = field.deserialize(given[name], name, given)
            except ValidationError as error:
                message = str(error.messages[0]) if isinstance(error.messages, list) else ""
                if message.startswith("Field name"):
                    raise  # the field's own sentence (a length limit)
                raise ValidationError(invalid_field(name).message) from None
        return parsed


class SignInUpBody(RequestSchema):
    """POST /recipe/signinup. Identities are kept exactly as given (not trimmed)."""

    thirdPartyId = JsonString(required=True, max_length=THIRD_PARTY_ID_LENGTH)
    thirdPartyUserId = JsonString(required=True, max_length=THIRD_PARTY_USER_ID_LENGTH)
    email = ProviderEmail(required=True)


class UsersByEmailQuery(RequestSchema):
    """GET /recipe/users/by-email (deprecated)."""

    email = QueryString(required=True)


class UserQuery(RequestSchema):
    """GET /recipe/user (third-party, deprecated)."""

    userId = QueryString()
    thirdPartyId = QueryString()
    thirdPartyUserId = QueryString()
