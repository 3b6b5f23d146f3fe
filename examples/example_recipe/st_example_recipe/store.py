"""The example recipe's one table: notes, kept per tenant and removed with it."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, insert

from core_app.plugin_api import TenantIdentifier
from core_app.plugin_api.tables import APP_ID_LENGTH, TENANT_ID_LENGTH, of_tenant

NOTE_LENGTH = 256

# Notes have no natural key, so a counter is the primary key; app and tenant are plain
# columns that the foreign key ties to the tenant (removing it removes its notes).
notes = Table(
    "example_notes",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app_id", String(APP_ID_LENGTH), nullable=False),
    Column("tenant_id", String(TENANT_ID_LENGTH), nullable=False),
    Column("text", String(NOTE_LENGTH), nullable=False),
    of_tenant(),
)

TABLES = (notes,)


def add_note(conn: Connection, tenant: TenantIdentifier, text: str) -> None:
    """Store a note for the tenant."""
    conn.execute(insert(notes).values(app_id=tenant.app_id, tenant_id=tenant.tenant_id, text=text))
