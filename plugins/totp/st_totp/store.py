"""The TOTP recipe's tables and statements.

A user's devices live in the database that holds the user (the app's, or the database of
the tenant the user signed up in), under the id callers give (any string: the external id
when the user is mapped). Used codes are per tenant and live in the tenant's database: they
are the replay list and the record the limit of wrong codes counts.

``totp_users`` has one row per user with devices: the anchor every change to a user's
devices and every check of a code locks first, so racing requests take turns.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    update,
)

from core_app.plugin_api import TenantIdentifier, insert_ignoring_duplicates
from core_app.plugin_api.tables import (
    APP_ID_LENGTH,
    TENANT_ID_LENGTH,
    USER_DATA_ID_LENGTH,
    app_id_column,
    lock_row,
    of_app,
    of_tenant,
)

DEVICE_NAME_LENGTH = 256
SECRET_LENGTH = 256
# Upstream refuses codes longer than 8 characters before looking at them.
CODE_LENGTH = 8

metadata = MetaData()

users = Table(
    "totp_users",
    metadata,
    app_id_column(),
    Column("user_id", String(USER_DATA_ID_LENGTH), primary_key=True),
    of_app(),
)

devices = Table(
    "totp_user_devices",
    metadata,
    app_id_column(),
    Column("user_id", String(USER_DATA_ID_LENGTH), primary_key=True),
    Column("device_name", String(DEVICE_NAME_LENGTH), primary_key=True),
    Column("secret_key", String(SECRET_LENGTH), nullable=False),
    Column("period", Integer, nullable=False),
    Column("skew", Integer, nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "user_id"], ["totp_users.app_id", "totp_users.user_id"], ondelete="CASCADE"
    ),
)

# No natural key (two checks may land in one millisecond): a counter is the primary key.
used_codes = Table(
    "totp_used_codes",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("app_id", String(APP_ID_LENGTH), nullable=False),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False),
    Column("user_id", String(USER_DATA_ID_LENGTH), nullable=False),
    Column("code", String(CODE_LENGTH), nullable=False),
    Column("is_valid", Boolean, nullable=False),
    Column("expiry_time_ms", BigInteger, nullable=False),
    Column("created_time_ms", BigInteger, nullable=False),
    of_tenant(),
    Index("totp_used_codes_user_index", "app_id", "tenant_id", "user_id", "created_time_ms"),
    Index("totp_used_codes_expiry_index", "expiry_time_ms"),
)

TABLES = (users, devices, used_codes)


@dataclass(frozen=True)
class Device:
    """One TOTP device of a user."""

    name: str
    secret_key: str
    period: int
    skew: int
    verified: bool


@dataclass(frozen=True)
class UsedCode:
    """One code checked for a user in a tenant, right or wrong."""

    code: str
    is_valid: bool
    expiry_time_ms: int
    created_time_ms: int


def lock_user(conn: Connection, app_id: str, user_id: str, create: bool) -> bool:
    """Lock the user's anchor row until the transaction ends; ``create`` makes it first.

    False when the user has no anchor (no device) and ``create`` is false.
    """
    if create:
        insert_ignoring_duplicates(conn, users, {"app_id": app_id, "user_id": user_id})
    return lock_row(conn, users, app_id=app_id, user_id=user_id) is not None


def devices_of(conn: Connection, app_id: str, user_id: str) -> list[Device]:
    """The user's devices, in the order they were made."""
    rows = conn.execute(
        select(devices)
        .where(devices.c.app_id == app_id, devices.c.user_id == user_id)
        .order_by(devices.c.created_at, devices.c.device_name)
    )
    return [
        Device(row.device_name, row.secret_key, row.period, row.skew, bool(row.verified))
        for row in rows
    ]


def add_device(
    conn: Connection, app_id: str, user_id: str, device: Device, created_at: int
) -> None:
    """Store a device (its user's anchor row exists)."""
    conn.execute(
        insert(devices).values(
            app_id=app_id,
            user_id=user_id,
            device_name=device.name,
            secret_key=device.secret_key,
            period=device.period,
            skew=device.skew,
            verified=device.verified,
            created_at=created_at,
        )
    )


def _device(app_id: str, user_id: str, name: str) -> list:
    return [devices.c.app_id == app_id, devices.c.user_id == user_id, devices.c.device_name == name]


