"""Databases: one engine per connection URI, the shared table metadata, and transactions.

Every app or tenant resolves to a ``connection_uri``; most share the base database, some
have their own. ``Storage`` keeps one engine per URI and, the first time a database is
used, checks its schema against the migration histories (``core_app.migrations``):
upgrades it, or refuses it when it is behind and ``migrate_on_start`` is off.
``Transaction`` is the only thing that opens transactions: a request gets one (see
``core_app.routes``), a command-line job opens one itself.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Iterator

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Connection, Engine, MetaData, create_engine, event, exc, inspect, text
from sqlalchemy.engine import make_url

from core_app.config import DEFAULT_CONNECTION_POOL_SIZE
from core_app.database_policy import DatabasePolicy
from core_app.metrics import watch_pool
from core_app.migrations import SchemaBehind, SchemaHistory, SchemaStatus

log = logging.getLogger("core_app.storage")

SQLITE_BUSY_TIMEOUT_MS = 30_000
# MySQL compares text case-insensitively by default; ids, hashes and tokens must not be.
MYSQL_TABLE_OPTIONS = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
    "mysql_engine": "InnoDB",
}
SCHEMA_LOCK_NAME = "supertokens_core_schema"
SCHEMA_LOCK_KEY = 0x5354434F  # PostgreSQL advisory lock id for schema changes
# A pooled connection returned less than this long ago is taken as alive without a ping
# (HikariCP, which the upstream core uses, has the same 500 ms bypass window).
PING_AFTER_IDLE_S = 0.5


@dataclass(frozen=True)
class PoolLimits:
    """The connections one engine (one database, in one worker process) may hold.

    Upstream's HikariCP pool opens at most ``size`` connections and keeps
    ``minimum_idle`` of them when idle; SQLAlchemy's ``QueuePool`` keeps ``pool_size`` and
    opens ``max_overflow`` more under load, closing those when they are returned.
    """

    size: int = DEFAULT_CONNECTION_POOL_SIZE
    minimum_idle: int = DEFAULT_CONNECTION_POOL_SIZE

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> PoolLimits:
        """The limits ``connection_pool_size`` / ``minimum_idle_connections`` ask for."""
        size = settings["connection_pool_size"]
        minimum = settings["minimum_idle_connections"]
        return cls(size, size if minimum is None else min(minimum, size))

    def queue_pool_options(self) -> dict[str, int]:
        """``create_engine`` options: at most ``size`` connections open at once."""
        # QueuePool reads pool_size 0 as "no limit", so at least one connection is kept.
        kept = max(self.minimum_idle, 1)
        return {"pool_size": kept, "max_overflow": self.size - kept}


def engine_options(uri: str, pool: PoolLimits = PoolLimits()) -> dict[str, Any]:
    """Engine settings per database kind, with ``pool``'s limits."""
    url = make_url(uri)
    # A failed statement's parameters (password hashes, token hashes, provider client
    # secrets) would otherwise be part of the exception text that reaches the log.
    common = {"hide_parameters": True, **pool.queue_pool_options()}
    if url.get_backend_name() == "sqlite":
        sqlite = {
            "hide_parameters": True,
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        }
        # An in-memory database is one connection SQLAlchemy shares; it has no queue pool.
        return sqlite if url.database in (None, "", ":memory:") else {**common, **sqlite}
    options = {**common, "pool_recycle": 1800}
    if url.get_backend_name() == "mysql":
        # Stronger than any URL option: a server we connect to may never read our files.
        options["connect_args"] = {"local_infile": False}
        # PostgreSQL's level. Under MySQL's REPEATABLE READ a plain read after a lock sees
        # the snapshot of the transaction's first read, not what the lock's previous holder
        # committed, and lock_row's "lock, then read and write" would count stale rows.
        options["isolation_level"] = "READ COMMITTED"
    return options


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection before use when it sat idle, as ``pool_pre_ping`` does
    for every checkout: under load that ping was one extra round trip per request.

    A connection the server dropped while it was in use still fails that request; the
    pool then sees the disconnect and replaces its connections.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()


def _prepare_sqlite(engine: Engine) -> None:
    """WAL, foreign keys on, and transactions we begin ourselves (BEGIN IMMEDIATE to write)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database and engine.url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the lock up front: upgrading a read lock later can fail at once.
        writes = connection.get_execution_options().get("writes", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


_UPSERTS: dict[tuple[str, ...], Any] = {}
_ON_CONFLICT_DIALECTS = ("postgresql", "sqlite")  # the rest speak MySQL's ON DUPLICATE KEY


def _dialect_insert(dialect: str, table: Any) -> Any:
    """The dialect's own ``INSERT`` construct, which has its conflict clause."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.mysql import insert as dialect_insert
    return dialect_insert(table)


