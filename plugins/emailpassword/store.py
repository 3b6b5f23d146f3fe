"""Tables and SQL of the email-password recipe (contract, storage §4).

A user has one row in ``emailpassword_users`` and one per tenant in
``emailpassword_user_to_tenant``, whose unique ``(app_id, tenant_id, email)`` is the
"one account per email per tenant" rule: two racing sign-ups make one user on every
database. Reset tokens belong to the app and may name any user of it.
"""

from __future__ import annotations

from dataclasses import dataclass

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

from core_app.plugin_api import TenantIdentifier
from core_app.plugin_api import users as user_index

ID_LENGTH = 64
USER_ID_LENGTH = 36
EMAIL_LENGTH = 256

metadata = MetaData()

users = Table(
    "emailpassword_users",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("email", String(EMAIL_LENGTH), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("time_joined", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
    # No (app_id, email) index as upstream has: every lookup by email goes through the
    # per-tenant table, and an unused index only gives PostgreSQL's planner a wrong choice
    # while a new table has no statistics yet.
)

user_to_tenant = Table(
    "emailpassword_user_to_tenant",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("email", String(EMAIL_LENGTH), nullable=False),
    UniqueConstraint("app_id", "tenant_id", "email", name="emailpassword_user_to_tenant_email_key"),
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

reset_tokens = Table(
    "emailpassword_pswd_reset_tokens",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("token", String(128), primary_key=True),  # sha256 hex of the token
    Column("email", String(EMAIL_LENGTH), nullable=True),
    Column("token_expiry", BigInteger, nullable=False),
    UniqueConstraint("token", name="emailpassword_pswd_reset_tokens_token_key"),
    ForeignKeyConstraint(
        ["app_id", "user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
        onupdate="CASCADE",
    ),
    Index("emailpassword_pswd_reset_tokens_expiry_index", "token_expiry"),
    Index("emailpassword_pswd_reset_tokens_user_index", "app_id", "user_id"),
)

TABLES = (users, user_to_tenant, reset_tokens)


@dataclass(frozen=True)
class Account:
    """An email-password recipe user."""

    user_id: str
    email: str
    password_hash: str
    time_joined: int


def _account(row) -> Account:
    return Account(row.user_id, row.email, row.password_hash, row.time_joined)


def add_account(conn: Connection, tenant: TenantIdentifier, account: Account) -> None:
    """Insert a new user's rows (the index rows must exist). A taken email raises
    ``IntegrityError`` from the tenant's unique key."""
    conn.execute(
        insert(users).values(
            app_id=tenant.app_id,
            user_id=account.user_id,
            email=account.email,
            password_hash=account.password_hash,
            time_joined=account.time_joined,
        )
    )
    conn.execute(
        insert(user_to_tenant).values(
            app_id=tenant.app_id,
            tenant_id=tenant.tenant_id,
            user_id=account.user_id,
            email=account.email,
        )
    )


# Built once: sign-in runs them on every request. Two key lookups rather than a join: on
# a new PostgreSQL table without statistics the planner may nest a join the wrong way
# round, which costs O(n^2) until autovacuum first analyses the table.
_USER_WITH_EMAIL_IN_TENANT = select(user_to_tenant.c.user_id).where(
    user_to_tenant.c.app_id == bindparam("app_id"),
    user_to_tenant.c.tenant_id == bindparam("tenant_id"),
    user_to_tenant.c.email == bindparam("email"),
)
_ACCOUNT = select(users).where(
    users.c.app_id == bindparam("app_id"), users.c.user_id == bindparam("user_id")
)


def account_in_tenant(
    conn: Connection, tenant: TenantIdentifier, email: str, latest: bool = False
) -> Account | None:
    """The tenant's account with this (normalised) email, or None.

    ``latest`` reads the newest committed row even inside a repeatable-read snapshot
    (MySQL's default), by a shared-lock read: what a racing sign-up has just inserted.
    Shared, so that the losers of one race do not deadlock one another.
    """
    by_email, by_id = _USER_WITH_EMAIL_IN_TENANT, _ACCOUNT
    if latest and conn.dialect.name != "sqlite":
        by_email, by_id = by_email.with_for_update(read=True), by_id.with_for_update(read=True)
    user_id = conn.execute(
        by_email, {"app_id": tenant.app_id, "tenant_id": tenant.tenant_id, "email": email}
    ).scalar()
    if user_id is None:
        return None
    row = conn.execute(by_id, {"app_id": tenant.app_id, "user_id": user_id}).first()
    return _account(row) if row else None


def account(conn: Connection, app_id: str, user_id: str, lock: bool = False) -> Account | None:
    """The account with this recipe user id, or None."""
    query = select(users).where(users.c.app_id == app_id, users.c.user_id == user_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    return _account(row) if row else None


_ACCOUNTS = select(users).where(
    users.c.app_id == bindparam("app_id"),
    users.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


def accounts(conn: Connection, app_id: str, user_ids: list[str]) -> list[Account]:
    """The accounts among ``user_ids``."""
    if not user_ids:
        return []
    return [
        _account(row) for row in conn.execute(_ACCOUNTS, {"app_id": app_id, "user_ids": user_ids})
    ]


def tenants_of_account(conn: Connection, app_id: str, user_id: str) -> list[str]:
    """The tenants an account belongs to."""
    return [
        row.tenant_id
        for row in conn.execute(
            select(user_to_tenant.c.tenant_id).where(
                user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id == user_id
            )
        )
    ]


def set_password_hash(conn: Connection, app_id: str, user_id: str, password_hash: str) -> None:
    """Store a new password hash for an account (no-op for a user without one)."""
    conn.execute(
        update(users)
        .where(users.c.app_id == app_id, users.c.user_id == user_id)
        .values(password_hash=password_hash)
    )


def replace_password_hash(
    conn: Connection, app_id: str, user_id: str, old_hash: str, new_hash: str
) -> None:
    """Swap a hash only if it is still the one that was verified (sign-in rehash)."""
    conn.execute(
        update(users)
        .where(
            users.c.app_id == app_id, users.c.user_id == user_id, users.c.password_hash == old_hash
        )
        .values(password_hash=new_hash)
    )


def set_email(conn: Connection, app_id: str, user_id: str, email: str) -> None:
    """Change an account's email in every tenant. A taken email raises ``IntegrityError``."""
    conn.execute(
        update(users)
        .where(users.c.app_id == app_id, users.c.user_id == user_id)
        .values(email=email)
    )
    conn.execute(
        update(user_to_tenant)
        .where(user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id == user_id)
        .values(email=email)
    )


def add_to_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> None:
    """Give an account a row in one more tenant. A taken email raises ``IntegrityError``."""
    found = account(conn, tenant.app_id, user_id)
    if found is None:
        return
    conn.execute(
        insert(user_to_tenant).values(
            app_id=tenant.app_id, tenant_id=tenant.tenant_id, user_id=user_id, email=found.email
        )
    )


def delete_accounts(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Delete accounts and their reset tokens (also when their index row stays)."""
    conn.execute(
        delete(user_to_tenant).where(
            user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id.in_(user_ids)
        )
    )
    conn.execute(
        delete(reset_tokens).where(
            reset_tokens.c.app_id == app_id, reset_tokens.c.user_id.in_(user_ids)
        )
    )
    conn.execute(delete(users).where(users.c.app_id == app_id, users.c.user_id.in_(user_ids)))


def users_with_email(conn: Connection, tenant: TenantIdentifier, email: str) -> list[str]:
    """Ids of the tenant's accounts with exactly this email."""
    return [
        row.user_id
        for row in conn.execute(
            select(user_to_tenant.c.user_id).where(
                user_to_tenant.c.app_id == tenant.app_id,
                user_to_tenant.c.tenant_id == tenant.tenant_id,
                user_to_tenant.c.email == email,
            )
        )
    ]


def search_by_email(
    conn: Connection, tenant: TenantIdentifier, prefixes: tuple[str, ...], limit: int
) -> list[str]:
    """Ids of the tenant's accounts whose email, or its domain, starts with a prefix."""
    query = (
        select(user_to_tenant.c.user_id)
        .where(
            user_to_tenant.c.app_id == tenant.app_id,
            user_to_tenant.c.tenant_id == tenant.tenant_id,
            user_index.email_matches(user_to_tenant.c.email, prefixes),
        )
        .limit(limit)
    )
    return [row.user_id for row in conn.execute(query)]


# --- reset tokens -------------------------------------------------------------------------


@dataclass(frozen=True)
class ResetToken:
    """A stored password-reset token (only its hash)."""

    user_id: str
    token_hash: str
    email: str | None
    expiry: int


def add_reset_token(conn: Connection, app_id: str, token: ResetToken) -> None:
    """Store a reset token's hash."""
    conn.execute(
        insert(reset_tokens).values(
            app_id=app_id,
            user_id=token.user_id,
            token=token.token_hash,
            email=token.email,
            token_expiry=token.expiry,
        )
    )


def find_reset_token(conn: Connection, app_id: str, token_hash: str) -> ResetToken | None:
    """The app's reset token with this hash, or None."""
    row = conn.execute(
        select(reset_tokens).where(
            reset_tokens.c.app_id == app_id, reset_tokens.c.token == token_hash
        )
    ).first()
    return ResetToken(row.user_id, row.token, row.email, row.token_expiry) if row else None


def lock_reset_tokens(conn: Connection, app_id: str, user_id: str) -> list[str]:
    """Lock and return the hashes of a user's reset tokens (so one consumption wins)."""
    return [
        row.token
        for row in conn.execute(
            select(reset_tokens.c.token)
            .where(reset_tokens.c.app_id == app_id, reset_tokens.c.user_id == user_id)
            .with_for_update()
        )
    ]


def delete_reset_tokens_of_user(conn: Connection, app_id: str, user_id: str) -> None:
    """Delete every reset token of a user."""
    conn.execute(
        delete(reset_tokens).where(
            reset_tokens.c.app_id == app_id, reset_tokens.c.user_id == user_id
        )
    )


def delete_expired_reset_tokens(conn: Connection, now_ms: int) -> None:
    """Housekeeping: reset tokens past their expiry."""
    conn.execute(delete(reset_tokens).where(reset_tokens.c.token_expiry < now_ms))
