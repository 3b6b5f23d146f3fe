"""Tables and SQL of sessions and signing keys (contract, session §1 and §7)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from core_app.plugin_api import TenantIdentifier

metadata = MetaData()

sessions = Table(
    "session_info",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("tenant_id", String(64), primary_key=True),
    Column("session_handle", String(255), primary_key=True),
    Column("user_id", String(128), nullable=False),
    Column("refresh_token_hash_2", String(128), nullable=False),
    Column("session_data", Text, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("created_at_time", BigInteger, nullable=False),
    Column("jwt_user_payload", Text, nullable=False),
    Column("use_static_key", Boolean, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
    Index("session_info_user_index", "app_id", "user_id"),
    Index("session_info_expiry_index", "expires_at"),
)

# One row per app, locked while keys are created, so racing processes make one key.
key_rings = Table(
    "session_key_rings",
    metadata,
    Column("app_id", String(64), primary_key=True),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
)

signing_keys = Table(
    "session_signing_keys",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("key_id", String(64), primary_key=True),
    Column("dynamic", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("private_key", Text, nullable=False),  # PKCS#8 PEM
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
    Index("session_signing_keys_created_index", "app_id", "dynamic", "created_at"),
)

TABLES = (sessions, key_rings, signing_keys)


@dataclass(frozen=True)
class SessionRow:
    """A stored session."""

    tenant_id: str
    handle: str
    user_id: str
    refresh_token_hash_2: str
    session_data: dict[str, Any]
    expires_at: int
    created_at: int
    jwt_payload: dict[str, Any]
    use_static_key: bool


def _row(row: Any) -> SessionRow:
    return SessionRow(
        row.tenant_id,
        row.session_handle,
        row.user_id,
        row.refresh_token_hash_2,
        json.loads(row.session_data),
        row.expires_at,
        row.created_at_time,
        json.loads(row.jwt_user_payload),
        bool(row.use_static_key),
    )


def _key(tenant: TenantIdentifier, handle: str) -> list[Any]:
    return [
        sessions.c.app_id == tenant.app_id,
        sessions.c.tenant_id == tenant.tenant_id,
        sessions.c.session_handle == handle,
    ]


# Hot-path statements are built once; executing them with parameters skips rebuilding
# and re-hashing the statement on every request.
_INSERT_SESSION = insert(sessions)
_FIND_SESSION = select(sessions).where(
    sessions.c.app_id == bindparam("app_id"),
    sessions.c.tenant_id == bindparam("tenant_id"),
    sessions.c.session_handle == bindparam("handle"),
)
_FIND_SESSION_FOR_UPDATE = _FIND_SESSION.with_for_update()


def insert_session(conn: Connection, tenant: TenantIdentifier, row: SessionRow) -> None:
    """Store a new session."""
    conn.execute(
        _INSERT_SESSION,
        {
            "app_id": tenant.app_id,
            "tenant_id": tenant.tenant_id,
            "session_handle": row.handle,
            "user_id": row.user_id,
            "refresh_token_hash_2": row.refresh_token_hash_2,
            "session_data": json.dumps(row.session_data),
            "expires_at": row.expires_at,
            "created_at_time": row.created_at,
            "jwt_user_payload": json.dumps(row.jwt_payload),
            "use_static_key": row.use_static_key,
        },
    )


def find_session(
    conn: Connection, tenant: TenantIdentifier, handle: str, for_update: bool = False
) -> SessionRow | None:
    """A session by handle, expired or not; ``for_update`` locks the row."""
    query = (
        _FIND_SESSION_FOR_UPDATE if for_update and conn.dialect.name != "sqlite" else _FIND_SESSION
    )
    row = conn.execute(
        query, {"app_id": tenant.app_id, "tenant_id": tenant.tenant_id, "handle": handle}
    ).first()
    return _row(row) if row else None


def update_session(conn: Connection, tenant: TenantIdentifier, handle: str, **values: Any) -> bool:
    """Change stored columns of a session; False if it does not exist."""
    for name in ("session_data", "jwt_user_payload"):
        if name in values:
            values[name] = json.dumps(values[name])
    return conn.execute(update(sessions).where(*_key(tenant, handle)).values(**values)).rowcount > 0


def delete_sessions(
    conn: Connection, app_id: str, handles_by_tenant: dict[str, list[str]]
) -> list[str]:
    """Delete sessions by handle; returns the handles that existed."""
    removed: list[str] = []
    for tenant_id, handles in handles_by_tenant.items():
        where = [
            sessions.c.app_id == app_id,
            sessions.c.tenant_id == tenant_id,
            sessions.c.session_handle.in_(handles),
        ]
        found = [
            row.session_handle
            for row in conn.execute(select(sessions.c.session_handle).where(*where))
        ]
        if found:
            conn.execute(delete(sessions).where(*where[:2], sessions.c.session_handle.in_(found)))
        removed.extend(found)
    return removed


def alive_handles_of_users(
    conn: Connection, app_id: str, user_ids: Iterable[str], now: int, tenant_id: str | None = None
) -> list[str]:
    """Handles of the non-expired sessions of these users (one tenant, or all)."""
    query = select(sessions.c.session_handle).where(
        sessions.c.app_id == app_id,
        sessions.c.user_id.in_(list(user_ids)),
        sessions.c.expires_at >= now,
    )
    if tenant_id is not None:
        query = query.where(sessions.c.tenant_id == tenant_id)
    return [row.session_handle for row in conn.execute(query.order_by(sessions.c.created_at_time))]


def delete_alive_sessions_of_users(
    conn: Connection, app_id: str, user_ids: Iterable[str], now: int, tenant_id: str | None = None
) -> list[str]:
    """Delete the non-expired sessions of these users; returns their handles."""
    ids = list(user_ids)
    handles = alive_handles_of_users(conn, app_id, ids, now, tenant_id)
    if handles:
        query = delete(sessions).where(
            sessions.c.app_id == app_id, sessions.c.session_handle.in_(handles)
        )
        conn.execute(query)
    return handles


def delete_all_sessions_of_users(
    conn: Connection, app_id: str, user_ids: Iterable[str], tenant_id: str | None = None
) -> None:
    """Delete every session of these users, expired ones too (user deletion)."""
    query = delete(sessions).where(
        sessions.c.app_id == app_id, sessions.c.user_id.in_(list(user_ids))
    )
    if tenant_id is not None:
        query = query.where(sessions.c.tenant_id == tenant_id)
    conn.execute(query)


def delete_sessions_in_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> None:
    """Delete a user's sessions in one tenant (the user left it)."""
    delete_all_sessions_of_users(conn, tenant.app_id, [user_id], tenant.tenant_id)


