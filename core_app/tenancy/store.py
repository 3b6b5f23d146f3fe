"""Tables and SQL of apps, tenants, tenant configuration and the key-value store.

Two kinds of rows:

- ``tenant_configs`` and ``tenant_thirdparty_providers`` live in the base database and say
  which apps and tenants exist and how they are configured.
- ``apps`` and ``tenants`` are anchors in every database that holds an app's or tenant's
  data: recipe tables point at them with ``ON DELETE CASCADE``, so deleting the anchor row
  deletes everything below it, in that database, in one statement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Iterable

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from core_app.tenant_prefix import PUBLIC, TenantIdentifier

ID_LENGTH = 64

metadata = MetaData()

apps = Table(
    "apps",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
)

tenants = Table(
    "tenants",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
)

tenant_configs = Table(
    "tenant_configs",
    metadata,
    Column("connection_uri_domain", String(256), primary_key=True),
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("core_config", Text, nullable=False),
    Column("first_factors", Text, nullable=True),
    Column("required_secondary_factors", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

tenant_thirdparty_providers = Table(
    "tenant_thirdparty_providers",
    metadata,
    Column("connection_uri_domain", String(256), primary_key=True),
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("third_party_id", String(256), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("config", Text, nullable=False),
    ForeignKeyConstraint(
        ["connection_uri_domain", "app_id", "tenant_id"],
        [
            "tenant_configs.connection_uri_domain",
            "tenant_configs.app_id",
            "tenant_configs.tenant_id",
        ],
        ondelete="CASCADE",
    ),
)

key_value = Table(
    "key_value",
    metadata,
    Column("app_id", String(ID_LENGTH), primary_key=True),
    Column("tenant_id", String(ID_LENGTH), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("value", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    ForeignKeyConstraint(
        ["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"], ondelete="CASCADE"
    ),
)

TABLES = (apps, tenants, tenant_configs, tenant_thirdparty_providers, key_value)


def now_ms() -> int:
    """Milliseconds since the epoch, the unit of every stored time."""
    return int(time.time() * 1000)


@dataclass(frozen=True)
class TenantRecord:
    """A tenant's stored configuration (not resolved)."""

    tenant: TenantIdentifier
    core_config: dict[str, Any]
    first_factors: list[str] | None
    required_secondary_factors: list[str] | None


def _where(tenant: TenantIdentifier, table: Table = tenant_configs) -> Any:
    return and_(
        table.c.connection_uri_domain == tenant.connection_uri_domain,
        table.c.app_id == tenant.app_id,
        table.c.tenant_id == tenant.tenant_id,
    )


def _record(row: Any) -> TenantRecord:
    return TenantRecord(
        TenantIdentifier(row.connection_uri_domain, row.app_id, row.tenant_id),
        json.loads(row.core_config),
        json.loads(row.first_factors) if row.first_factors is not None else None,
        json.loads(row.required_secondary_factors)
        if row.required_secondary_factors is not None
        else None,
    )


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def load_tenants(
    conn: Connection,
    connection_uri_domain: str,
    app_id: str,
    tenant_ids: Iterable[str] | None = None,
) -> list[TenantRecord]:
    """Stored configs of an app's tenants (all of them, or those named)."""
    query = select(tenant_configs).where(
        tenant_configs.c.connection_uri_domain == connection_uri_domain,
        tenant_configs.c.app_id == app_id,
    )
    if tenant_ids is not None:
        query = query.where(tenant_configs.c.tenant_id.in_(list(tenant_ids)))
    return [_record(row) for row in conn.execute(query.order_by(tenant_configs.c.tenant_id))]


def load_app_ids(conn: Connection, connection_uri_domain: str) -> list[str]:
    """Ids of every app of a connection URI domain."""
    query = (
        select(tenant_configs.c.app_id)
        .distinct()
        .where(tenant_configs.c.connection_uri_domain == connection_uri_domain)
        .order_by(tenant_configs.c.app_id)
    )
    return [row.app_id for row in conn.execute(query)]


def insert_tenant(conn: Connection, record: TenantRecord) -> bool:
    """Insert a tenant's config row; False when it already exists."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(tenant_configs).values(
                    connection_uri_domain=record.tenant.connection_uri_domain,
                    app_id=record.tenant.app_id,
                    tenant_id=record.tenant.tenant_id,
                    core_config=json.dumps(record.core_config),
                    first_factors=_dump(record.first_factors),
                    required_secondary_factors=_dump(record.required_secondary_factors),
                    created_at=now_ms(),
                )
            )
    except IntegrityError:
        return False
    return True


def update_tenant(conn: Connection, record: TenantRecord) -> None:
    """Overwrite a tenant's config row."""
    conn.execute(
        update(tenant_configs)
        .where(_where(record.tenant))
        .values(
            core_config=json.dumps(record.core_config),
            first_factors=_dump(record.first_factors),
            required_secondary_factors=_dump(record.required_secondary_factors),
        )
    )


def lock_tenant(conn: Connection, tenant: TenantIdentifier) -> TenantRecord | None:
    """Read a tenant's config row for update (concurrent updates serialise on it)."""
    query = select(tenant_configs).where(_where(tenant))
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    row = conn.execute(query).first()
    return _record(row) if row else None


def delete_tenant_config(conn: Connection, tenant: TenantIdentifier) -> bool:
    """Delete a tenant's config (providers go by cascade); True if it existed."""
    return conn.execute(delete(tenant_configs).where(_where(tenant))).rowcount > 0


