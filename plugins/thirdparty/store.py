"""Tables and SQL of the third-party recipe (contract, storage §5).

A user has one row in ``thirdparty_users`` and one per tenant in
``thirdparty_user_to_tenant``, whose unique ``(app_id, tenant_id, third_party_id,
third_party_user_id)`` is the "one user per provider identity per tenant" rule: two racing
first sign-ins with one identity make one user on every database. The identity is not
unique in the app: each tenant that does not share a user makes its own.

The per-tenant rows carry the email too (upstream's do not), so that "users of this tenant
with this email" is one key lookup; an email change updates both tables.
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
THIRD_PARTY_ID_LENGTH = 28
THIRD_PARTY_USER_ID_LENGTH = 256
EMAIL_LENGTH = 256

metadata = MetaData()

users = Table(
    "thirdparty_users",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("third_party_id", String(THIRD_PARTY_ID_LENGTH), nullable=False),
    Column("third_party_user_id", String(THIRD_PARTY_USER_ID_LENGTH), nullable=False),
    Column("email", String(EMAIL_LENGTH), nullable=False),
    Column("time_joined", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
    # For the email change, which upstream applies to every user of the app with the
    # identity. No (app_id, email) index: email lookups go through the per-tenant table.
    Index("thirdparty_users_identity_index", "app_id", "third_party_id", "third_party_user_id"),
)

user_to_tenant = Table(
    "thirdparty_user_to_tenant",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("third_party_id", String(THIRD_PARTY_ID_LENGTH), nullable=False),
    Column("third_party_user_id", String(THIRD_PARTY_USER_ID_LENGTH), nullable=False),
    Column("email", String(EMAIL_LENGTH), nullable=False),
    UniqueConstraint(
        "app_id",
        "tenant_id",
        "third_party_id",
        "third_party_user_id",
        name="thirdparty_user_to_tenant_identity_key",
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
    Index("thirdparty_user_to_tenant_email_index", "app_id", "tenant_id", "email"),
)

TABLES = (users, user_to_tenant)


@dataclass(frozen=True)
class Identity:
    """A provider's user: ``(thirdPartyId, thirdPartyUserId)``, compared exactly."""

    third_party_id: str
    third_party_user_id: str


@dataclass(frozen=True)
class ThirdPartyUser:
    """A third-party recipe user."""

    user_id: str
    identity: Identity
    email: str
    time_joined: int


def _user(row) -> ThirdPartyUser:
    return ThirdPartyUser(
        row.user_id,
        Identity(row.third_party_id, row.third_party_user_id),
        row.email,
        row.time_joined,
    )


_INSERT_USER = insert(users)
_INSERT_MEMBER = insert(user_to_tenant)


def add_user(conn: Connection, tenant: TenantIdentifier, user: ThirdPartyUser) -> None:
    """Insert a new user's rows (the index rows must exist). An identity the tenant has
    already raises ``IntegrityError`` from the tenant's unique key."""
    identity = user.identity
    conn.execute(
        _INSERT_USER,
        {
            "app_id": tenant.app_id,
            "user_id": user.user_id,
            "third_party_id": identity.third_party_id,
            "third_party_user_id": identity.third_party_user_id,
            "email": user.email,
            "time_joined": user.time_joined,
        },
    )
    conn.execute(
        _INSERT_MEMBER,
        {
            "app_id": tenant.app_id,
            "tenant_id": tenant.tenant_id,
            "user_id": user.user_id,
            "third_party_id": identity.third_party_id,
            "third_party_user_id": identity.third_party_user_id,
            "email": user.email,
        },
    )


# Built once: sign-in runs it on every request.
_MEMBER_WITH_IDENTITY = select(user_to_tenant.c.user_id, user_to_tenant.c.email).where(
    user_to_tenant.c.app_id == bindparam("app_id"),
    user_to_tenant.c.tenant_id == bindparam("tenant_id"),
    user_to_tenant.c.third_party_id == bindparam("third_party_id"),
    user_to_tenant.c.third_party_user_id == bindparam("third_party_user_id"),
)


@dataclass(frozen=True)
class Member:
    """A user's row in one tenant: its id and email."""

    user_id: str
    email: str


