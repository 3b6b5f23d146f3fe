"""Tables and SQL of email verification (contract, storage §7).

Verified pairs belong to the app (an email verified through one tenant is verified in all);
tokens belong to the tenant that made them. User ids here are whatever the caller uses,
so there is no foreign key to the user tables.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from core_app.plugin_api import TenantIdentifier, insert_ignoring_duplicates

metadata = MetaData()

verified_emails = Table(
    "emailverification_verified_emails",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("email", String(256), primary_key=True),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
    Index("emailverification_verified_emails_email_index", "app_id", "email"),
)

tokens = Table(
    "emailverification_tokens",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("tenant_id", String(64), primary_key=True),
    Column("user_id", String(128), primary_key=True),
    Column("email", String(256), primary_key=True),
    Column("token", String(128), primary_key=True),  # sha256 hex of the token
    Column("token_expiry", BigInteger, nullable=False),
    UniqueConstraint("token", name="emailverification_tokens_token_key"),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
    Index("emailverification_tokens_expiry_index", "token_expiry"),
)

TABLES = (verified_emails, tokens)


def is_verified(conn: Connection, app_id: str, user_id: str, email: str) -> bool:
    """Whether the pair is marked verified."""
    return (
        conn.execute(
            select(verified_emails.c.user_id).where(
                verified_emails.c.app_id == app_id,
                verified_emails.c.user_id == user_id,
                verified_emails.c.email == email,
            )
        ).first()
        is not None
    )


# Built once: user objects ask on every sign-in.
_VERIFIED_AMONG = select(verified_emails.c.user_id, verified_emails.c.email).where(
    verified_emails.c.app_id == bindparam("app_id"),
    verified_emails.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


def verified_among(
    conn: Connection, app_id: str, pairs: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The pairs that are marked verified, in one query (by user, then filtered)."""
    if not pairs:
        return []
    wanted = set(pairs)
    rows = conn.execute(
        _VERIFIED_AMONG, {"app_id": app_id, "user_ids": sorted({user for user, _ in pairs})}
    )
    return [(row.user_id, row.email) for row in rows if (row.user_id, row.email) in wanted]


def mark_verified(conn: Connection, app_id: str, user_id: str, email: str) -> None:
    """Mark a pair verified; marking it again is no error (and keeps the transaction)."""
    insert_ignoring_duplicates(
        conn, verified_emails, {"app_id": app_id, "user_id": user_id, "email": email}
    )


def unmark_verified(conn: Connection, app_id: str, user_id: str, email: str) -> None:
    """Forget that a pair was verified."""
    conn.execute(
        delete(verified_emails).where(
            verified_emails.c.app_id == app_id,
            verified_emails.c.user_id == user_id,
            verified_emails.c.email == email,
        )
    )


def add_token(
    conn: Connection,
    tenant: TenantIdentifier,
    user_id: str,
    email: str,
    token_hash: str,
    expiry: int,
) -> None:
    """Store a token's hash."""
    conn.execute(
        insert(tokens).values(
            app_id=tenant.app_id,
            tenant_id=tenant.tenant_id,
            user_id=user_id,
            email=email,
            token=token_hash,
            token_expiry=expiry,
        )
    )


def find_token(conn: Connection, tenant: TenantIdentifier, token_hash: str):
    """The tenant's token row with this hash, or None."""
    return conn.execute(
        select(tokens).where(
            tokens.c.app_id == tenant.app_id,
            tokens.c.tenant_id == tenant.tenant_id,
            tokens.c.token == token_hash,
        )
    ).first()


def lock_tokens(conn: Connection, tenant: TenantIdentifier, user_id: str, email: str) -> list[str]:
    """Lock and return the token hashes of a (tenant, user, email)."""
    return [
        row.token
        for row in conn.execute(
            select(tokens.c.token)
            .where(
                tokens.c.app_id == tenant.app_id,
                tokens.c.tenant_id == tenant.tenant_id,
                tokens.c.user_id == user_id,
                tokens.c.email == email,
            )
            .with_for_update()
        )
    ]


def delete_tokens(conn: Connection, tenant: TenantIdentifier, user_id: str, email: str) -> None:
    """Delete every token of a (tenant, user, email)."""
    conn.execute(
        delete(tokens).where(
            tokens.c.app_id == tenant.app_id,
            tokens.c.tenant_id == tenant.tenant_id,
            tokens.c.user_id == user_id,
            tokens.c.email == email,
        )
    )


def delete_user_data(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Verified pairs and tokens (every tenant) of deleted users."""
    conn.execute(
        delete(verified_emails).where(
            verified_emails.c.app_id == app_id, verified_emails.c.user_id.in_(user_ids)
        )
    )
    conn.execute(delete(tokens).where(tokens.c.app_id == app_id, tokens.c.user_id.in_(user_ids)))


def has_user_data(conn: Connection, app_id: str, user_id: str) -> bool:
    """Whether a verified email or a token is kept under this user id."""
    for table in (verified_emails, tokens):
        if conn.execute(
            select(table.c.email)
            .where(table.c.app_id == app_id, table.c.user_id == user_id)
            .limit(1)
        ).first():
            return True
    return False


def move_user_data(conn: Connection, app_id: str, from_user_id: str, to_user_id: str) -> None:
    """Re-key a user's verified emails and tokens (a new user-id mapping)."""
    for table in (verified_emails, tokens):
        conn.execute(
            update(table)
            .where(table.c.app_id == app_id, table.c.user_id == from_user_id)
            .values(user_id=to_user_id)
        )


def delete_expired_tokens(conn: Connection, now_ms: int) -> None:
    """Housekeeping: tokens past their expiry."""
    conn.execute(delete(tokens).where(tokens.c.token_expiry < now_ms))
