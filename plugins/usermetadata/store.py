"""The table of user metadata (contract, roles-metadata part 2; storage §7).

One JSON object per (app, user id), stored as text. User ids are whatever the caller uses
(the external id when mapped): no foreign key to the users.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    select,
    update,
)

from core_app.plugin_api import insert_ignoring_duplicates

USER_ID_LENGTH = 128

metadata = MetaData()

user_metadata = Table(
    "user_metadata",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("user_metadata", Text, nullable=False),
    ForeignKeyConstraint(["app_id"], ["apps.app_id"], ondelete="CASCADE"),
)

TABLES = (user_metadata,)

_READ = select(user_metadata.c.user_id, user_metadata.c.user_metadata).where(
    user_metadata.c.app_id == bindparam("app_id"),
    user_metadata.c.user_id.in_(bindparam("user_ids", expanding=True)),
)


def encode(value: dict[str, Any]) -> str:
    """The stored text of a metadata object."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def read(conn: Connection, app_id: str, user_id: str) -> dict[str, Any] | None:
    """A user's metadata, or None when nothing is stored."""
    return read_many(conn, app_id, [user_id]).get(user_id)


def read_many(conn: Connection, app_id: str, user_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The stored metadata of several users, by id (ids without any are left out)."""
    if not user_ids:
        return {}
    rows = conn.execute(_READ, {"app_id": app_id, "user_ids": sorted(set(user_ids))})
    return {row.user_id: json.loads(row.user_metadata) for row in rows}


def lock(conn: Connection, app_id: str, user_id: str) -> dict[str, Any]:
    """A user's metadata with its row locked until the transaction ends; made if missing.

    Inserting first means two first updates of one user queue on the same row instead of
    both finding nothing.
    """
    insert_ignoring_duplicates(
        conn, user_metadata, {"app_id": app_id, "user_id": user_id, "user_metadata": "{}"}
    )
    stored = conn.execute(
        select(user_metadata.c.user_metadata)
        .where(user_metadata.c.app_id == app_id, user_metadata.c.user_id == user_id)
        .with_for_update()
    ).scalar_one()
    return json.loads(stored)


def write(conn: Connection, app_id: str, user_id: str, encoded: str) -> None:
    """Replace a (locked) user's metadata."""
    conn.execute(
        update(user_metadata)
        .where(user_metadata.c.app_id == app_id, user_metadata.c.user_id == user_id)
        .values(user_metadata=encoded)
    )


def remove(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Delete users' metadata."""
    conn.execute(
        delete(user_metadata).where(
            user_metadata.c.app_id == app_id, user_metadata.c.user_id.in_(user_ids)
        )
    )


def exists(conn: Connection, app_id: str, user_id: str) -> bool:
    """Whether metadata is stored for a user id."""
    return read(conn, app_id, user_id) is not None
