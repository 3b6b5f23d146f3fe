"""Request schemas of the passwordless routes, fields in upstream's check order.

Which combination of fields a route needs ("exactly one of ...") is checked by the views,
after the fields themselves, with the contract's messages.
"""

from __future__ import annotations

from marshmallow import ValidationError

from core_app.plugin_api import (
    JsonString,
    NormalisedEmail,
    NormalisedPhoneNumber,
    QueryString,
    RequestSchema,
)


def _not_empty(value: str) -> None:
    if value == "":
        raise ValidationError("userInputCode cannot be an empty string.")


class CreateCodeBody(RequestSchema):
    """POST /recipe/signinup/code."""

    email = NormalisedEmail()
    phoneNumber = NormalisedPhoneNumber()
    deviceId = JsonString()
    userInputCode = JsonString(validate=_not_empty)


class CheckCodeBody(RequestSchema):
    """POST /recipe/signinup/code/consume and /code/check."""

    preAuthSessionId = JsonString(required=True)
    linkCode = JsonString()
    deviceId = JsonString()
    userInputCode = JsonString()


class RemoveCodeBody(RequestSchema):
    """POST /recipe/signinup/code/remove."""

    codeId = JsonString()
    preAuthSessionId = JsonString()


class RemoveCodesBody(RequestSchema):
    """POST /recipe/signinup/codes/remove."""

    email = NormalisedEmail()
    phoneNumber = NormalisedPhoneNumber()


class CodesQuery(RequestSchema):
    """GET /recipe/signinup/codes (email and phone number normalised by the view)."""

    email = QueryString()
    phoneNumber = QueryString()
    deviceId = QueryString()
    preAuthSessionId = QueryString()


class UpdateUserBody(RequestSchema):
    """PUT /recipe/user (passwordless): ``null`` removes a contact, absent keeps it."""

    recipeUserId = JsonString(required=True)
    email = NormalisedEmail(allow_none=True)
    phoneNumber = NormalisedPhoneNumber(allow_none=True)


class UserQuery(RequestSchema):
    """GET /recipe/user (passwordless, deprecated)."""

    userId = QueryString()
    email = QueryString()
    phoneNumber = QueryString()
