"""Tables and SQL of the passwordless recipe (contract, storage §6).

Users: one row in ``passwordless_users`` and one per tenant in
``passwordless_user_to_tenant``, whose unique keys on email and on phone number are the
"one user per contact per tenant" rules. Devices and codes belong to a tenant and are
found by hash or by contact; a device's codes go with it (cascade).

Hashes are VARCHAR, not CHAR as upstream: PostgreSQL pads CHAR, and the 43-character
device hash must come back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from core_app.plugin_api import TenantIdentifier
from core_app.plugin_api import users as user_index

ID_LENGTH = 64
USER_ID_LENGTH = 36
CONTACT_LENGTH = 256
HASH_LENGTH = 44

metadata = MetaData()

users = Table(
    "passwordless_users",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("email", String(CONTACT_LENGTH), nullable=True),
    Column("phone_number", String(CONTACT_LENGTH), nullable=True),
    Column("time_joined", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
)

user_to_tenant = Table(
    "passwordless_user_to_tenant",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("email", String(CONTACT_LENGTH), nullable=True),
    Column("phone_number", String(CONTACT_LENGTH), nullable=True),
    UniqueConstraint("app_id", "tenant_id", "email", name="passwordless_user_to_tenant_email_key"),
    UniqueConstraint(
        "app_id", "tenant_id", "phone_number", name="passwordless_user_to_tenant_phone_number_key"
    ),
    ForeignKeyConstraint(
        ["app_id", "tenant_id", "user_id"],
        [
            "all_auth_recipe_users.app_id",
            "all_auth_recipe_users.tenant_id",
            "all_auth_recipe_users.user_id",
        ],
        ondelete="CASCADE",
    ),
)

devices = Table(
    "passwordless_devices",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("device_id_hash", String(HASH_LENGTH), primary_key=True),
    Column("email", String(CONTACT_LENGTH), nullable=True),
    Column("phone_number", String(CONTACT_LENGTH), nullable=True),
    Column("link_code_salt", String(HASH_LENGTH), nullable=False),
    Column("failed_attempts", Integer, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
    Index("passwordless_devices_email_index", "app_id", "tenant_id", "email"),
    Index("passwordless_devices_phone_number_index", "app_id", "tenant_id", "phone_number"),
)

codes = Table(
    "passwordless_codes",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("code_id", String(USER_ID_LENGTH), primary_key=True),
    Column("device_id_hash", String(HASH_LENGTH), nullable=False),
    Column("link_code_hash", String(HASH_LENGTH), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint(
        "app_id", "tenant_id", "link_code_hash", name="passwordless_codes_link_code_hash_key"
    ),
    ForeignKeyConstraint(
        ["app_id", "tenant_id", "device_id_hash"],
        [
            "passwordless_devices.app_id",
            "passwordless_devices.tenant_id",
            "passwordless_devices.device_id_hash",
        ],
        ondelete="CASCADE",
        onupdate="CASCADE",
    ),
    Index("passwordless_codes_created_at_index", "app_id", "tenant_id", "created_at"),
    Index("passwordless_codes_device_id_hash_index", "app_id", "tenant_id", "device_id_hash"),
)

TABLES = (users, user_to_tenant, devices, codes)


# --- users ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """An email or a phone number (exactly one set), normalised."""

    email: str | None = None
    phone_number: str | None = None

    @property
    def column_and_value(self) -> tuple[str, str | None]:
        """The column this contact is kept in, and its value."""
        if self.email is not None:
            return "email", self.email
        return "phone_number", self.phone_number

    def matches(self, table: Table):
        """The WHERE clause selecting this contact's rows of ``table``."""
        column, value = self.column_and_value
        return table.c[column] == value


@dataclass(frozen=True)
class PasswordlessUser:
    """A passwordless recipe user."""

    user_id: str
    email: str | None
    phone_number: str | None
    time_joined: int


def _user(row) -> PasswordlessUser:
    return PasswordlessUser(row.user_id, row.email, row.phone_number, row.time_joined)


_INSERT_USER = insert(users)
_INSERT_MEMBER = insert(user_to_tenant)


def add_user(conn: Connection, tenant: TenantIdentifier, user: PasswordlessUser) -> None:
    """Insert a new user's rows (the index rows must exist). A contact the tenant has
    already raises ``IntegrityError`` from the tenant's unique keys."""
    conn.execute(
        _INSERT_USER,
        {
            "app_id": tenant.app_id,
            "user_id": user.user_id,
            "email": user.email,
            "phone_number": user.phone_number,
            "time_joined": user.time_joined,
        },
    )
    conn.execute(
        _INSERT_MEMBER,
        {
            "app_id": tenant.app_id,
            "tenant_id": tenant.tenant_id,
            "user_id": user.user_id,
            "email": user.email,
            "phone_number": user.phone_number,
        },
    )


