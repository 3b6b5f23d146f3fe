"""Bulk seeding of users and sessions for the growth scenarios (``bench/run.py``).

Writes rows straight into the tables the core made, through the tables' own SQLAlchemy
definitions: email-password users in the public tenant (index rows, account rows, tenant
rows) and one session per user. PostgreSQL takes them through ``COPY`` (CSV written by the
``csv`` module); SQLite through ``executemany`` in large transactions. A million users
and sessions take about a minute either way, where the API would take hours.

Seeded users sign in with ``SEED_PASSWORD`` (the hash is made once, with cheap settings,
and shared). Their emails are ``seed<i>@example.com``; they joined one millisecond apart,
the most recent now, so that the listing's first page shows seeded users.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import time
import uuid
from typing import Any, Iterable, Iterator

import sqlalchemy
from sqlalchemy import Table, insert

from core_app.users.store import all_auth_recipe_users, app_id_to_user_id, recount_users
from plugins.emailpassword import hashing
from plugins.emailpassword.store import user_to_tenant
from plugins.emailpassword.store import users as emailpassword_users
from plugins.session.store import sessions

SEED_PASSWORD = "seed-password1"
BATCH = 50_000
CHEAP_POLICY = hashing.HashPolicy("ARGON2", 8, 1, 1, 11, 1, 1)


def _rows(count: int, start: int) -> Iterator[dict[str, dict[str, Any]]]:
    """Each seeded user's row for every table, keyed by table name."""
    password_hash = hashing.hash_password(CHEAP_POLICY, SEED_PASSWORD)
    now = int(time.time() * 1000)
    first_joined = now - count - start
    for index in range(start, start + count):
        user_id = str(uuid.uuid4())
        joined = first_joined + index
        email = f"seed{index}@example.com"
        yield {
            app_id_to_user_id.name: {
                "app_id": "public",
                "user_id": user_id,
                "recipe_id": "emailpassword",
                "primary_or_recipe_user_id": user_id,
                "is_linked_or_is_a_primary_user": False,
                "time_joined": joined,
            },
            all_auth_recipe_users.name: {
                "app_id": "public",
                "tenant_id": "public",
                "user_id": user_id,
                "primary_or_recipe_user_id": user_id,
                "is_linked_or_is_a_primary_user": False,
                "recipe_id": "emailpassword",
                "time_joined": joined,
                "primary_or_recipe_user_time_joined": joined,
            },
            emailpassword_users.name: {
                "app_id": "public",
                "user_id": user_id,
                "email": email,
                "password_hash": password_hash,
                "time_joined": joined,
            },
            user_to_tenant.name: {
                "app_id": "public",
                "tenant_id": "public",
                "user_id": user_id,
                "email": email,
            },
            sessions.name: {
                "app_id": "public",
                "tenant_id": "public",
                "session_handle": str(uuid.uuid4()),
                "user_id": user_id,
                "refresh_token_hash_2": secrets.token_hex(32),
                "session_data": "{}",
                "expires_at": now + 100 * 86_400_000,
                "created_at_time": joined,
                "jwt_user_payload": json.dumps({"seeded": True}),
                "use_static_key": False,
            },
        }


# Parents before children: the foreign keys are checked row by row.
TABLES: tuple[Table, ...] = (
    app_id_to_user_id,
    all_auth_recipe_users,
    emailpassword_users,
    user_to_tenant,
    sessions,
)


def _batches(count: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
    for start in range(0, count, BATCH):
        batch: dict[str, list[dict[str, Any]]] = {table.name: [] for table in TABLES}
        for rows in _rows(min(BATCH, count - start), start):
            for name, row in rows.items():
                batch[name].append(row)
        yield batch


def _copy(
    raw: Any, engine: sqlalchemy.Engine, table: Table, rows: Iterable[dict[str, Any]]
) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` of ``rows`` as CSV."""
    columns = [column.name for column in table.columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [
                "t" if row[name] is True else "f" if row[name] is False else row[name]
                for name in columns
            ]
        )
    buffer.seek(0)
    quote = engine.dialect.identifier_preparer.quote
    with raw.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {quote(table.name)} ({', '.join(map(quote, columns))}) "
            "FROM STDIN WITH (FORMAT csv)",
            buffer,
        )


def seed_users(uri: str, count: int) -> float:
    """Add ``count`` email-password users with one session each; the seconds it took."""
    started = time.monotonic()
    engine = sqlalchemy.create_engine(uri)
    try:
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            try:
                # Foreign-key checks off for the load, as pg_restore --disable-triggers
                # does: the rows are consistent by construction, and the checks' plans,
                # made while the tables have no statistics, can scan the tenant per row.
                with raw.cursor() as cursor:
                    cursor.execute("SET session_replication_role = replica")
                for batch in _batches(count):
                    for table in TABLES:
                        _copy(raw, engine, table, batch[table.name])
                    raw.commit()
            finally:
                raw.close()
        else:
            for batch in _batches(count):
                with engine.begin() as conn:
                    for table in TABLES:
                        conn.execute(insert(table), batch[table.name])
        # Rows written past the index's own writers: the kept counts need a rebuild.
        with engine.begin() as conn:
            recount_users(conn)
    finally:
        engine.dispose()
    return time.monotonic() - started