def insert_ignoring_duplicates(conn: Connection, table: Any, values: dict[str, Any]) -> None:
    """Insert a row unless a row with the same unique key exists, in one statement.

    For idempotent marks (a verified email): no savepoint and no read first. MySQL's
    ``INSERT IGNORE`` would also hide foreign-key and truncation errors, so it gets a
    no-op ``ON DUPLICATE KEY UPDATE`` instead.
    """
    key = (conn.dialect.name, table.name)
    statement = _UPSERTS.get(key)
    if statement is None:
        statement = _dialect_insert(key[0], table)
        if key[0] in _ON_CONFLICT_DIALECTS:
            statement = statement.on_conflict_do_nothing()
        else:
            first = next(iter(table.primary_key.columns)).name
            statement = statement.on_duplicate_key_update({first: statement.inserted[first]})
        _UPSERTS[key] = statement
    conn.execute(statement, values)


def insert_or_add(conn: Connection, table: Any, values: dict[str, Any], column: str) -> None:
    """Insert a row, or add its ``column`` value to the existing row's, in one statement.

    For counters: no read first, so two writers cannot both insert, nor lose an update.
    """
    key = (conn.dialect.name, table.name, column)
    statement = _UPSERTS.get(key)
    if statement is None:
        statement = _dialect_insert(key[0], table)
        if key[0] in _ON_CONFLICT_DIALECTS:
            statement = statement.on_conflict_do_update(
                index_elements=list(table.primary_key.columns),
                set_={column: table.c[column] + statement.excluded[column]},
            )
        else:
            statement = statement.on_duplicate_key_update(
                {column: table.c[column] + statement.inserted[column]}
            )
        _UPSERTS[key] = statement
    conn.execute(statement, values)


class SqliteWriterQueue:
    """Makes SQLite writers of all processes wait their turn in the kernel.

    SQLite lets one writer at a time in; the others poll with sleeps of up to 100 ms
    (its busy handler), which wastes most of the time under load. An exclusive ``flock``
    on a file beside the database, taken before ``BEGIN IMMEDIATE`` and dropped at the
    end of the transaction, queues them instead. SQLite's own lock still guards the data;
    this only orders the waiting. Re-entrant per thread.
    """

    def __init__(self, database_path: str):
        self.path = database_path + ".writers"
        self._local = threading.local()

    def acquire(self) -> None:
        depth = getattr(self._local, "depth", 0)
        if depth == 0:
            if getattr(self._local, "fd", None) is None:
                self._local.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._local.fd, fcntl.LOCK_EX)
        self._local.depth = depth + 1

    def release(self) -> None:
        self._local.depth -= 1
        if self._local.depth == 0:
            fcntl.flock(self._local.fd, fcntl.LOCK_UN)


