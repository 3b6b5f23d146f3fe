"""TOTP devices and codes (the recipe's rules, upstream's statuses).

Every change to a user's devices and every check of a code first locks the user's anchor
row (``store.lock_user``), in the database holding the user: two creates of one device name
leave one device, and parallel wrong codes are counted one after the other, so they never
pass the limit. A wrong code is recorded and committed with its answer; only a refused
request (limit reached, unknown device) writes nothing.

Codes are RFC 6238 (HMAC-SHA1, 6 digits, the device's period), computed by ``pyotp``; a
code is accepted for ``skew`` periods either side of now, and once per tenant while its
window lasts (the replay list is the used codes).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import pyotp

from core_app.plugin_api import RequestContext
from st_totp import config, store
from st_totp.store import Device, UsedCode

RECIPE_ID = "totp"
# How upstream names this recipe in "UserId is already in use in <name> recipe".
DATA_NAME = "TOTP"
DIGITS = 6
# 160-bit secrets, as upstream makes them: 32 base32 characters.
SECRET_CHARACTERS = 32
DEVICE_NAME_PREFIX = "TOTP Device "
# Bounds upstream does not have (README, differences from upstream): a request sets skew and
# period, and a check computes 2 * skew + 1 codes.
MAX_SKEW = 100
MAX_PERIOD_S = 86_400


def now_ms() -> int:
    """Milliseconds since the epoch."""
    return int(time.time() * 1000)


def _devices_anchor(ctx: RequestContext, user_id: str, create: bool) -> tuple[Any, bool]:
    """The connection holding the user's devices, and whether the user has any (locked)."""
    conn, _ = ctx.user_database(user_id)
    return conn, store.lock_user(conn, ctx.tenant.app_id, user_id, create)


def create_device(
    ctx: RequestContext,
    user_id: str,
    name: str | None,
    skew: int,
    period: int,
    secret: str | None = None,
) -> dict[str, Any]:
    """A new device: unverified with a fresh secret, or verified with an imported one.

    A verified device of the same name refuses it; an unverified one is replaced. Without a
    name the device is ``TOTP Device <n>``, ``n`` counting the verified devices and going up
    past the names verified devices hold.
    """
    app_id = ctx.tenant.app_id
    conn, _ = _devices_anchor(ctx, user_id, create=True)
    existing = {device.name: device for device in store.devices_of(conn, app_id, user_id)}
    if name is None:
        verified = sum(device.verified for device in existing.values())
        name = next(
            f"{DEVICE_NAME_PREFIX}{n}"
            for n in itertools.count(verified)
            if not _verified(existing.get(f"{DEVICE_NAME_PREFIX}{n}"))
        )
    found = existing.get(name)
    if _verified(found):
        return {"status": "DEVICE_ALREADY_EXISTS_ERROR"}
    if found is not None:
        store.delete_device(conn, app_id, user_id, name)
    device = Device(
        name=name,
        secret_key=secret if secret is not None else pyotp.random_base32(SECRET_CHARACTERS),
        period=period,
        skew=skew,
        verified=secret is not None,
    )
    store.add_device(conn, app_id, user_id, device, now_ms())
    if secret is not None:
        return {"status": "OK", "deviceName": name}
    return {"status": "OK", "deviceName": name, "secret": device.secret_key}


def _verified(device: Device | None) -> bool:
    return device is not None and device.verified


def rename_device(ctx: RequestContext, user_id: str, old: str, new: str) -> dict[str, Any]:
    """Give a device another name."""
    app_id = ctx.tenant.app_id
    conn, has_devices = _devices_anchor(ctx, user_id, create=False)
    names = {device.name for device in store.devices_of(conn, app_id, user_id)}
    if not has_devices or old not in names:
        return {"status": "UNKNOWN_DEVICE_ERROR"}
    if new != old and new in names:
        return {"status": "DEVICE_ALREADY_EXISTS_ERROR"}
    store.rename_device(conn, app_id, user_id, old, new)
    return {"status": "OK"}


def list_devices(ctx: RequestContext, user_id: str) -> dict[str, Any]:
    """The user's devices."""
    conn, _ = ctx.user_database(user_id)
    return {
        "status": "OK",
        "devices": [
            {
                "name": device.name,
                "period": device.period,
                "skew": device.skew,
                "verified": device.verified,
            }
            for device in store.devices_of(conn, ctx.tenant.app_id, user_id)
        ],
    }


