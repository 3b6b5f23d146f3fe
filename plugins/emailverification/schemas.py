"""Request schemas of the email-verification routes, fields in upstream's check order."""

from __future__ import annotations

from marshmallow import ValidationError

from core_app.plugin_api import JsonString, QueryString, RequestSchema

USER_ID_MAX_LENGTH = 128  # the columns' sizes
EMAIL_MAX_LENGTH = 256


class PairBody(RequestSchema):
    """A user id and a (trimmed, lower-cased) email."""

    userId = JsonString(required=True, max_length=USER_ID_MAX_LENGTH)
    email = JsonString(required=True, trim=True, lower=True, max_length=EMAIL_MAX_LENGTH)


def _token_method(value: str) -> None:
    if value != "token":
        raise ValidationError("Unsupported method for email verification")


class VerifyBody(RequestSchema):
    """POST /recipe/user/email/verify."""

    method = JsonString(required=True, validate=_token_method)
    token = JsonString(required=True)


class IsVerifiedQuery(RequestSchema):
    """GET /recipe/user/email/verify: both values matched exactly as sent."""

    userId = QueryString(required=True)
    email = QueryString(required=True)
