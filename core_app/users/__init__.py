"""The shared user index: a host feature, registered as a plugin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, event

from core_app.hookspecs import hookimpl
from core_app.recipes import declare_tables
from core_app.users import store


@hookimpl
def st_tables(metadata: MetaData) -> None:
    """``app_id_to_user_id``, ``all_auth_recipe_users`` and the kept user counts."""
    declare_tables(metadata, store.TABLES)
    index = metadata.tables[store.all_auth_recipe_users.name]
    for counts in store.COUNT_TABLES:
        table = metadata.tables[counts.name]
        # Counts are rebuilt from the index right after their table is made, so the index
        # must be there first even in a new database.
        table.add_is_dependent_on(index)
        event.listen(table, "after_create", _count_existing_users)


def _count_existing_users(table: Table, connection: Any, **_: Any) -> None:
    """A database that had users before the counts existed starts with the right counts."""
    store.recount_users(connection, [table])


@hookimpl
def st_blueprints() -> list:
    """``/user/id``."""
    from core_app.users.api import blueprint

    return [blueprint]
