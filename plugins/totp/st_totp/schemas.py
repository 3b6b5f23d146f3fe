"""Request schemas of the TOTP routes, fields in upstream's parse order.

Emptiness is checked in the views, after every field has parsed, in upstream's order and
with its messages (``userId cannot be empty``).
"""

from __future__ import annotations

from core_app.plugin_api import JsonLong, JsonString, QueryString, RequestSchema
from core_app.plugin_api.tables import USER_DATA_ID_LENGTH
from st_totp.store import DEVICE_NAME_LENGTH, SECRET_LENGTH


class CreateDeviceBody(RequestSchema):
    """POST /recipe/totp/device."""

    userId = JsonString(required=True, max_length=USER_DATA_ID_LENGTH)
    deviceName = JsonString(max_length=DEVICE_NAME_LENGTH, allow_none=True)
    skew = JsonLong(required=True)
    period = JsonLong(required=True)


class ImportDeviceBody(CreateDeviceBody):
    """POST /recipe/totp/device/import."""

    secretKey = JsonString(required=True, max_length=SECRET_LENGTH)


class RenameDeviceBody(RequestSchema):
    """PUT /recipe/totp/device."""

    userId = JsonString(required=True, max_length=USER_DATA_ID_LENGTH)
    existingDeviceName = JsonString(required=True, max_length=DEVICE_NAME_LENGTH)
    newDeviceName = JsonString(required=True, max_length=DEVICE_NAME_LENGTH)


class UserQuery(RequestSchema):
    """GET /recipe/totp/device/list."""

    userId = QueryString(required=True)


class DeviceBody(RequestSchema):
    """POST /recipe/totp/device/remove."""

    userId = JsonString(required=True, max_length=USER_DATA_ID_LENGTH)
    deviceName = JsonString(required=True, max_length=DEVICE_NAME_LENGTH)


class VerifyDeviceBody(DeviceBody):
    """POST /<tenant>/recipe/totp/device/verify."""

    totp = JsonString(required=True)


class VerifyCodeBody(RequestSchema):
    """POST /<tenant>/recipe/totp/verify."""

    userId = JsonString(required=True, max_length=USER_DATA_ID_LENGTH)
    totp = JsonString(required=True)