# Built once, as the other hot statements below: consume runs them on every request.
_MEMBER_BY_CONTACT = {
    kind: select(
        user_to_tenant.c.user_id, user_to_tenant.c.email, user_to_tenant.c.phone_number
    ).where(
        user_to_tenant.c.app_id == bindparam("app_id"),
        user_to_tenant.c.tenant_id == bindparam("tenant_id"),
        user_to_tenant.c[kind] == bindparam("value"),
    )
    for kind in ("email", "phone_number")
}
_USERS = select(users).where(
    users.c.app_id == bindparam("app_id"),
    users.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


@dataclass(frozen=True)
class Member:
    """A user's row in one tenant: its id and both contacts."""

    user_id: str
    email: str | None
    phone_number: str | None


def member_in_tenant(conn: Connection, tenant: TenantIdentifier, contact: Contact) -> Member | None:
    """The tenant's passwordless user with this contact, or None."""
    kind, value = contact.column_and_value
    row = conn.execute(
        _MEMBER_BY_CONTACT[kind],
        {"app_id": tenant.app_id, "tenant_id": tenant.tenant_id, "value": value},
    ).first()
    return Member(row.user_id, row.email, row.phone_number) if row else None


def users_by_id(conn: Connection, app_id: str, user_ids: list[str]) -> list[PasswordlessUser]:
    """The passwordless users among ``user_ids``."""
    if not user_ids:
        return []
    return [_user(row) for row in conn.execute(_USERS, {"app_id": app_id, "user_ids": user_ids})]


def lock_user(conn: Connection, app_id: str, user_id: str) -> PasswordlessUser | None:
    """The user with this id, its row locked for an update."""
    row = conn.execute(
        select(users).where(users.c.app_id == app_id, users.c.user_id == user_id).with_for_update()
    ).first()
    return _user(row) if row else None


def tenants_of_user(conn: Connection, app_id: str, user_id: str) -> list[str]:
    """The tenants a passwordless user belongs to."""
    return [
        row.tenant_id
        for row in conn.execute(
            select(user_to_tenant.c.tenant_id).where(
                user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id == user_id
            )
        )
    ]


def set_contact(conn: Connection, app_id: str, user_id: str, **values: str | None) -> None:
    """Change ``email`` and/or ``phone_number`` of a user in every tenant; a value another
    user of one of its tenants has raises ``IntegrityError``."""
    conn.execute(
        update(users).where(users.c.app_id == app_id, users.c.user_id == user_id).values(**values)
    )
    conn.execute(
        update(user_to_tenant)
        .where(user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id == user_id)
        .values(**values)
    )


def add_to_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> None:
    """Give a user a row in one more tenant; a contact taken there raises ``IntegrityError``."""
    found = users_by_id(conn, tenant.app_id, [user_id])
    if not found:
        return
    conn.execute(
        insert(user_to_tenant).values(
            app_id=tenant.app_id,
            tenant_id=tenant.tenant_id,
            user_id=user_id,
            email=found[0].email,
            phone_number=found[0].phone_number,
        )
    )


def memberships(conn: Connection, app_id: str, user_ids: list[str]) -> list:
    """``(tenant_id, email, phone_number)`` rows of the users' tenants."""
    return list(
        conn.execute(
            select(
                user_to_tenant.c.tenant_id, user_to_tenant.c.email, user_to_tenant.c.phone_number
            ).where(user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id.in_(user_ids))
        )
    )


def delete_users(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Delete users' rows (also when their index row stays)."""
    conn.execute(
        delete(user_to_tenant).where(
            user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id.in_(user_ids)
        )
    )
    conn.execute(delete(users).where(users.c.app_id == app_id, users.c.user_id.in_(user_ids)))


def users_with_contact(conn: Connection, tenant: TenantIdentifier, contact: Contact) -> list[str]:
    """Ids of the tenant's users with exactly this contact."""
    return [
        row.user_id
        for row in conn.execute(
            select(user_to_tenant.c.user_id).where(
                user_to_tenant.c.app_id == tenant.app_id,
                user_to_tenant.c.tenant_id == tenant.tenant_id,
                contact.matches(user_to_tenant),
            )
        )
    ]


def search(
    conn: Connection,
    tenant: TenantIdentifier,
    emails: tuple[str, ...],
    phone_numbers: tuple[str, ...],
    limit: int,
) -> list[str]:
    """Ids of the tenant's users matching every given tag (``UserSearch``'s rules)."""
    table = user_to_tenant
    conditions = [table.c.app_id == tenant.app_id, table.c.tenant_id == tenant.tenant_id]
    if emails:
        conditions.append(user_index.email_matches(table.c.email, emails))
    if phone_numbers:
        conditions.append(user_index.prefix_matches(table.c.phone_number, phone_numbers))
    return [
        row.user_id for row in conn.execute(select(table.c.user_id).where(*conditions).limit(limit))
    ]


# --- devices and codes --------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    """One login attempt for one contact."""

    device_id_hash: str
    email: str | None
    phone_number: str | None
    link_code_salt: str
    failed_attempts: int

    @property
    def contact(self) -> Contact:
        return (
            Contact(self.email, None)
            if self.email is not None
            else Contact(None, self.phone_number)
        )


@dataclass(frozen=True)
class Code:
    """One code of a device (only its link code's hash)."""

    code_id: str
    device_id_hash: str
    link_code_hash: str
    created_at: int


def _device(row) -> Device:
    return Device(
        row.device_id_hash, row.email, row.phone_number, row.link_code_salt, row.failed_attempts
    )


def _code(row) -> Code:
    return Code(row.code_id, row.device_id_hash, row.link_code_hash, row.created_at)


def _in_tenant(table: Table, tenant: TenantIdentifier):
    return and_(table.c.app_id == tenant.app_id, table.c.tenant_id == tenant.tenant_id)


_INSERT_DEVICE = insert(devices)
_INSERT_CODE = insert(codes)
_DEVICE = select(devices).where(
    devices.c.app_id == bindparam("app_id"),
    devices.c.tenant_id == bindparam("tenant_id"),
    devices.c.device_id_hash == bindparam("device_id_hash"),
)
_DEVICES_OF_CONTACT = {
    kind: select(devices)
    .where(
        devices.c.app_id == bindparam("app_id"),
        devices.c.tenant_id == bindparam("tenant_id"),
        devices.c[kind] == bindparam("value"),
    )
    .order_by(devices.c.device_id_hash)
    for kind in ("email", "phone_number")
}
_CODE_BY_LINK_CODE_HASH = select(codes).where(
    codes.c.app_id == bindparam("app_id"),
    codes.c.tenant_id == bindparam("tenant_id"),
    codes.c.link_code_hash == bindparam("link_code_hash"),
)
_DEVICE_LOCKED = _DEVICE.with_for_update()
_DEVICES_OF_CONTACT_LOCKED = {
    kind: query.with_for_update() for kind, query in _DEVICES_OF_CONTACT.items()
}
_CODE_BY_LINK_CODE_HASH_LOCKED = _CODE_BY_LINK_CODE_HASH.with_for_update()
_DELETE_DEVICES = delete(devices).where(
    devices.c.app_id == bindparam("app_id"),
    devices.c.tenant_id == bindparam("tenant_id"),
    devices.c.device_id_hash.in_(bindparam("hashes", expanding=True)),
)


def _keys(tenant: TenantIdentifier, **values: Any) -> dict[str, Any]:
    return {"app_id": tenant.app_id, "tenant_id": tenant.tenant_id, **values}


def add_device(conn: Connection, tenant: TenantIdentifier, device: Device) -> None:
    """Insert a device; a hash in use raises ``IntegrityError``."""
    conn.execute(
        _INSERT_DEVICE,
        _keys(
            tenant,
            device_id_hash=device.device_id_hash,
            email=device.email,
            phone_number=device.phone_number,
            link_code_salt=device.link_code_salt,
            failed_attempts=device.failed_attempts,
        ),
    )


def add_code(conn: Connection, tenant: TenantIdentifier, code: Code) -> None:
    """Insert a code; a used id or link-code hash, or a missing device, raises
    ``IntegrityError``."""
    conn.execute(
        _INSERT_CODE,
        _keys(
            tenant,
            code_id=code.code_id,
            device_id_hash=code.device_id_hash,
            link_code_hash=code.link_code_hash,
            created_at=code.created_at,
        ),
    )


def device(
    conn: Connection, tenant: TenantIdentifier, device_id_hash: str, lock: bool = False
) -> Device | None:
    """The tenant's device with this hash, or None (locked for an update if ``lock``)."""
    query = _DEVICE_LOCKED if lock else _DEVICE
    row = conn.execute(query, _keys(tenant, device_id_hash=device_id_hash)).first()
    return _device(row) if row else None


def lock_devices_of_contact(
    conn: Connection, tenant: TenantIdentifier, contact: Contact
) -> dict[str, Device]:
    """Lock every device of a contact in the tenant, in one fixed order, by hash.

    Code checks lock this whole set before touching one of them, so two checks of one
    contact's devices wait for each other instead of deadlocking when one deletes them all.
    """
    kind, value = contact.column_and_value
    rows = conn.execute(_DEVICES_OF_CONTACT_LOCKED[kind], _keys(tenant, value=value))
    return {row.device_id_hash: _device(row) for row in rows}


def devices_of_contact(
    conn: Connection, tenant: TenantIdentifier, contact: Contact
) -> list[Device]:
    """The tenant's devices of a contact."""
    kind, value = contact.column_and_value
    return [
        _device(row) for row in conn.execute(_DEVICES_OF_CONTACT[kind], _keys(tenant, value=value))
    ]


def code_by_link_code_hash(
    conn: Connection, tenant: TenantIdentifier, link_code_hash: str, lock: bool = False
) -> Code | None:
    """The tenant's code with this link-code hash, or None."""
    query = _CODE_BY_LINK_CODE_HASH_LOCKED if lock else _CODE_BY_LINK_CODE_HASH
    row = conn.execute(query, _keys(tenant, link_code_hash=link_code_hash)).first()
    return _code(row) if row else None


def device_of_link_code(
    conn: Connection, tenant: TenantIdentifier, link_code_hash: str
) -> tuple[Device, int] | None:
    """The device of the tenant's code with this link-code hash, and the code's creation
    time; None without such a code."""
    # Two key lookups, not a join: on a PostgreSQL table without statistics yet the
    # planner may scan the whole tenant for a join.
    code = code_by_link_code_hash(conn, tenant, link_code_hash)
    found = device(conn, tenant, code.device_id_hash) if code else None
    return (found, code.created_at) if found else None


def delete_devices(conn: Connection, tenant: TenantIdentifier, hashes: list[str]) -> None:
    """Delete devices; their codes go by the foreign key's cascade."""
    if hashes:
        conn.execute(_DELETE_DEVICES, _keys(tenant, hashes=hashes))


def code_by_id(conn: Connection, tenant: TenantIdentifier, code_id: str) -> Code | None:
    """The tenant's code with this id, or None."""
    row = conn.execute(
        select(codes).where(_in_tenant(codes, tenant), codes.c.code_id == code_id)
    ).first()
    return _code(row) if row else None


def codes_of_devices(
    conn: Connection, tenant: TenantIdentifier, device_id_hashes: list[str]
) -> dict[str, list[Code]]:
    """The codes of these devices, oldest first, by device hash."""
    found: dict[str, list[Code]] = {hash_: [] for hash_ in device_id_hashes}
    if not device_id_hashes:
        return found
    for row in conn.execute(
        select(codes)
        .where(_in_tenant(codes, tenant), codes.c.device_id_hash.in_(device_id_hashes))
        .order_by(codes.c.created_at, codes.c.code_id)
    ):
        found[row.device_id_hash].append(_code(row))
    return found


def increment_failed_attempts(
    conn: Connection, tenant: TenantIdentifier, device_id_hash: str
) -> None:
    """Count one more wrong typed code on a device."""
    conn.execute(
        update(devices)
        .where(_in_tenant(devices, tenant), devices.c.device_id_hash == device_id_hash)
        .values(failed_attempts=devices.c.failed_attempts + 1)
    )


def delete_code(conn: Connection, tenant: TenantIdentifier, code_id: str) -> None:
    """Delete one code."""
    conn.execute(delete(codes).where(_in_tenant(codes, tenant), codes.c.code_id == code_id))


def delete_devices_of_contact(conn: Connection, tenant: TenantIdentifier, contact: Contact) -> None:
    """Delete every device (and code) of a contact in the tenant."""
    delete_devices(
        conn, tenant, [d.device_id_hash for d in devices_of_contact(conn, tenant, contact)]
    )


def tenants_with_devices(conn: Connection) -> list[tuple[str, str]]:
    """Every (app id, tenant id) of this database that has a device."""
    return [
        (row.app_id, row.tenant_id)
        for row in conn.execute(select(devices.c.app_id, devices.c.tenant_id).distinct())
    ]


def delete_expired_devices(conn: Connection, tenant: TenantIdentifier, cutoff_ms: int) -> None:
    """Delete the tenant's devices whose every code was created before ``cutoff_ms``.

    A device with one live code keeps its expired ones, so a typed expired code is
    reported as expired rather than incorrect.
    """
    live = select(codes.c.device_id_hash).where(
        _in_tenant(codes, tenant), codes.c.created_at >= cutoff_ms
    )
    expired = [
        row.device_id_hash
        for row in conn.execute(
            select(codes.c.device_id_hash)
            .where(
                _in_tenant(codes, tenant),
                codes.c.created_at < cutoff_ms,
                codes.c.device_id_hash.not_in(live),
            )
            .distinct()
        )
    ]
    for start in range(0, len(expired), 500):
        batch = expired[start : start + 500]
        conn.execute(
            delete(codes).where(_in_tenant(codes, tenant), codes.c.device_id_hash.in_(batch))
        )
        conn.execute(
            delete(devices).where(_in_tenant(devices, tenant), devices.c.device_id_hash.in_(batch))
        )
