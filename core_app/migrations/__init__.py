"""Schema migrations: the host's Alembic history and one branch per recipe.

Every database the core uses (the base one and each app's or tenant's own) records the
revisions it has reached in one ``alembic_version`` table. The host's history lives in
``core_app/migrations/versions`` (branch ``host``); each recipe ships its scripts in its own
package and names their directory in its descriptor (``RecipeDescriptor.migrations``), as its
own branch whose base
depends on the host's baseline (recipe tables refer to ``apps`` and ``tenants``). A
third-party recipe's tables therefore upgrade exactly like the built-in ones.

The host's history:

- ``host_0001``: the schema of the release before the kept user counts (its
  ``create_all`` output);
- ``host_0002``: the count tables, filled from the user index, and the user index's
  ``all_auth_recipe_users_primary_index`` with ``tenant_id``;
- ``host_0003``: ``throttle_counters``.

Alembic is used without ``env.py``: the script directory is built in code from the
enabled recipes, and the upgrade runs on a connection the caller gives, inside its
transaction and under the caller's schema lock (``core_app.storage``). Migration scripts
never import the live table definitions: a migration is frozen history.

A database made by ``create_all`` before this history existed has no version table; it is
recognised by its tables (the newest host table present names the host revision it
matches, a recipe whose tables exist is at its baseline), stamped, and then upgraded.

A recipe that names no migrations still gets its tables from ``create_all``
(``SchemaHistory.unversioned_tables``), but they never change after that.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table, inspect

from core_app.config import ConfigError

HOST_HISTORY = "host"
HOST_VERSIONS_DIR = Path(__file__).resolve().with_name("versions")
VERSION_TABLE = "alembic_version"
# For a database made by create_all before migrations existed: a host table that marks
# the host revision it matches, newest first.
HOST_REVISION_MARKERS = (
    ("throttle_counters", "host_0003"),
    ("tenant_user_counts", "host_0002"),
    ("apps", "host_0001"),
)


@dataclass(frozen=True)
class MigrationSource:
    """One migration history: the host's, or one recipe's branch."""

    name: str
    versions_dir: Path
    tables: frozenset[str]  # the tables its plugins declare, to recognise a legacy database


@dataclass(frozen=True)
class SchemaStatus:
    """Where one database stands against the enabled histories."""

    current: tuple[str, ...]  # revisions recorded in it (of the enabled histories)
    pending: tuple[str, ...]  # revisions an upgrade runs, in order
    adopted: tuple[str, ...]  # unversioned, made by create_all: the revisions it matches
    # The pending revisions of histories the database already has: they change its
    # existing tables. The others only create the tables of a history it lacks (a fresh
    # database, a recipe enabled since), which never touches data.
    changes: tuple[str, ...]

    @property
    def behind(self) -> bool:
        """True when an upgrade has work to do."""
        return bool(self.pending)

    @property
    def fresh(self) -> bool:
        """True when none of the database's tables are ours yet."""
        return not (self.current or self.adopted)


