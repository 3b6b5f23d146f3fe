"""Email-password routes (contract, emailpassword). Views parse, scope and answer; the
rules are in ``service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import (
    RID_DEFAULT,
    BadRequest,
    RequestContext,
    Scope,
    normalise_email,
    route,
    users,
)
from plugins.emailpassword import hashing, schemas, service

blueprint = Blueprint("emailpassword", __name__)


@route(
    blueprint,
    "/recipe/signup",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.SignUpBody,
    writes=True,
    signs_in=True,
)
def sign_up(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signup (§4)."""
    return service.sign_up(ctx, ctx.input["email"], ctx.input["password"])


@route(
    blueprint,
    "/recipe/signin",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.SignInBody,
    signs_in=True,
)
def sign_in(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signin (§5)."""
    return service.sign_in(ctx, ctx.input["email"], ctx.input["password"])


@route(
    blueprint,
    "/recipe/user/password/reset/token",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.ResetTokenBody,
    writes=True,
    signs_in=True,
)
def create_reset_token(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/password/reset/token (§6.1)."""
    return service.create_reset_token(ctx, ctx.input["userId"], ctx.input["email"])


@route(
    blueprint,
    "/recipe/user/password/reset/token/consume",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.ConsumeResetTokenBody,
    writes=True,
)
def consume_reset_token(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/password/reset/token/consume (§6.2)."""
    consumed = service.consume_reset_token(ctx, ctx.input["token"])
    if consumed is None:
        return {"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"}
    user_id = users.external_user_id(ctx.conn, ctx.plugins, ctx.tenant.app_id, consumed[0])
    return {"status": "OK", "userId": user_id, "email": consumed[1]}


@route(
    blueprint,
    "/recipe/user/password/reset",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.LegacyResetBody,
    writes=True,
)
def legacy_reset(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/password/reset, deprecated (§6.3)."""
    return service.reset_password_with_token(ctx, ctx.input["token"], ctx.input["newPassword"])


@route(
    blueprint,
    "/recipe/user",
    ["PUT"],
    scope=Scope.APP,
    body=schemas.UpdateUserBody,
    writes=True,
    rid=RID_DEFAULT,
)
def update_user(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/user for every rid but the other recipes' (§7)."""
    email, password = ctx.input.get("email"), ctx.input.get("password")
    if email is None and password is None:
        raise BadRequest("You have to provide either email or password.")
    return service.update_account(ctx, ctx.input["recipeUserId"], email, password)


@route(
    blueprint,
    "/recipe/user",
    ["GET"],
    scope=Scope.HANDLER,
    query=schemas.UserQuery,
    rid=RID_DEFAULT,
    replica=True,
)
def get_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user, deprecated: by id (app scope) or by email (tenant scope) (§8)."""
    user_id, email = ctx.input.get("userId"), ctx.input.get("email")
    if user_id is not None and email is not None:
        raise BadRequest("Please provide only one of userId or email")
    if user_id is None and email is None:
        raise BadRequest("Please provide one of userId or email")
    if user_id is not None:
        ctx.require_scope(Scope.APP)
        user = ctx.login_method_user(user_id, service.RECIPE_ID)
        return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_USER_ID_ERROR"}
    ctx.require_scope(Scope.TENANT)
    user = service.user_by_email(ctx, normalise_email(email))
    return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_EMAIL_ERROR"}


_FORMAT_MESSAGES = {
    "ARGON2": (hashing.ARGON2_PREFIXES, "Password hash is in invalid Argon2 format"),
    "BCRYPT": (hashing.BCRYPT_PREFIXES, "Password hash is in invalid BCrypt format"),
}


def _check_hash_format(ctx: RequestContext, password_hash: str, algorithm: str | None) -> None:
    """§9: only the prefix of bcrypt/argon2 hashes is checked; Firebase's whole shape."""
    signer_key = ctx.settings.firebase_password_hashing_signer_key
    if algorithm in _FORMAT_MESSAGES:
        prefixes, message = _FORMAT_MESSAGES[algorithm]
        if not password_hash.startswith(prefixes):
            raise BadRequest(message)
        return
    if algorithm == "FIREBASE_SCRYPT":
        if signer_key is None:
            raise hashing.FirebaseSignerKeyMissing()
        if hashing.parse_firebase_hash(password_hash) is None:
            raise BadRequest("Password hash is in invalid Firebase SCrypt format")
        return
    if hashing.parse_firebase_hash(password_hash) is not None:
        if signer_key is None:
            raise hashing.FirebaseSignerKeyMissing()
        return
    if not password_hash.startswith(hashing.ARGON2_PREFIXES + hashing.BCRYPT_PREFIXES):
        raise BadRequest("Password hash is in invalid format")


@route(
    blueprint,
    "/recipe/user/passwordhash/import",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.ImportBody,
    writes=True,
    signs_in=True,
)
def import_user(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/user/passwordhash/import (§9).

    Extension: a hash whose cost parameters exceed the ``imported_*`` caps is refused (400
    naming the parameter and the cap), since every wrong-password sign-in would pay them.
    """
    _check_hash_format(ctx, ctx.input["passwordHash"], ctx.input.get("hashingAlgorithm"))
    excess = hashing.cost_excess(
        hashing.policy_from_settings(ctx.settings).imported, ctx.input["passwordHash"]
    )
    if excess is not None:
        raise BadRequest(excess.import_message())
    return service.import_user(ctx, ctx.input["email"], ctx.input["passwordHash"])