class Storage:
    """The engines of one running core, keyed by connection URI."""

    def __init__(
        self,
        db: SQLAlchemy,
        base_uri: str,
        metadata: MetaData,
        policy: DatabasePolicy | None = None,
        history: SchemaHistory | None = None,
        migrate_on_start: bool | None = None,
        prepare_schema: bool = True,
    ):
        self.db = db
        self.base_uri = base_uri
        self.metadata = metadata
        self.policy = policy
        self.history = history
        self.migrate_on_start = migrate_on_start
        # False for `supertokens-core migrate`: it inspects and upgrades databases itself.
        self.prepare_schema = prepare_schema
        self._engines: dict[str, Engine] = {}
        self._ready: set[str] = set()
        self._writer_queues: dict[str, SqliteWriterQueue | None] = {}
        self._pools: dict[str, PoolLimits] = {}
        self._replicas: dict[str, str] = {}  # primary URI -> its read replica's URI
        self._warnings: set[tuple[str, str, Any]] = set()
        self._lock = threading.Lock()

    def use_database(self, uri: str, pool: PoolLimits, replica_uri: str | None = None) -> None:
        """Give ``uri``'s engines these limits and read replica, unless given some already.

        The apps and tenants of one database share its engines; a coreConfig that disagrees
        is refused when written (``TenantDirectory.database_disagreement``), so a second
        value here comes from a config file changed since: the first one stays, with a warning.
        """
        self._keep_first(self._pools, uri, pool, "pool")
        if replica_uri is not None:
            self._keep_first(self._replicas, uri, replica_uri, "read replica")

    def _keep_first(self, known: dict[str, Any], uri: str, value: Any, what: str) -> None:
        first = known.setdefault(uri, value)
        if first != value and (uri, what, value) not in self._warnings:
            self._warnings.add((uri, what, value))
            log.warning(
                "database %s keeps its %s %s; a config asks for %s",
                make_url(uri).render_as_string(hide_password=True),
                what,
                redacted(first),
                redacted(value),
            )

    def writer_queue(self, uri: str) -> SqliteWriterQueue | None:
        """The writer queue of an SQLite file database; None for other databases."""
        if uri not in self._writer_queues:
            # The file the engine really opens, so the queue's file sits beside it.
            url = self.engine(uri).url
            path = url.database
            self._writer_queues[uri] = (
                SqliteWriterQueue(path)
                if url.get_backend_name() == "sqlite" and path and path != ":memory:"
                else None
            )
        return self._writer_queues[uri]

    def engine(self, uri: str | None = None) -> Engine:
        """The engine for ``uri`` (the base database when None); its schema is current on return.

        Raises ``SchemaBehind`` for a database whose schema is behind when it may not be
        upgraded here (``migrate_on_start``).
        """
        return self._engine(uri, self.prepare_schema)

    def _engine(self, uri: str | None, prepare: bool, pool_of: str | None = None) -> Engine:
        uri = uri or self.base_uri
        engine = self._engines.get(uri)
        if engine is not None and uri in self._ready:
            return engine
        with self._lock:
            engine = self._engines.get(uri)
            if engine is None:
                if self.policy is not None:
                    # A URL stored before the operator narrowed the policy is refused too.
                    self.policy.check(uri, "read_connection_uri" if pool_of else "connection_uri")
                engine = (
                    self.db.engine
                    if uri == self.base_uri
                    else create_engine(
                        uri, **engine_options(uri, self._pools.get(pool_of or uri, PoolLimits()))
                    )
                )
                if engine.dialect.name == "sqlite":
                    _prepare_sqlite(engine)
                else:
                    _ping_idle_connections(engine)
                watch_pool(engine, uri)  # after the ping, which may refuse a checkout
                self._engines[uri] = engine
            if uri not in self._ready and prepare:
                prepare_schema(
                    engine, self.metadata, self._history(), self._migrates_on_start(engine)
                )
                self._ready.add(uri)
        return engine

    def replica_engine(self, uri: str | None = None) -> Engine | None:
        """The engine of ``uri``'s read replica, or None when it has none.

        The replica's schema is the primary's (replication copies it): the primary is
        checked, the replica never changed.
        """
        uri = uri or self.base_uri
        replica_uri = self._replicas.get(uri)
        if replica_uri is None:
            return None
        self.engine(uri)
        return self._engine(replica_uri, prepare=False, pool_of=uri)

    def schema_status(self, uri: str | None = None) -> SchemaStatus:
        """Where ``uri``'s database stands against the enabled migration histories."""
        with self._engine(uri, prepare=False).connect() as connection:
            return self._history().status(connection)

    def migrate(self, uri: str | None = None) -> tuple[str, ...]:
        """Upgrade ``uri``'s database to the newest revisions; returns the revisions run."""
        uri = uri or self.base_uri
        applied = prepare_schema(
            self._engine(uri, prepare=False), self.metadata, self._history(), migrate=True
        )
        self._ready.add(uri)
        return applied

    def _history(self) -> SchemaHistory:
        if self.history is None:
            raise RuntimeError("Storage was built without a SchemaHistory")
        return self.history

    def _migrates_on_start(self, engine: Engine) -> bool:
        if self.migrate_on_start is not None:
            return self.migrate_on_start
        # By default only an SQLite file is upgraded in place: it has one host and is
        # usually a development or single-instance database. PostgreSQL and MySQL
        # databases are shared by several instances, and an upgrade there (ALTERs that
        # lock big tables) is a deliberate, reviewed step: `supertokens-core migrate`.
        return engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        """Close every pooled connection (tests, shutdown)."""
        for engine in self._engines.values():
            engine.dispose()


def redacted(value: Any) -> str:
    """A database setting as a log line or an answer may show it: a URL without its password."""
    if value is None:
        return "none"
    if isinstance(value, str) and "://" in value:
        return make_url(value).render_as_string(hide_password=True)
    return str(value)


