"""Apps, tenants and their configuration: a host feature, registered as a plugin."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import MetaData

from core_app.hookspecs import hookimpl
from core_app.tenancy import store


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """Apps, tenants, tenant configuration, providers, key-value."""
    for table in store.TABLES:
        table.to_metadata(metadata)


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """The multitenancy routes."""
    from core_app.tenancy.api import blueprint

    return [blueprint]
