"""The table of user-id mappings (contract, multitenancy §7; storage §7).

One row per mapped user: unique on each side per app. The SuperTokens side points at the
user index, so deleting a user deletes its mapping by cascade.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    or_,
    select,
    update,
)

from core_app.plugin_api.users import USER_ID_LENGTH

EXTERNAL_ID_LENGTH = 128

metadata = MetaData()

userid_mapping = Table(
    "userid_mapping",
    metadata,
    Column("app_id", String(64), primary_key=True),
    Column("supertokens_user_id", String(USER_ID_LENGTH), primary_key=True),
    Column("external_user_id", String(EXTERNAL_ID_LENGTH), primary_key=True),
    Column("external_user_id_info", Text, nullable=True),
    UniqueConstraint("app_id", "supertokens_user_id", name="userid_mapping_supertokens_key"),
    UniqueConstraint("app_id", "external_user_id", name="userid_mapping_external_key"),
    ForeignKeyConstraint(
        ["app_id", "supertokens_user_id"],
        ["app_id_to_user_id.app_id", "app_id_to_user_id.user_id"],
        ondelete="CASCADE",
    ),
)

TABLES = (userid_mapping,)


@dataclass(frozen=True)
class Mapping:
    """One mapping."""

    supertokens_user_id: str
    external_user_id: str
    external_user_id_info: str | None


def _mapping(row) -> Mapping:
    return Mapping(row.supertokens_user_id, row.external_user_id, row.external_user_id_info)


# Built once: every session create and refresh asks.
_EITHER_SIDE = select(userid_mapping).where(
    userid_mapping.c.app_id == bindparam("app_id"),
    or_(
        userid_mapping.c.supertokens_user_id == bindparam("user_id"),
        userid_mapping.c.external_user_id == bindparam("user_id"),
    ),
)
_BY_SUPERTOKENS_IDS = select(
    userid_mapping.c.supertokens_user_id, userid_mapping.c.external_user_id
).where(
    userid_mapping.c.app_id == bindparam("app_id"),
    userid_mapping.c.supertokens_user_id.in_(bindparam("user_ids", expanding=True)),
)


def find(conn: Connection, app_id: str, user_id: str, side: str = "ANY") -> Mapping | None:
    """The mapping with ``user_id`` on the given side (``SUPERTOKENS``, ``EXTERNAL``, ``ANY``).

    For ``ANY``, a mapping whose SuperTokens side is ``user_id`` wins over one whose
    external side is.
    """
    if side == "SUPERTOKENS":
        where = userid_mapping.c.supertokens_user_id == user_id
    elif side == "EXTERNAL":
        where = userid_mapping.c.external_user_id == user_id
    else:
        rows = [
            _mapping(row)
            for row in conn.execute(_EITHER_SIDE, {"app_id": app_id, "user_id": user_id})
        ]
        return next(
            (m for m in rows if m.supertokens_user_id == user_id), rows[0] if rows else None
        )
    row = conn.execute(
        select(userid_mapping).where(userid_mapping.c.app_id == app_id, where)
    ).first()
    return _mapping(row) if row else None


def external_ids(conn: Connection, app_id: str, user_ids: list[str]) -> dict[str, str]:
    """External ids of the mapped ones among SuperTokens ``user_ids``."""
    return {
        row.supertokens_user_id: row.external_user_id
        for row in conn.execute(
            _BY_SUPERTOKENS_IDS, {"app_id": app_id, "user_ids": sorted(set(user_ids))}
        )
    }


def create(conn: Connection, app_id: str, mapping: Mapping) -> None:
    """Insert a mapping (``IntegrityError`` when a side is taken)."""
    conn.execute(
        insert(userid_mapping).values(
            app_id=app_id,
            supertokens_user_id=mapping.supertokens_user_id,
            external_user_id=mapping.external_user_id,
            external_user_id_info=mapping.external_user_id_info,
        )
    )


def _side_column(side: str):
    return (
        userid_mapping.c.supertokens_user_id
        if side == "SUPERTOKENS"
        else userid_mapping.c.external_user_id
    )


def remove(conn: Connection, app_id: str, user_id: str, side: str) -> bool:
    """Delete the mapping with ``user_id`` on one side (``SUPERTOKENS`` or ``EXTERNAL``)."""
    return (
        conn.execute(
            delete(userid_mapping).where(
                userid_mapping.c.app_id == app_id, _side_column(side) == user_id
            )
        ).rowcount
        > 0
    )


def set_info(conn: Connection, app_id: str, user_id: str, side: str, info: str | None) -> bool:
    """Set or clear the info of the mapping with ``user_id`` on one side; False if none."""
    return (
        conn.execute(
            update(userid_mapping)
            .where(userid_mapping.c.app_id == app_id, _side_column(side) == user_id)
            .values(external_user_id_info=info)
        ).rowcount
        > 0
    )