def delete_device(conn: Connection, app_id: str, user_id: str, name: str) -> bool:
    """Remove one device; True when it existed."""
    return conn.execute(delete(devices).where(*_device(app_id, user_id, name))).rowcount > 0


def rename_device(conn: Connection, app_id: str, user_id: str, old: str, new: str) -> None:
    """Give a device another name (the caller has checked that the new one is free)."""
    conn.execute(update(devices).where(*_device(app_id, user_id, old)).values(device_name=new))


def mark_verified(conn: Connection, app_id: str, user_id: str, name: str) -> None:
    """Mark a device verified."""
    conn.execute(update(devices).where(*_device(app_id, user_id, name)).values(verified=True))


def delete_user(conn: Connection, app_id: str, user_id: str) -> None:
    """Remove the user's anchor row (and so any device left)."""
    conn.execute(delete(users).where(users.c.app_id == app_id, users.c.user_id == user_id))


def _used_by(tenant: TenantIdentifier, user_id: str) -> list:
    return [
        used_codes.c.app_id == tenant.app_id,
        used_codes.c.tenant_id == tenant.tenant_id,
        used_codes.c.user_id == user_id,
    ]


def latest_used_codes(
    conn: Connection, tenant: TenantIdentifier, user_id: str, count: int
) -> list[UsedCode]:
    """The user's ``count`` latest checked codes in the tenant, newest first."""
    rows = conn.execute(
        select(used_codes)
        .where(*_used_by(tenant, user_id))
        .order_by(used_codes.c.created_time_ms.desc(), used_codes.c.id.desc())
        .limit(count)
    )
    return [
        UsedCode(row.code, bool(row.is_valid), row.expiry_time_ms, row.created_time_ms)
        for row in rows
    ]


def code_was_used(
    conn: Connection, tenant: TenantIdentifier, user_id: str, code: str, now_ms: int
) -> bool:
    """Whether ``code`` was accepted for the user in the tenant and is still in its window."""
    found = conn.execute(
        select(func.count())
        .select_from(used_codes)
        .where(
            *_used_by(tenant, user_id),
            used_codes.c.code == code,
            used_codes.c.is_valid.is_(True),
            used_codes.c.expiry_time_ms > now_ms,
        )
    ).scalar_one()
    return found > 0


def add_used_code(conn: Connection, tenant: TenantIdentifier, user_id: str, used: UsedCode) -> None:
    """Record a checked code."""
    conn.execute(
        insert(used_codes).values(
            app_id=tenant.app_id,
            tenant_id=tenant.tenant_id,
            user_id=user_id,
            code=used.code,
            is_valid=used.is_valid,
            expiry_time_ms=used.expiry_time_ms,
            created_time_ms=used.created_time_ms,
        )
    )


def delete_users(conn: Connection, app_id: str, user_ids: Iterable[str]) -> None:
    """Remove the users' devices and used codes in every tenant of this database."""
    ids = list(user_ids)
    conn.execute(
        delete(used_codes).where(used_codes.c.app_id == app_id, used_codes.c.user_id.in_(ids))
    )
    conn.execute(delete(users).where(users.c.app_id == app_id, users.c.user_id.in_(ids)))


def has_devices(conn: Connection, app_id: str, user_id: str) -> bool:
    """Whether the user has a device in this database."""
    row = conn.execute(
        select(users.c.user_id).where(users.c.app_id == app_id, users.c.user_id == user_id)
    ).first()
    return row is not None


def tenants_with_used_codes(conn: Connection) -> list[tuple[str, str]]:
    """(app id, tenant id) of every tenant with used codes in this database."""
    rows = conn.execute(select(used_codes.c.app_id, used_codes.c.tenant_id).distinct())
    return [(row.app_id, row.tenant_id) for row in rows]


def delete_expired_codes(
    conn: Connection, tenant: TenantIdentifier, expired_before_ms: int
) -> None:
    """The tenant's used codes whose window ended before ``expired_before_ms``."""
    conn.execute(
        delete(used_codes).where(
            used_codes.c.app_id == tenant.app_id,
            used_codes.c.tenant_id == tenant.tenant_id,
            used_codes.c.expiry_time_ms < expired_before_ms,
        )
    )
