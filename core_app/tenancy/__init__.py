"""Apps, tenants and their configuration: a host feature, registered as a plugin."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import MetaData

from core_app.hookspecs import hookimpl
from core_app.recipes import declare_tables
from core_app.tenancy import store


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """Apps, tenants, tenant configuration, providers, key-value."""
    declare_tables(metadata, store.TABLES)


@hookimpl
def st_blueprints() -> list[Blueprint]:
    """The multitenancy routes."""
    from core_app.tenancy.api import blueprint

    return [blueprint]
