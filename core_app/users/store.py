"""The shared user index every login recipe writes to (contract, storage §3).

``app_id_to_user_id`` has one row per recipe user of an app; ``all_auth_recipe_users`` one
row per recipe user per tenant it belongs to. Recipes add their own rows beside these and
point at them with cascading foreign keys, so deleting an index row deletes the user's
login data.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    MetaData,
    SmallInteger,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from core_app.storage import insert_or_add
from core_app.tenancy.store import ID_LENGTH
from core_app.tenant_prefix import TenantIdentifier

USER_ID_LENGTH = 36

metadata = MetaData()

app_id_to_user_id = Table(
    "app_id_to_user_id",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("recipe_id", String(128), nullable=False),
    Column("primary_or_recipe_user_id", String(USER_ID_LENGTH), nullable=False),
    Column("is_linked_or_is_a_primary_user", Boolean, nullable=False, default=False),
    # Kept here (upstream reads it from each recipe's table) so a user who has left every
    # tenant still has its sign-up time.
    Column("time_joined", BigInteger, nullable=False),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
    ForeignKeyConstraint(
        ["app_id", "primary_or_recipe_user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
    # Group members are found by it, and deleting a group's row cascades through it.
    Index("app_id_to_user_id_primary_index", "app_id", "primary_or_recipe_user_id"),
)

all_auth_recipe_users = Table(
    "all_auth_recipe_users",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("primary_or_recipe_user_id", String(USER_ID_LENGTH), nullable=False),
    Column("is_linked_or_is_a_primary_user", Boolean, nullable=False, default=False),
    Column("recipe_id", String(128), nullable=False),
    Column("time_joined", BigInteger, nullable=False),
    Column("primary_or_recipe_user_time_joined", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
    ForeignKeyConstraint(
        ["app_id", "user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["app_id", "primary_or_recipe_user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
    Index(
        "all_auth_recipe_users_pagination_index",
        "app_id",
        "tenant_id",
        "primary_or_recipe_user_time_joined",
        "primary_or_recipe_user_id",
    ),
    Index(
        "all_auth_recipe_users_recipe_pagination_index",
        "app_id",
        "recipe_id",
        "tenant_id",
        "primary_or_recipe_user_time_joined",
        "primary_or_recipe_user_id",
    ),
    # Covering (tenant_id last): the tenants of a group, read to keep the counts below.
    Index(
        "all_auth_recipe_users_primary_index", "app_id", "primary_or_recipe_user_id", "tenant_id"
    ),
    # Covering (tenant_id last) so that the tenants of a page of users are one index
    # search per user: without it SQLite, lacking statistics, prefers scanning the
    # app's whole primary key, which is covering, and grows with the user count.
    Index("all_auth_recipe_users_user_index", "app_id", "user_id", "tenant_id"),
)

# How many users (groups) have a login method in each tenant, and in the app as a whole:
# ``/users/count`` reads these few rows instead of counting distinct groups over the
# tenant's whole index, which grows with the users. Each count is spread over
# ``COUNT_SHARDS`` rows, one picked at random per change, so concurrent sign-ups on
# PostgreSQL and MySQL do not all queue for one row's lock. Kept by this module's writers
# (the only writers of the index); ``recount_users`` rebuilds them from the index.
COUNT_SHARDS = 8

tenant_user_counts = Table(
    "tenant_user_counts",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("shard", SmallInteger, primary_key=True, autoincrement=False),
    Column("users", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
)

app_user_counts = Table(
    "app_user_counts",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("shard", SmallInteger, primary_key=True, autoincrement=False),
    Column("users", BigInteger, nullable=False),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
)

COUNT_TABLES = (tenant_user_counts, app_user_counts)
TABLES = (app_id_to_user_id, all_auth_recipe_users, *COUNT_TABLES)


@dataclass(frozen=True)
class RecipeUser:
    """One recipe user's row in the index."""

    app_id: str
    user_id: str
    recipe_id: str
    primary_or_recipe_user_id: str
    is_linked_or_is_a_primary_user: bool
    time_joined: int