def remove_device(ctx: RequestContext, user_id: str, name: str) -> dict[str, Any]:
    """Remove a device; the user's anchor goes with the last one.

    The used codes stay until housekeeping removes them, so removing and re-adding a device
    does not reset the limit of wrong codes.
    """
    app_id = ctx.tenant.app_id
    conn, has_devices = _devices_anchor(ctx, user_id, create=False)
    existed = has_devices and store.delete_device(conn, app_id, user_id, name)
    if existed and not store.devices_of(conn, app_id, user_id):
        store.delete_user(conn, app_id, user_id)
    return {"status": "OK", "didDeviceExist": existed}


def verify_device(ctx: RequestContext, user_id: str, name: str, code: str) -> dict[str, Any]:
    """Verify a new device with a code of it; a verified device answers so at once."""
    conn, has_devices = _devices_anchor(ctx, user_id, create=False)
    device = next(
        (d for d in store.devices_of(conn, ctx.tenant.app_id, user_id) if d.name == name), None
    )
    if not has_devices or device is None:
        return {"status": "UNKNOWN_DEVICE_ERROR"}
    if device.verified:
        return {"status": "OK", "wasAlreadyVerified": True}
    refusal = _check_code(ctx, user_id, [device], code)
    if refusal is not None:
        return refusal
    store.mark_verified(conn, ctx.tenant.app_id, user_id, name)
    return {"status": "OK", "wasAlreadyVerified": False}


def verify_code(ctx: RequestContext, user_id: str, code: str) -> dict[str, Any]:
    """Check a code against the user's verified devices."""
    conn, has_devices = _devices_anchor(ctx, user_id, create=False)
    if not has_devices:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    verified = [d for d in store.devices_of(conn, ctx.tenant.app_id, user_id) if d.verified]
    return _check_code(ctx, user_id, verified, code) or {"status": "OK"}


def _check_code(
    ctx: RequestContext, user_id: str, devices: list[Device], code: str
) -> dict[str, Any] | None:
    """None when ``code`` is right for one of ``devices`` and unused; else the refusal.

    Upstream's limit: the user's latest wrong codes in the tenant count while each came
    within the cooldown of the newest; ``totp_max_attempts`` of them refuse every code until
    the cooldown has passed since the newest. A refused code is not recorded; a checked one
    is, right or wrong.
    """
    tenant, conn = ctx.tenant, ctx.conn
    limit = ctx.settings[config.MAX_ATTEMPTS]
    cooldown_ms = ctx.settings[config.COOLDOWN_SEC] * 1000
    now = now_ms()
    wrong = list(
        itertools.takewhile(
            lambda used: not used.is_valid, store.latest_used_codes(conn, tenant, user_id, limit)
        )
    )
    failures = sum(
        1 for used in wrong if used.created_time_ms > wrong[0].created_time_ms - cooldown_ms
    )
    if failures == limit:
        waited = now - wrong[0].created_time_ms
        if waited < cooldown_ms:
            return {
                "status": "LIMIT_REACHED_ERROR",
                "retryAfterMs": cooldown_ms - waited,
                "currentNumberOfFailedAttempts": failures,
                "maxNumberOfFailedAttempts": limit,
            }
        failures = 0
    invalid = {
        "status": "INVALID_TOTP_ERROR",
        "currentNumberOfFailedAttempts": failures + 1,
        "maxNumberOfFailedAttempts": limit,
    }
    if len(code) > store.CODE_LENGTH:
        return invalid  # upstream answers without recording it
    match = next((device for device in devices if _accepts(device, code, now)), None)
    valid = match is not None and not store.code_was_used(conn, tenant, user_id, code, now)
    window_s = max(
        (device.period * (2 * device.skew + 1) for device in ([match] if match else devices)),
        default=0,
    )
    store.add_used_code(conn, tenant, user_id, UsedCode(code, valid, now + 1000 * window_s, now))
    return None if valid else invalid


def readable_secret(secret: str) -> bool:
    """Whether ``secret`` is base32 that codes can be made from (an imported one)."""
    try:
        return len(pyotp.TOTP(secret).byte_secret()) > 0
    except ValueError:
        return False


def _accepts(device: Device, code: str, now: int) -> bool:
    try:
        generator = pyotp.TOTP(device.secret_key, digits=DIGITS, interval=device.period)
        return generator.verify(code, for_time=now // 1000, valid_window=device.skew)
    except ValueError:
        return False  # an imported secret that is not base32 matches nothing