def has_sessions(conn: Connection, app_id: str, user_id: str) -> bool:
    """Whether any session, in any tenant, was made for this user id."""
    return (
        conn.execute(
            select(sessions.c.session_handle)
            .where(sessions.c.app_id == app_id, sessions.c.user_id == user_id)
            .limit(1)
        ).first()
        is not None
    )


def delete_expired_sessions(conn: Connection, now: int) -> int:
    """Housekeeping: remove sessions that ended; returns how many."""
    return conn.execute(delete(sessions).where(sessions.c.expires_at < now)).rowcount


# --- signing keys -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredKey:
    """A signing key as stored."""

    key_id: str
    dynamic: bool
    created_at: int
    private_key_pem: str


def load_keys(conn: Connection, app_id: str, dynamic_since: int) -> list[StoredKey]:
    """Dynamic keys created at or after ``dynamic_since`` (newest first), then static keys."""
    query = (
        select(signing_keys)
        .where(signing_keys.c.app_id == app_id)
        .where(
            (signing_keys.c.dynamic == False) | (signing_keys.c.created_at >= dynamic_since)  # noqa: E712
        )
        .order_by(signing_keys.c.dynamic.desc(), signing_keys.c.created_at.desc())
    )
    return [
        StoredKey(row.key_id, bool(row.dynamic), row.created_at, row.private_key)
        for row in conn.execute(query)
    ]


def lock_key_ring(conn: Connection, app_id: str) -> None:
    """Serialise key creation for an app until the transaction ends."""
    try:
        with conn.begin_nested():
            conn.execute(insert(key_rings).values(app_id=app_id))
    except IntegrityError:
        pass
    query = select(key_rings).where(key_rings.c.app_id == app_id)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    else:
        # SQLite has no row locks: writing the row takes the database write lock.
        conn.execute(update(key_rings).where(key_rings.c.app_id == app_id).values(app_id=app_id))
    conn.execute(query)


def insert_key(conn: Connection, app_id: str, key: StoredKey) -> None:
    """Store a new signing key."""
    conn.execute(
        insert(signing_keys).values(
            app_id=app_id,
            key_id=key.key_id,
            dynamic=key.dynamic,
            created_at=key.created_at,
            private_key=key.private_key_pem,
        )
    )


def delete_retired_keys(conn: Connection, app_id: str, created_before: int) -> int:
    """Housekeeping: remove dynamic keys no token can still need."""
    return conn.execute(
        delete(signing_keys).where(
            signing_keys.c.app_id == app_id,
            signing_keys.c.dynamic == True,  # noqa: E712
            signing_keys.c.created_at < created_before,
        )
    ).rowcount


def apps_with_keys(conn: Connection) -> list[str]:
    """Apps that have signing keys in this database."""
    return [row.app_id for row in conn.execute(select(signing_keys.c.app_id).distinct())]
