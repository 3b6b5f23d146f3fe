"""The example recipe's one table: notes, kept per tenant and removed with it."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Table,
    insert,
)

from core_app.plugin_api import TenantIdentifier

notes = Table(
    "example_notes", MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app_id", String(64), nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("text", String(256), nullable=False),
    ForeignKeyConstraint(["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"],
                         ondelete="CASCADE"),
)


def add_note(conn: Connection, tenant: TenantIdentifier, text: str) -> None:
    """Store a note for the tenant."""
    conn.execute(insert(notes).values(app_id=tenant.app_id, tenant_id=tenant.tenant_id,
                                      text=text))
