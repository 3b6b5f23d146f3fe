"""Request schemas of the email-password routes, fields in upstream's check order."""

from __future__ import annotations

from marshmallow import ValidationError

from core_app.plugin_api import (
    CONTACT_MAX_LENGTH,
    JsonString,
    NormalisedEmail,
    QueryString,
    RequestSchema,
)

EMAIL_MAX_LENGTH = CONTACT_MAX_LENGTH
HASH_MAX_LENGTH = 256
# New passwords: passlib refuses secrets over 4096 bytes, which 1024 characters never are.
PASSWORD_MAX_LENGTH = 1024


def _password_not_empty(value: str) -> None:
    if value == "":
        raise ValidationError("Password cannot be an empty string")


class SignUpBody(RequestSchema):
    """POST /recipe/signup."""

    email = NormalisedEmail(required=True)
    password = JsonString(
        required=True, validate=_password_not_empty, max_length=PASSWORD_MAX_LENGTH
    )


class SignInBody(RequestSchema):
    """POST /recipe/signin (an empty password simply does not match)."""

    email = NormalisedEmail(required=True)
    password = JsonString(required=True)


class ResetTokenBody(RequestSchema):
    """POST /recipe/user/password/reset/token. ``email`` is checked after the user lookup
    and stored exactly as sent."""

    userId = JsonString(required=True)
    email = JsonString(load_default=None, max_length=EMAIL_MAX_LENGTH)


class ConsumeResetTokenBody(RequestSchema):
    """POST /recipe/user/password/reset/token/consume."""

    token = JsonString(required=True)


def _token_method(value: str) -> None:
    if value != "token":
        raise ValidationError("Unsupported method for password reset")


class LegacyResetBody(RequestSchema):
    """POST /recipe/user/password/reset (deprecated)."""

    method = JsonString(required=True, validate=_token_method)
    token = JsonString(required=True)
    newPassword = JsonString(
        required=True, validate=_password_not_empty, max_length=PASSWORD_MAX_LENGTH
    )


class UpdateUserBody(RequestSchema):
    """PUT /recipe/user (email-password)."""

    recipeUserId = JsonString(required=True)
    email = NormalisedEmail()
    password = JsonString(max_length=PASSWORD_MAX_LENGTH)


class UserQuery(RequestSchema):
    """GET /recipe/user (deprecated)."""

    userId = QueryString()
    email = QueryString()


def _hash_not_empty(value: str) -> None:
    if value == "":
        raise ValidationError("Password hash cannot be an empty string")


def _algorithm(value: str) -> None:
    if value == "":
        raise ValidationError("Hashing Algorithm cannot be an empty string")
    if value not in ("ARGON2", "BCRYPT", "FIREBASE_SCRYPT"):
        raise ValidationError("Unsupported password hashing algorithm")


class UpperCased(JsonString):
    """A trimmed, upper-cased string."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).upper()


class ImportBody(RequestSchema):
    """POST /recipe/user/passwordhash/import."""

    email = NormalisedEmail(required=True)
    passwordHash = JsonString(
        required=True, trim=True, validate=_hash_not_empty, max_length=HASH_MAX_LENGTH
    )
    hashingAlgorithm = UpperCased(trim=True, validate=_algorithm)