# Built once: this lookup runs on every session create and refresh.
_FIND_RECIPE_USER = select(app_id_to_user_id).where(
    app_id_to_user_id.c.app_id == bindparam("app_id"),
    app_id_to_user_id.c.user_id == bindparam("user_id"),
)


def find_recipe_user(conn: Connection, app_id: str, user_id: str) -> RecipeUser | None:
    """The index row of a recipe user, or None."""
    row = conn.execute(_FIND_RECIPE_USER, {"app_id": app_id, "user_id": user_id}).first()
    return RecipeUser(**row._mapping) if row else None


def add_recipe_user(
    conn: Connection, tenant: TenantIdentifier, user_id: str, recipe_id: str, time_joined: int
) -> None:
    """Index a new recipe user in the app and in its first tenant."""
    conn.execute(
        insert(app_id_to_user_id).values(
            app_id=tenant.app_id,
            user_id=user_id,
            recipe_id=recipe_id,
            primary_or_recipe_user_id=user_id,
            is_linked_or_is_a_primary_user=False,
            time_joined=time_joined,
        )
    )
    conn.execute(
        insert(all_auth_recipe_users).values(
            app_id=tenant.app_id,
            tenant_id=tenant.tenant_id,
            user_id=user_id,
            primary_or_recipe_user_id=user_id,
            is_linked_or_is_a_primary_user=False,
            recipe_id=recipe_id,
            time_joined=time_joined,
            primary_or_recipe_user_time_joined=time_joined,
        )
    )
    # A new group, in one tenant: no need to read what changed.
    _add_to_counts(conn, tenant.app_id, {tenant.tenant_id: 1}, 1)


def group_time_joined(conn: Connection, app_id: str, primary_user_id: str) -> int | None:
    """The earliest sign-up time of a user group (its ``timeJoined``)."""
    return conn.execute(
        select(func.min(app_id_to_user_id.c.time_joined)).where(
            app_id_to_user_id.c.app_id == app_id,
            app_id_to_user_id.c.primary_or_recipe_user_id == primary_user_id,
        )
    ).scalar_one()


def add_to_tenant(conn: Connection, tenant: TenantIdentifier, user: RecipeUser) -> bool:
    """Link a recipe user to a tenant; False when it already was."""
    try:
        with _counting(conn, user.app_id, [user.primary_or_recipe_user_id]), conn.begin_nested():
            conn.execute(
                insert(all_auth_recipe_users).values(
                    app_id=tenant.app_id,
                    tenant_id=tenant.tenant_id,
                    user_id=user.user_id,
                    primary_or_recipe_user_id=user.primary_or_recipe_user_id,
                    is_linked_or_is_a_primary_user=user.is_linked_or_is_a_primary_user,
                    recipe_id=user.recipe_id,
                    time_joined=user.time_joined,
                    primary_or_recipe_user_time_joined=group_time_joined(
                        conn, user.app_id, user.primary_or_recipe_user_id
                    ),
                )
            )
    except IntegrityError:
        return False
    return True


def remove_from_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> bool:
    """Unlink a recipe user from a tenant (its recipe's per-tenant row goes by cascade)."""
    with _counting(conn, tenant.app_id, _groups_of_users(conn, tenant.app_id, [user_id])):
        return (
            conn.execute(
                delete(all_auth_recipe_users).where(
                    all_auth_recipe_users.c.app_id == tenant.app_id,
                    all_auth_recipe_users.c.tenant_id == tenant.tenant_id,
                    all_auth_recipe_users.c.user_id == user_id,
                )
            ).rowcount
            > 0
        )


def group_members(conn: Connection, app_id: str, primary_user_id: str) -> list[str]:
    """Recipe user ids whose group is ``primary_user_id``."""
    return [
        row.user_id
        for row in conn.execute(
            select(app_id_to_user_id.c.user_id).where(
                app_id_to_user_id.c.app_id == app_id,
                app_id_to_user_id.c.primary_or_recipe_user_id == primary_user_id,
            )
        )
    ]


