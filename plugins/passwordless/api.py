"""Passwordless routes (contract, passwordless). Views parse, scope and answer; the rules
are in ``service``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import (
    BadRequest,
    RequestContext,
    Scope,
    normalise_email,
    normalise_phone_number,
    route,
)
from plugins.passwordless import schemas, service, store
from plugins.passwordless.codes import DeviceSecret
from plugins.passwordless.service import RECIPE_ID, CodeInput, CodeRefused, DeviceMismatch
from plugins.passwordless.store import Contact

blueprint = Blueprint("passwordless", __name__)


def _exactly_one(values: list[Any], message: str) -> None:
    if sum(value is not None for value in values) != 1:
        raise BadRequest(message)


@route(
    blueprint,
    "/recipe/signinup/code",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.CreateCodeBody,
    writes=True,
    signs_in=True,
)
def create_code(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signinup/code: a new device, or a new code for one (§3)."""
    email, phone = ctx.input.get("email"), ctx.input.get("phoneNumber")
    device_id = ctx.input.get("deviceId")
    _exactly_one(
        [email, phone, device_id], "Please provide exactly one of email, phoneNumber or deviceId"
    )
    user_input_code = ctx.input.get("userInputCode")
    if device_id is not None:
        return service.create_code_for_device(ctx, device_id, user_input_code)
    return service.create_device(ctx, Contact(email, phone), user_input_code)


def _code_input(ctx: RequestContext) -> CodeInput:
    given = ctx.input
    link_code = given.get("linkCode")
    device_id, user_input_code = given.get("deviceId"), given.get("userInputCode")
    if link_code is not None:
        not_one_form = device_id is not None or user_input_code is not None
    else:
        not_one_form = device_id is None or user_input_code is None
    if not_one_form:
        raise BadRequest("Please provide exactly one of linkCode or deviceId+userInputCode")
    return CodeInput(given["preAuthSessionId"], link_code, device_id, user_input_code)


def _checked(ctx: RequestContext, consume: bool) -> dict[str, Any]:
    try:
        if consume:
            return service.consume_code(ctx, _code_input(ctx))
        device = service.check_code(ctx, _code_input(ctx), consume=False)
    except CodeRefused as refused:
        return refused.body  # its counted attempt or deleted device is committed
    except DeviceMismatch:
        raise BadRequest("preAuthSessionId and deviceId doesn't match") from None
    return {"status": "OK", "consumedDevice": service.consumed_device_json(device)}


@route(
    blueprint,
    "/recipe/signinup/code/consume",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.CheckCodeBody,
    writes=True,
    signs_in=True,
)
def consume_code(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signinup/code/consume: sign in or up with a code (§5)."""
    return _checked(ctx, consume=True)


@route(
    blueprint,
    "/recipe/signinup/code/check",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.CheckCodeBody,
    writes=True,
    signs_in=True,
)
def check_code(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signinup/code/check: test a code without using it up (§6)."""
    return _checked(ctx, consume=False)


@route(
    blueprint,
    "/recipe/signinup/code/remove",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.RemoveCodeBody,
    writes=True,
)
def remove_code(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signinup/code/remove: one code, or one device (§7)."""
    code_id, pre_auth_session_id = ctx.input.get("codeId"), ctx.input.get("preAuthSessionId")
    if code_id is None and pre_auth_session_id is None:
        raise BadRequest("Please provide either 'codeId' or 'preAuthSessionId'")
    if code_id is not None and pre_auth_session_id is not None:
        raise BadRequest("Please provide only one of 'codeId' or 'preAuthSessionId'")
    if code_id is not None:
        service.remove_code(ctx, code_id)
    else:
        store.delete_devices(ctx.conn, ctx.tenant, [pre_auth_session_id])
    return {"status": "OK"}


@route(
    blueprint,
    "/recipe/signinup/codes/remove",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.RemoveCodesBody,
    writes=True,
)
def remove_codes(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/signinup/codes/remove: every device of an email or phone number (§8)."""
    email, phone = ctx.input.get("email"), ctx.input.get("phoneNumber")
    _exactly_one([email, phone], "Please provide exactly one of email or phoneNumber")
    store.delete_devices_of_contact(ctx.conn, ctx.tenant, Contact(email, phone))
    return {"status": "OK"}


@route(blueprint, "/recipe/signinup/codes", ["GET"], scope=Scope.TENANT, query=schemas.CodesQuery)
def list_codes(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/signinup/codes: devices and their codes (§9)."""
    email, phone = ctx.input.get("email"), ctx.input.get("phoneNumber")
    device_id, pre_auth_session_id = ctx.input.get("deviceId"), ctx.input.get("preAuthSessionId")
    _exactly_one(
        [email, phone, device_id, pre_auth_session_id],
        "Please provide exactly one of email, phoneNumber, deviceId or preAuthSessionId",
    )
    conn, tenant = ctx.conn, ctx.tenant
    if email is not None or phone is not None:
        contact = (
            Contact(email=normalise_email(email))
            if email is not None
            else Contact(phone_number=normalise_phone_number(phone))
        )
        found = store.devices_of_contact(conn, tenant, contact)
    else:
        device_id_hash = (
            DeviceSecret.decode(device_id).hash() if device_id is not None else pre_auth_session_id
        )
        device = store.device(conn, tenant, device_id_hash)
        found = [device] if device else []
    return {"status": "OK", "devices": service.devices_json(ctx, found)}


@route(
    blueprint,
    "/recipe/user",
    ["PUT"],
    scope=Scope.APP,
    body=schemas.UpdateUserBody,
    writes=True,
    rid=RECIPE_ID,
)
def update_user(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/user with ``rid: passwordless`` (§10)."""
    changes = {
        key: ctx.input[field]
        for key, field in (("email", "email"), ("phone_number", "phoneNumber"))
        if field in ctx.input
    }
    return service.update_user(ctx, ctx.input["recipeUserId"], **changes)


@route(
    blueprint,
    "/recipe/user",
    ["GET"],
    scope=Scope.HANDLER,
    query=schemas.UserQuery,
    rid=RECIPE_ID,
    replica=True,
)
def get_user(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/user with ``rid: passwordless``, deprecated (§11)."""
    user_id, email = ctx.input.get("userId"), ctx.input.get("email")
    phone = ctx.input.get("phoneNumber")
    _exactly_one(
        [user_id, email, phone], "Please provide exactly one of userId, email or phoneNumber"
    )
    if user_id is not None:
        ctx.require_scope(Scope.APP)
        user = ctx.login_method_user(user_id, RECIPE_ID)
        return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_USER_ID_ERROR"}
    ctx.require_scope(Scope.TENANT)
    if email is not None:
        user = service.user_by_contact(ctx, Contact(email=normalise_email(email)))
        return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_EMAIL_ERROR"}
    user = service.user_by_contact(ctx, Contact(phone_number=normalise_phone_number(phone)))
    return {"status": "OK", "user": user} if user else {"status": "UNKNOWN_PHONE_NUMBER_ERROR"}