def delete_app_config(conn: Connection, connection_uri_domain: str, app_id: str) -> bool:
    """Delete every tenant config of an app; True if any existed."""
    return (
        conn.execute(
            delete(tenant_configs).where(
                tenant_configs.c.connection_uri_domain == connection_uri_domain,
                tenant_configs.c.app_id == app_id,
            )
        ).rowcount
        > 0
    )


# --- anchors in a data database ---------------------------------------------------------


def ensure_anchor(conn: Connection, tenant: TenantIdentifier) -> None:
    """Make sure the app and tenant anchor rows exist in this database."""
    for table, values in (
        (apps, {"app_id": tenant.app_id}),
        (tenants, {"app_id": tenant.app_id, "tenant_id": tenant.tenant_id}),
    ):
        exists = conn.execute(select(table).filter_by(**values)).first()
        if exists is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(table).values(created_at=now_ms(), **values))
            except IntegrityError:
                pass  # another process created it between our read and insert


def delete_tenant_anchor(conn: Connection, tenant: TenantIdentifier) -> None:
    """Delete a tenant's anchor row: every row keyed by the tenant goes by cascade."""
    conn.execute(
        delete(tenants).where(
            tenants.c.app_id == tenant.app_id, tenants.c.tenant_id == tenant.tenant_id
        )
    )


def delete_app_anchor(conn: Connection, app_id: str) -> None:
    """Delete an app's anchor row: every row keyed by the app goes by cascade."""
    conn.execute(delete(apps).where(apps.c.app_id == app_id))


# --- third-party provider config --------------------------------------------------------


def load_providers(conn: Connection, tenant: TenantIdentifier) -> list[dict[str, Any]]:
    """A tenant's third-party providers, in the order they were first added."""
    query = (
        select(tenant_thirdparty_providers.c.config)
        .where(_where(tenant, tenant_thirdparty_providers))
        .order_by(tenant_thirdparty_providers.c.position)
    )
    return [json.loads(row.config) for row in conn.execute(query)]


def load_providers_of_app(
    conn: Connection, connection_uri_domain: str, app_id: str
) -> dict[str, list[dict[str, Any]]]:
    """Every tenant's providers of an app, by tenant id."""
    query = (
        select(tenant_thirdparty_providers)
        .where(
            tenant_thirdparty_providers.c.connection_uri_domain == connection_uri_domain,
            tenant_thirdparty_providers.c.app_id == app_id,
        )
        .order_by(tenant_thirdparty_providers.c.position)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(query):
        found.setdefault(row.tenant_id, []).append(json.loads(row.config))
    return found


def put_provider(conn: Connection, tenant: TenantIdentifier, provider: dict[str, Any]) -> bool:
    """Replace or add a provider; True when it was added."""
    where = and_(
        _where(tenant, tenant_thirdparty_providers),
        tenant_thirdparty_providers.c.third_party_id == provider["thirdPartyId"],
    )
    updated = conn.execute(
        update(tenant_thirdparty_providers).where(where).values(config=json.dumps(provider))
    ).rowcount
    if updated:
        return False
    conn.execute(
        insert(tenant_thirdparty_providers).values(
            connection_uri_domain=tenant.connection_uri_domain,
            app_id=tenant.app_id,
            tenant_id=tenant.tenant_id,
            third_party_id=provider["thirdPartyId"],
            position=now_ms(),
            config=json.dumps(provider),
        )
    )
    return True


def delete_provider(conn: Connection, tenant: TenantIdentifier, third_party_id: str) -> bool:
    """Remove a provider; True if it existed."""
    return (
        conn.execute(
            delete(tenant_thirdparty_providers).where(
                _where(tenant, tenant_thirdparty_providers),
                tenant_thirdparty_providers.c.third_party_id == third_party_id,
            )
        ).rowcount
        > 0
    )


# --- key-value --------------------------------------------------------------------------


def read_value(
    conn: Connection, tenant: TenantIdentifier, name: str, latest: bool = False
) -> str | None:
    """A stored value of the tenant, or None.

    ``latest`` reads the newest committed value even inside a repeatable-read snapshot
    (MySQL's default), by a shared-lock read (shared, so that racing writers that lost
    on the key do not deadlock one another).
    """
    query = select(key_value.c.value).where(
        key_value.c.app_id == tenant.app_id,
        key_value.c.tenant_id == tenant.tenant_id,
        key_value.c.name == name,
    )
    if latest and conn.dialect.name != "sqlite":
        query = query.with_for_update(read=True)
    row = conn.execute(query).first()
    return row.value if row else None


def put_value_if_absent(conn: Connection, tenant: TenantIdentifier, name: str, value: str) -> str:
    """Store ``value`` unless the name has one; returns the value that is stored."""
    existing = read_value(conn, tenant, name)
    if existing is not None:
        return existing
    try:
        with conn.begin_nested():
            conn.execute(
                insert(key_value).values(
                    app_id=tenant.app_id,
                    tenant_id=tenant.tenant_id,
                    name=name,
                    value=value,
                    created_at=now_ms(),
                )
            )
    except IntegrityError:
        pass  # a racing process stored its value first; use that one
    stored = read_value(conn, tenant, name, latest=True)
    assert stored is not None
    return stored


def public_app_record(connection_uri_domain: str) -> TenantRecord:
    """The config row of a new app's public tenant."""
    return TenantRecord(TenantIdentifier(connection_uri_domain, PUBLIC, PUBLIC), {}, None, None)