class SchemaHistory:
    """The host's history and the enabled recipes' branches, as one Alembic script directory."""

    def __init__(self, sources: list[MigrationSource], unversioned_tables: frozenset[str]):
        self.sources = sources
        self.unversioned_tables = unversioned_tables
        self.script = _script_directory(tuple(source.versions_dir for source in sources))
        self._bases = {source.name: self._base_of(source) for source in sources}
        self._revision_ids = frozenset(
            revision.revision for revision in self.script.walk_revisions()
        )

    @classmethod
    def from_parts(
        cls, host_tables: Iterable[Table], recipes: Iterable[Any], metadata: MetaData
    ) -> SchemaHistory:
        """The host's history and the branch of every enabled recipe that names one.

        ``recipes`` are the enabled recipes' descriptors (``RecipeDescriptor``); a recipe
        without ``migrations`` gets its tables created once and never altered.
        """
        host_names = frozenset(table.name for table in host_tables)
        sources = [MigrationSource(HOST_HISTORY, HOST_VERSIONS_DIR, host_names)]
        versioned = set(host_names)
        for recipe in recipes:
            if recipe.migrations is None:
                continue
            tables = frozenset(table.name for table in recipe.tables)
            sources.append(MigrationSource(recipe.id, Path(recipe.migrations).resolve(), tables))
            versioned |= tables
        return cls(sources, frozenset(metadata.tables) - versioned)

    def heads(self) -> tuple[str, ...]:
        """The newest revision of each history."""
        return tuple(sorted(self.script.get_heads()))

    def status(self, connection: Connection) -> SchemaStatus:
        """Read the database's revisions (two small queries) and work out what is pending."""
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        known = self._known(context.get_current_heads())
        adopted: tuple[str, ...] = ()
        if not known and not _has_table(connection, VERSION_TABLE):
            adopted = self._adoptable(connection)
        start = known or adopted
        pending = tuple(
            step.revision.revision for step in self.script._upgrade_revs("heads", start)
        )
        present = {
            self._source_of(revision)
            for head in start
            for revision in (head, *self._ancestors(head))
        }
        changes = tuple(revision for revision in pending if self._source_of(revision) in present)
        return SchemaStatus(known, pending, adopted, changes)

    def upgrade(self, connection: Connection, status: SchemaStatus) -> tuple[str, ...]:
        """Stamp an adopted database, then run every pending revision; returns those run.

        The caller holds the schema lock and ends the transaction.
        """
        if status.adopted:
            self._run(connection, lambda heads: self.script._stamp_revs(status.adopted, heads))
        if status.pending:
            self._run(
                connection, lambda heads: self.script._upgrade_revs("heads", self._known(heads))
            )
        return status.pending

    def _run(self, connection: Connection, steps: Callable[[tuple[str, ...]], Any]) -> None:
        def migration_steps(heads: Any, _context: MigrationContext) -> Any:
            return steps(tuple(heads))

        context = MigrationContext.configure(
            connection,
            opts={"version_table": VERSION_TABLE, "fn": migration_steps, "script": self.script},
        )
        with Operations.context(context):  # what env.py's EnvironmentContext would set up
            context.run_migrations()

    def _known(self, heads: tuple[str, ...]) -> tuple[str, ...]:
        # A disabled recipe's revision stays in the version table; it is not ours to judge.
        return tuple(head for head in heads if head in self._revision_ids)

    def _adoptable(self, connection: Connection) -> tuple[str, ...]:
        """The revisions an unversioned database's tables match; () for a fresh one."""
        tables = set(inspect(connection).get_table_names())
        host = next(
            (revision for marker, revision in HOST_REVISION_MARKERS if marker in tables), None
        )
        if host is None:
            return ()
        revisions = [host]
        for source in self.sources:
            if source.name != HOST_HISTORY and source.tables & tables:
                revisions.append(self._bases[source.name])
        # Alembic records heads only: a revision another one depends on is implied by it.
        implied = {ancestor for revision in revisions for ancestor in self._ancestors(revision)}
        return tuple(revision for revision in revisions if revision not in implied)

    def _ancestors(self, revision: str) -> set[str]:
        """Every revision ``revision`` comes after, through down revisions and dependencies."""
        found: set[str] = set()
        waiting = [revision]
        while waiting:
            script = self.script.get_revision(waiting.pop())
            for earlier in (*_as_tuple(script.down_revision), *_as_tuple(script.dependencies)):
                if earlier not in found:
                    found.add(earlier)
                    waiting.append(earlier)
        return found

    def _source_of(self, revision: str) -> str:
        """The name of the history a revision belongs to (by the directory of its script)."""
        directory = Path(self.script.get_revision(revision).path).resolve().parent
        return next(source.name for source in self.sources if source.versions_dir == directory)

    def _base_of(self, source: MigrationSource) -> str:
        """The first revision of a recipe's branch (the one with no down revision)."""
        for base in self.script.get_bases():
            if Path(self.script.get_revision(base).path).resolve().parent == source.versions_dir:
                return base
        raise ValueError(f"recipe '{source.name}': no base revision in {source.versions_dir}")


@functools.cache
def _script_directory(versions_dirs: tuple[Path, ...]) -> ScriptDirectory:
    """One script directory per set of histories and process: its scripts are read once."""
    return ScriptDirectory(
        str(Path(__file__).resolve().parent),
        version_locations=[str(directory) for directory in versions_dirs],
    )


def _as_tuple(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _has_table(connection: Connection, name: str) -> bool:
    return inspect(connection).has_table(name)


class SchemaBehind(ConfigError):
    """A database whose schema is behind, which this process may not upgrade itself."""

    def __init__(self, database: str, status: SchemaStatus):
        self.database = database
        self.status = status
        super().__init__(
            f"the schema of database {database} is behind (pending revisions: "
            f"{', '.join(status.pending)}): run 'supertokens-core migrate', or set "
            f"'migrate_on_start: true' to upgrade it when the core starts"
        )