def member_in_tenant(
    conn: Connection, tenant: TenantIdentifier, identity: Identity, latest: bool = False
) -> Member | None:
    """The tenant's user with this identity, or None.

    ``latest`` reads the newest committed row even inside a repeatable-read snapshot
    (MySQL's default), by a shared-lock read: what a racing sign-up has just inserted.
    Shared, so that the losers of one race do not deadlock one another.
    """
    query = _MEMBER_WITH_IDENTITY
    if latest and conn.dialect.name != "sqlite":
        query = query.with_for_update(read=True)
    row = conn.execute(
        query,
        {
            "app_id": tenant.app_id,
            "tenant_id": tenant.tenant_id,
            "third_party_id": identity.third_party_id,
            "third_party_user_id": identity.third_party_user_id,
        },
    ).first()
    return Member(row.user_id, row.email) if row else None


_USERS = select(users).where(
    users.c.app_id == bindparam("app_id"),
    users.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


def users_by_id(conn: Connection, app_id: str, user_ids: list[str]) -> list[ThirdPartyUser]:
    """The third-party users among ``user_ids``."""
    if not user_ids:
        return []
    return [_user(row) for row in conn.execute(_USERS, {"app_id": app_id, "user_ids": user_ids})]


def lock_user(conn: Connection, app_id: str, user_id: str) -> ThirdPartyUser | None:
    """The user with this id, its row locked for an update."""
    row = conn.execute(
        select(users).where(users.c.app_id == app_id, users.c.user_id == user_id).with_for_update()
    ).first()
    return _user(row) if row else None


def set_email_of_identity(conn: Connection, app_id: str, identity: Identity, email: str) -> None:
    """Give every user of the app with this identity the email, in every tenant (upstream
    treats the provider's latest answer as true for the identity, whichever tenant)."""
    user_ids = [
        row.user_id
        for row in conn.execute(
            select(users.c.user_id).where(
                users.c.app_id == app_id,
                users.c.third_party_id == identity.third_party_id,
                users.c.third_party_user_id == identity.third_party_user_id,
            )
        )
    ]
    conn.execute(
        update(users)
        .where(users.c.app_id == app_id, users.c.user_id.in_(user_ids))
        .values(email=email)
    )
    conn.execute(
        update(user_to_tenant)
        .where(user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id.in_(user_ids))
        .values(email=email)
    )


def add_to_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> None:
    """Give a user a row in one more tenant; an identity taken there raises ``IntegrityError``."""
    found = users_by_id(conn, tenant.app_id, [user_id])
    if not found:
        return
    identity = found[0].identity
    conn.execute(
        _INSERT_MEMBER,
        {
            "app_id": tenant.app_id,
            "tenant_id": tenant.tenant_id,
            "user_id": user_id,
            "third_party_id": identity.third_party_id,
            "third_party_user_id": identity.third_party_user_id,
            "email": found[0].email,
        },
    )


def delete_users(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Delete users' rows (also when their index row stays)."""
    conn.execute(
        delete(user_to_tenant).where(
            user_to_tenant.c.app_id == app_id, user_to_tenant.c.user_id.in_(user_ids)
        )
    )
    conn.execute(delete(users).where(users.c.app_id == app_id, users.c.user_id.in_(user_ids)))


def users_with_email(conn: Connection, tenant: TenantIdentifier, email: str) -> list[str]:
    """Ids of the tenant's users with exactly this email, oldest first."""
    return [
        row.user_id
        for row in conn.execute(
            select(user_to_tenant.c.user_id)
            .join(
                users,
                (users.c.app_id == user_to_tenant.c.app_id)
                & (users.c.user_id == user_to_tenant.c.user_id),
            )
            .where(
                user_to_tenant.c.app_id == tenant.app_id,
                user_to_tenant.c.tenant_id == tenant.tenant_id,
                user_to_tenant.c.email == email,
            )
            .order_by(users.c.time_joined, users.c.user_id)
        )
    ]


def search(
    conn: Connection,
    tenant: TenantIdentifier,
    emails: tuple[str, ...],
    third_party_ids: tuple[str, ...],
    limit: int,
) -> list[str]:
    """Ids of the tenant's users matching every given tag (``UserSearch``'s rules)."""
    table = user_to_tenant
    conditions = [table.c.app_id == tenant.app_id, table.c.tenant_id == tenant.tenant_id]
    if emails:
        conditions.append(user_index.email_matches(table.c.email, emails))
    if third_party_ids:
        conditions.append(user_index.prefix_matches(table.c.third_party_id, third_party_ids))
    return [
        row.user_id for row in conn.execute(select(table.c.user_id).where(*conditions).limit(limit))
    ]