def prepare_schema(
    engine: Engine, metadata: MetaData, history: SchemaHistory, migrate: bool
) -> tuple[str, ...]:
    """Bring a database's schema up to the enabled histories' heads; returns the revisions run.

    A versioned, current database costs two small queries. The tables of a history the database
    lacks (all of them in an empty database, a recipe's when it was enabled since) are
    always created; revisions that change existing tables run only when ``migrate`` is
    true, else ``SchemaBehind`` names the command that runs them. The upgrade runs under a
    database lock: several gunicorn workers start at once against one database, and only
    one may change it (the others find it current when they get the lock).
    """
    for table in metadata.tables.values():
        table.dialect_kwargs.update(MYSQL_TABLE_OPTIONS)
    with engine.connect() as connection:
        status = history.status(connection)
        connection.rollback()
        if not status.behind and not _missing_unversioned_tables(connection, history):
            return ()
        with _schema_lock(connection):
            status = history.status(connection)
            if status.changes and not migrate:
                raise SchemaBehind(engine.url.render_as_string(hide_password=True), status)
            applied = history.upgrade(connection, status)
            unversioned = _missing_unversioned_tables(connection, history)
            if unversioned:
                metadata.create_all(
                    connection, tables=[metadata.tables[name] for name in sorted(unversioned)]
                )
        connection.commit()
    if applied:
        log.info(
            "database %s: schema upgraded through %s",
            engine.url.render_as_string(hide_password=True),
            ", ".join(applied),
        )
    return applied


def _missing_unversioned_tables(connection: Connection, history: SchemaHistory) -> set[str]:
    """Tables of recipes without migrations that the database lacks (created, never altered)."""
    if not history.unversioned_tables:
        return set()
    return set(history.unversioned_tables) - set(inspect(connection).get_table_names())


@contextlib.contextmanager
def _schema_lock(connection: Connection) -> Iterator[None]:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        yield
    elif dialect == "mysql":
        connection.execute(text("SELECT GET_LOCK(:name, 60)"), {"name": SCHEMA_LOCK_NAME})
        try:
            yield
        finally:
            connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": SCHEMA_LOCK_NAME})
    else:
        connection.execution_options(writes=True)
        yield


class Transaction:
    """One unit of work over the databases it touches, opened lazily.

    ``connection(uri)`` begins a transaction on first use of a database; ``commit`` and
    ``rollback`` end all of them. A request that never touches a database costs nothing.
    With ``replica_reads``, a reading transaction goes to a database's read replica when it
    has one; once ``writes`` is set, every connection opened after goes to the primary.
    """

    def __init__(self, storage: Storage, writes: bool, replica_reads: bool = False):
        self.storage = storage
        self.writes = writes
        self.replica_reads = replica_reads
        self._connections: dict[str, Connection] = {}
        self._queues: list[SqliteWriterQueue] = []

    def connection(self, uri: str | None = None) -> Connection:
        """The open connection (inside a transaction) to ``uri``'s database."""
        uri = uri or self.storage.base_uri
        connection = self._connections.get(uri)
        if connection is None:
            replica = (
                self.storage.replica_engine(uri) if self.replica_reads and not self.writes else None
            )
            engine = replica or self.storage.engine(uri)
            queue = self.storage.writer_queue(uri) if self.writes else None
            if queue is not None:
                queue.acquire()
                self._queues.append(queue)
            connection = engine.connect()
            if self.writes:
                connection = connection.execution_options(writes=True)
            connection.begin()
            self._connections[uri] = connection
        return connection

    def commit(self) -> None:
        """Commit every open transaction, base database last."""
        try:
            for uri in sorted(self._connections, key=lambda u: u == self.storage.base_uri):
                self._connections[uri].commit()
        finally:
            self.close()

    def rollback(self) -> None:
        """Roll back every open transaction."""
        try:
            for connection in self._connections.values():
                connection.rollback()
        finally:
            self.close()

    def close(self) -> None:
        """Return the connections to their pools and let the next writer in."""
        try:
            for connection in self._connections.values():
                connection.close()
        finally:
            self._connections.clear()
            for queue in self._queues:
                queue.release()
            self._queues.clear()


@contextlib.contextmanager
def transaction(storage: Storage, writes: bool = True) -> Iterator[Transaction]:
    """A unit of work outside a request: committed on success, rolled back on error."""
    unit = Transaction(storage, writes)
    try:
        yield unit
    except BaseException:
        unit.rollback()
        raise
    unit.commit()
