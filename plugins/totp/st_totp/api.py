"""The TOTP routes (CDI 5.4, the SDK's ``recipe/totp``).

Devices belong to the app (app-scope routes, public tenant only); codes are checked in a
tenant (tenant-scope routes), whose used codes and limit of wrong codes are its own.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import BadRequest, RequestContext, Scope, route
from st_totp import schemas, service

blueprint = Blueprint("totp", __name__)


def _non_empty(values: dict[str, Any], *names: str) -> None:
    for name in names:
        if values.get(name) == "":
            raise BadRequest(f"{name} cannot be empty")


def _device_settings(values: dict[str, Any]) -> tuple[int, int]:
    skew, period = values["skew"], values["period"]
    if skew < 0:
        raise BadRequest("skew must be >= 0")
    if period <= 0:
        raise BadRequest("period must be > 0")
    # Bounds upstream lacks: every check computes 2 * skew + 1 codes (README).
    if skew > service.MAX_SKEW:
        raise BadRequest(f"skew must be <= {service.MAX_SKEW}")
    if period > service.MAX_PERIOD_S:
        raise BadRequest(f"period must be <= {service.MAX_PERIOD_S}")
    return skew, period


@route(
    blueprint,
    "/recipe/totp/device",
    ["POST"],
    scope=Scope.APP,
    body=schemas.CreateDeviceBody,
    writes=True,
)
def create_device(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/totp/device: a new unverified device and its secret."""
    values = ctx.input
    _non_empty(values, "userId", "deviceName")
    skew, period = _device_settings(values)
    return service.create_device(ctx, values["userId"], values.get("deviceName"), skew, period)


@route(
    blueprint,
    "/recipe/totp/device/import",
    ["POST"],
    scope=Scope.APP,
    body=schemas.ImportDeviceBody,
    writes=True,
)
def import_device(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/totp/device/import: a verified device with an existing secret."""
    values = ctx.input
    _non_empty(values, "userId", "deviceName", "secretKey")
    skew, period = _device_settings(values)
    secret = values["secretKey"]
    if not service.readable_secret(secret):
        # Upstream stores it and never matches a code of it; refused here (README).
        raise BadRequest("secretKey must be a base32 string")
    return service.create_device(
        ctx, values["userId"], values.get("deviceName"), skew, period, secret=secret
    )


@route(
    blueprint,
    "/recipe/totp/device",
    ["PUT"],
    scope=Scope.APP,
    body=schemas.RenameDeviceBody,
    writes=True,
)
def rename_device(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/totp/device: rename a device."""
    values = ctx.input
    _non_empty(values, "userId", "existingDeviceName", "newDeviceName")
    return service.rename_device(
        ctx, values["userId"], values["existingDeviceName"], values["newDeviceName"]
    )


@route(
    blueprint,
    "/recipe/totp/device/list",
    ["GET"],
    scope=Scope.APP,
    query=schemas.UserQuery,
    replica=True,
)
def list_devices(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/totp/device/list: the user's devices."""
    _non_empty(ctx.input, "userId")
    return service.list_devices(ctx, ctx.input["userId"])


@route(
    blueprint,
    "/recipe/totp/device/remove",
    ["POST"],
    scope=Scope.APP,
    body=schemas.DeviceBody,
    writes=True,
)
def remove_device(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/totp/device/remove: remove a device."""
    values = ctx.input
    _non_empty(values, "userId", "deviceName")
    return service.remove_device(ctx, values["userId"], values["deviceName"])


@route(
    blueprint,
    "/recipe/totp/device/verify",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.VerifyDeviceBody,
    writes=True,
)
def verify_device(ctx: RequestContext) -> dict[str, Any]:
    """POST /<tenant>/recipe/totp/device/verify: verify a new device with one of its codes."""
    values = ctx.input
    _non_empty(values, "userId", "deviceName")
    return service.verify_device(ctx, values["userId"], values["deviceName"], values["totp"])


@route(
    blueprint,
    "/recipe/totp/verify",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.VerifyCodeBody,
    writes=True,
)
def verify_code(ctx: RequestContext) -> dict[str, Any]:
    """POST /<tenant>/recipe/totp/verify: check a code of the user's verified devices."""
    values = ctx.input
    _non_empty(values, "userId")
    return service.verify_code(ctx, values["userId"], values["totp"])