_TENANTS_OF_USERS = select(
    all_auth_recipe_users.c.user_id, all_auth_recipe_users.c.tenant_id
).where(
    all_auth_recipe_users.c.app_id == bindparam("app_id"),
    all_auth_recipe_users.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


def tenants_of_users(conn: Connection, app_id: str, user_ids: list[str]) -> dict[str, list[str]]:
    """The tenant ids of each recipe user, sorted."""
    found: dict[str, list[str]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return found
    for row in conn.execute(_TENANTS_OF_USERS, {"app_id": app_id, "user_ids": user_ids}):
        found[row.user_id].append(row.tenant_id)
    # Sorted here: an ORDER BY would let SQLite walk the primary key in tenant order.
    for tenant_ids in found.values():
        tenant_ids.sort()
    return found


def recipe_users(conn: Connection, app_id: str, user_ids: list[str]) -> dict[str, RecipeUser]:
    """The index rows of several recipe users, by id (unknown ids are left out)."""
    if not user_ids:
        return {}
    rows = conn.execute(_RECIPE_USERS, {"app_id": app_id, "user_ids": user_ids})
    return {row.user_id: RecipeUser(**row._mapping) for row in rows}


# Built once (user objects are built on every sign-in). Two key lookups rather than one
# statement with a subquery: on a new PostgreSQL table without statistics the planner may
# turn the subquery into a nested loop over the whole app, until autovacuum analyses it.
_GROUP_IDS = select(app_id_to_user_id.c.primary_or_recipe_user_id).where(
    app_id_to_user_id.c.app_id == bindparam("app_id"),
    app_id_to_user_id.c.user_id.in_(bindparam("user_ids", expanding=True)),
)
_GROUP_MEMBERS = select(app_id_to_user_id).where(
    app_id_to_user_id.c.app_id == bindparam("app_id"),
    app_id_to_user_id.c.primary_or_recipe_user_id.in_(bindparam("group_ids", expanding=True)),
)
_RECIPE_USERS = select(app_id_to_user_id).where(
    app_id_to_user_id.c.app_id == bindparam("app_id"),
    app_id_to_user_id.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


def groups_of(conn: Connection, app_id: str, user_ids: list[str]) -> list[RecipeUser]:
    """The index rows of every member of every group containing one of ``user_ids``."""
    if not user_ids:
        return []
    group_ids = sorted(
        set(conn.execute(_GROUP_IDS, {"app_id": app_id, "user_ids": user_ids}).scalars())
    )
    if not group_ids:
        return []
    return [
        RecipeUser(**row._mapping)
        for row in conn.execute(_GROUP_MEMBERS, {"app_id": app_id, "group_ids": group_ids})
    ]


@dataclass(frozen=True)
class PageKey:
    """A position in the user listing: a group's time joined and its id (users §4)."""

    time_joined: int
    user_id: str


def _listing_filter(app_id: str, tenant_id: str | None, recipe_ids: tuple[str, ...]) -> list:
    table = all_auth_recipe_users
    conditions = [table.c.app_id == app_id]
    if tenant_id is not None:
        conditions.append(table.c.tenant_id == tenant_id)
    if recipe_ids:
        conditions.append(table.c.recipe_id.in_(recipe_ids))
    return conditions


def page_of_groups(
    conn: Connection,
    app_id: str,
    tenant_id: str,
    recipe_ids: tuple[str, ...],
    ascending: bool,
    after: PageKey | None,
    limit: int,
) -> list[PageKey]:
    """Up to ``limit`` groups with a login method in the tenant, in listing order.

    Order: time joined (ascending or descending), then id descending; ``after`` is the
    first key of the page (keyset pagination, so the cost does not grow with the offset).
    """
    table = all_auth_recipe_users
    joined = table.c.primary_or_recipe_user_time_joined
    group = table.c.primary_or_recipe_user_id
    conditions = _listing_filter(app_id, tenant_id, recipe_ids)

    def groups(*more: Any) -> list[PageKey]:
        query = (
            select(group, joined)
            .distinct()
            .where(*conditions, *more)
            .order_by(joined.asc() if ascending else joined.desc(), group.desc())
            .limit(limit)
        )
        return [
            PageKey(row.primary_or_recipe_user_time_joined, row.primary_or_recipe_user_id)
            for row in conn.execute(query)
        ]

    if after is None:
        return groups()
    # Two index ranges, the rest of ``after``'s time joined, then the times beyond it: one
    # condition with OR over both would make the database walk the tenant from its start.
    page = groups(joined == after.time_joined, group <= after.user_id)
    if len(page) < limit:
        page += groups(joined > after.time_joined if ascending else joined < after.time_joined)
    return page[:limit]


def count_groups(
    conn: Connection, app_id: str, tenant_id: str | None, recipe_ids: tuple[str, ...]
) -> int:
    """How many groups have a login method (of the given recipes) in the tenant or app.

    Without a recipe filter, from the kept counts; with one, by counting the index.
    """
    if not recipe_ids:
        if tenant_id is None:
            return int(conn.execute(_APP_COUNT, {"app_id": app_id}).scalar_one())
        return int(
            conn.execute(_TENANT_COUNT, {"app_id": app_id, "tenant_id": tenant_id}).scalar_one()
        )
    table = all_auth_recipe_users
    return conn.execute(
        select(func.count(table.c.primary_or_recipe_user_id.distinct())).where(
            *_listing_filter(app_id, tenant_id, recipe_ids)
        )
    ).scalar_one()


def delete_recipe_users(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Delete recipe users' index rows; their recipes' rows go by cascade."""
    if not user_ids:
        return
    with _counting(conn, app_id, _groups_of_users(conn, app_id, user_ids)):
        conn.execute(
            delete(all_auth_recipe_users).where(
                all_auth_recipe_users.c.app_id == app_id,
                all_auth_recipe_users.c.user_id.in_(user_ids),
            )
        )
        conn.execute(
            delete(app_id_to_user_id).where(
                app_id_to_user_id.c.app_id == app_id, app_id_to_user_id.c.user_id.in_(user_ids)
            )
        )


def leave_all_tenants(conn: Connection, app_id: str, user_id: str) -> None:
    """Drop a recipe user's per-tenant rows but keep its app row (a group's id row)."""
    with _counting(conn, app_id, _groups_of_users(conn, app_id, [user_id])):
        conn.execute(
            delete(all_auth_recipe_users).where(
                all_auth_recipe_users.c.app_id == app_id, all_auth_recipe_users.c.user_id == user_id
            )
        )


# --- the kept user counts -------------------------------------------------------------------

_TENANT_COUNT = select(func.coalesce(func.sum(tenant_user_counts.c.users), 0)).where(
    tenant_user_counts.c.app_id == bindparam("app_id"),
    tenant_user_counts.c.tenant_id == bindparam("tenant_id"),
)
_APP_COUNT = select(func.coalesce(func.sum(app_user_counts.c.users), 0)).where(
    app_user_counts.c.app_id == bindparam("app_id")
)
_LOCK_GROUPS = (
    select(app_id_to_user_id.c.user_id)
    .where(
        app_id_to_user_id.c.app_id == bindparam("app_id"),
        app_id_to_user_id.c.user_id.in_(bindparam("group_ids", expanding=True)),
    )
    .order_by(app_id_to_user_id.c.user_id)
    .with_for_update()
)
# A locking read: under MySQL's repeatable read a plain one could see the transaction's
# first snapshot rather than what the writer it waited for committed.
_TENANTS_OF_GROUPS = (
    select(all_auth_recipe_users.c.primary_or_recipe_user_id, all_auth_recipe_users.c.tenant_id)
    .where(
        all_auth_recipe_users.c.app_id == bindparam("app_id"),
        all_auth_recipe_users.c.primary_or_recipe_user_id.in_(
            bindparam("group_ids", expanding=True)
        ),
    )
    .with_for_update()
)


def _add_to_counts(
    conn: Connection, app_id: str, tenant_changes: dict[str, int], app_change: int
) -> None:
    shard = random.randrange(COUNT_SHARDS)
    for tenant_id in sorted(tenant_changes):
        if tenant_changes[tenant_id]:
            insert_or_add(
                conn,
                tenant_user_counts,
                {
                    "app_id": app_id,
                    "tenant_id": tenant_id,
                    "shard": shard,
                    "users": tenant_changes[tenant_id],
                },
                "users",
            )
    if app_change:
        insert_or_add(
            conn, app_user_counts, {"app_id": app_id, "shard": shard, "users": app_change}, "users"
        )


def _groups_of_users(conn: Connection, app_id: str, user_ids: list[str]) -> set[str]:
    return set(conn.execute(_GROUP_IDS, {"app_id": app_id, "user_ids": user_ids}).scalars())


def _tenants_of_groups(conn: Connection, app_id: str, group_ids: list[str]) -> dict[str, set]:
    found: dict[str, set] = {group_id: set() for group_id in group_ids}
    for group_id, tenant_id in conn.execute(
        _TENANTS_OF_GROUPS, {"app_id": app_id, "group_ids": group_ids}
    ):
        found[group_id].add(tenant_id)
    return found


@contextlib.contextmanager
def _counting(conn: Connection, app_id: str, group_ids: Iterable[str]) -> Iterator[None]:
    """Keep the user counts right across a change to these groups' index rows.

    The groups' id rows are locked first, so two transactions changing one group (two of
    its members joining a tenant) take turns, and each sees what the other did.
    """
    groups = sorted(set(group_ids))
    if not groups:
        yield
        return
    conn.execute(_LOCK_GROUPS, {"app_id": app_id, "group_ids": groups})
    before = _tenants_of_groups(conn, app_id, groups)
    yield
    after = _tenants_of_groups(conn, app_id, groups)
    tenant_changes: Counter[str] = Counter()
    app_change = 0
    for group_id in groups:
        was, now = before[group_id], after[group_id]
        tenant_changes.update(now - was)
        tenant_changes.subtract(was - now)
        app_change += bool(now) - bool(was)
    _add_to_counts(conn, app_id, tenant_changes, app_change)


def forget_tenant_users(conn: Connection, tenant: TenantIdentifier) -> None:
    """Take the groups that only the tenant has out of the app's count.

    Called before the tenant's anchor row is deleted: its index rows go by cascade, and so
    does its own count, but the app's count is kept here.
    """
    table, other = all_auth_recipe_users, all_auth_recipe_users.alias("other")
    only_here = conn.execute(
        select(func.count(table.c.primary_or_recipe_user_id.distinct())).where(
            table.c.app_id == tenant.app_id,
            table.c.tenant_id == tenant.tenant_id,
            ~select(literal(1))
            .where(
                other.c.app_id == table.c.app_id,
                other.c.primary_or_recipe_user_id == table.c.primary_or_recipe_user_id,
                other.c.tenant_id != table.c.tenant_id,
            )
            .exists(),
        )
    ).scalar_one()
    _add_to_counts(conn, tenant.app_id, {}, -only_here)


def recount_users(conn: Connection, tables: Iterable[Table] = COUNT_TABLES) -> None:
    """Rebuild the kept user counts of every app and tenant from the index.

    For a database whose index was filled without them: one made before the counts
    existed (run when their tables are created), or a bulk load.
    """
    index, group = all_auth_recipe_users, all_auth_recipe_users.c.primary_or_recipe_user_id
    names = {table.name for table in tables}
    if tenant_user_counts.name in names:
        conn.execute(delete(tenant_user_counts))
        conn.execute(
            insert(tenant_user_counts).from_select(
                ["app_id", "tenant_id", "shard", "users"],
                select(
                    index.c.app_id, index.c.tenant_id, literal(0), func.count(group.distinct())
                ).group_by(index.c.app_id, index.c.tenant_id),
            )
        )
    if app_user_counts.name in names:
        conn.execute(delete(app_user_counts))
        conn.execute(
            insert(app_user_counts).from_select(
                ["app_id", "shard", "users"],
                select(index.c.app_id, literal(0), func.count(group.distinct())).group_by(
                    index.c.app_id
                ),
            )
        )


# --- account linking (accountlinking §5, §7, §8) ------------------------------------------


def lock_account_linking(conn: Connection, app_id: str) -> None:
    """Serialise the app's changes of primary users until the transaction ends.

    The rule that no two primary users of a tenant share an email, phone number or
    third-party identity is checked by reading other users; a lock on the app's anchor row
    makes those reads and the write that follows one step for concurrent linkers.
    """
    from core_app.tenancy.store import apps

    conn.execute(select(apps.c.app_id).where(apps.c.app_id == app_id).with_for_update())


def _set_group(conn: Connection, app_id: str, user_id: str, group_id: str, linked: bool) -> None:
    for table in (app_id_to_user_id, all_auth_recipe_users):
        conn.execute(
            update(table)
            .where(table.c.app_id == app_id, table.c.user_id == user_id)
            .values(primary_or_recipe_user_id=group_id, is_linked_or_is_a_primary_user=linked)
        )


def _refresh_group_time_joined(conn: Connection, app_id: str, group_id: str) -> None:
    time_joined = group_time_joined(conn, app_id, group_id)
    if time_joined is not None:
        conn.execute(
            update(all_auth_recipe_users)
            .where(
                all_auth_recipe_users.c.app_id == app_id,
                all_auth_recipe_users.c.primary_or_recipe_user_id == group_id,
            )
            .values(primary_or_recipe_user_time_joined=time_joined)
        )


def make_primary(conn: Connection, app_id: str, user_id: str, primary: bool = True) -> None:
    """Mark a recipe user that is its own group as a primary user (or no longer one)."""
    _set_group(conn, app_id, user_id, user_id, primary)


def link(conn: Connection, app_id: str, user_id: str, primary_user_id: str) -> None:
    """Put a recipe user into a primary user's group; the group's time joined follows."""
    groups = _groups_of_users(conn, app_id, [user_id]) | {primary_user_id}
    with _counting(conn, app_id, groups):
        _set_group(conn, app_id, user_id, primary_user_id, True)
    _refresh_group_time_joined(conn, app_id, primary_user_id)


def unlink(conn: Connection, app_id: str, user_id: str, primary_user_id: str) -> None:
    """Make a linked recipe user a group of its own again; both time-joined values follow."""
    with _counting(conn, app_id, [user_id, primary_user_id]):
        _set_group(conn, app_id, user_id, user_id, False)
    _refresh_group_time_joined(conn, app_id, user_id)
    _refresh_group_time_joined(conn, app_id, primary_user_id)


# --- search clauses recipes use for ``st_search_recipe_users`` ---------------------------


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def email_matches(column: Any, prefixes: tuple[str, ...]) -> Any:
    """The search rule for emails (``UserSearch``): a prefix of the address or its domain."""
    return or_(
        *[
            clause
            for prefix in prefixes
            for clause in (
                column.like(f"{_escaped(prefix)}%", escape="\\"),
                column.like(f"%@{_escaped(prefix)}%", escape="\\"),
            )
        ]
    )


def prefix_matches(column: Any, prefixes: tuple[str, ...]) -> Any:
    """The search rule for phone numbers and provider ids: one of the prefixes."""
    return or_(*[column.like(f"{_escaped(prefix)}%", escape="\\") for prefix in prefixes])
