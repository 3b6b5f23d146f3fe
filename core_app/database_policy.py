"""Which databases an app or tenant may be given: the operator's allow-list.

A ``connection_uri`` in a ``coreConfig`` makes the core open a connection wherever the URL
points. Left open, whoever can set it can reach any host and port from the core's network,
create SQLite files anywhere the process may write, or (MySQL's ``local_infile``) have a
rogue server read the core's own files. So database settings are the operator's twice over:

- only a request authenticated with a key from the config file or the environment may set
  them (``core_app.tenancy.service.check_core_config``);
- even then, only to a database this policy allows: a server whose backend, host and port
  are listed in ``database_uri_allow`` (by default the base database's server), or an SQLite
  file inside ``database_sqlite_dir`` (by default the base SQLite database's directory).

The check runs where a URL is accepted (a ``coreConfig`` write) and again before an engine
is made for any database but the base one, so a URL stored before the list narrowed is not
used either.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from core_app.config import ConfigError, Settings

# The one driver each backend is served with; another driver would bring options of its own.
DRIVERS = {"postgresql": "psycopg2", "mysql": "pymysql", "sqlite": "pysqlite"}
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}
# Options that move the connection elsewhere or make the driver read local files: they can
# never be allowed, whatever the operator lists.
NEVER_ALLOWED_OPTIONS = frozenset(
    {
        "local_infile",
        "host",
        "hostaddr",
        "port",
        "unix_socket",
        "service",
        "passfile",
        "read_default_file",
        "read_default_group",
        "sslkeylogfile",
    }
)
DEFAULT_ALLOWED_OPTIONS = ("sslmode", "connect_timeout", "application_name", "charset")


class DatabaseNotAllowed(ConfigError):
    """A database URL the operator's policy refuses; the message says what to change."""


@dataclass(frozen=True)
class DatabaseServer:
    """One allowed server: a backend, a host (None: the local socket) and a port."""

    backend: str
    host: str | None
    port: int | None

    @classmethod
    def parse(cls, entry: str) -> "DatabaseServer":
        """``postgresql://host[:port]`` or ``mysql://host[:port]``; no port: the default one."""
        try:
            url = make_url(entry if "://" in entry else entry + "://")
        except ArgumentError:
            raise ConfigError(
                f"'database_uri_allow' entry '{entry}' is not a URL like postgresql://host:5432"
            ) from None
        backend = url.get_backend_name()
        if backend not in DEFAULT_PORTS:
            raise ConfigError(
                f"'database_uri_allow' entry '{entry}' must name postgresql or "
                "mysql (SQLite files are allowed by 'database_sqlite_dir')"
            )
        if url.database or url.query or url.username:
            raise ConfigError(
                f"'database_uri_allow' entry '{entry}' must be only a backend, a host and a port"
            )
        return cls(backend, _host(url), url.port or DEFAULT_PORTS[backend])

    def serves(self, url: URL) -> bool:
        """Whether ``url`` points at this server."""
        backend = url.get_backend_name()
        return (
            backend == self.backend
            and _host(url) == self.host
            and (url.port or DEFAULT_PORTS[backend]) == self.port
        )

    def __str__(self) -> str:
        return f"{self.backend}://{self.host or ''}:{self.port}"


def _host(url: URL) -> str | None:
    return url.host.lower().rstrip(".") if url.host else None


@dataclass(frozen=True)
class DatabasePolicy:
    """The databases apps and tenants may use, from the operator's configuration."""

    base_uri: str
    servers: tuple[DatabaseServer, ...]
    sqlite_dir: Path | None
    allowed_options: frozenset[str]
    # The base database's replica: like the base database, the config file's own choice.
    base_read_uri: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "DatabasePolicy":
        """The policy of the base configuration; defaults follow the base database."""
        base = make_url(settings.connection_uri)
        entries = settings.database_uri_allow
        if entries is None:
            servers = (
                ()
                if base.get_backend_name() == "sqlite"
                else (
                    DatabaseServer(
                        base.get_backend_name(),
                        _host(base),
                        base.port or DEFAULT_PORTS.get(base.get_backend_name()),
                    ),
                )
            )
        else:
            servers = tuple(DatabaseServer.parse(entry) for entry in entries)
        sqlite_dir = settings.database_sqlite_dir
        if (
            sqlite_dir is None
            and base.get_backend_name() == "sqlite"
            and base.database
            and base.database != ":memory:"
        ):
            sqlite_dir = str(Path(base.database).parent)
        options = settings.database_uri_query_allow
        options = DEFAULT_ALLOWED_OPTIONS if options is None else options
        refused = sorted(set(options) & NEVER_ALLOWED_OPTIONS)
        if refused:
            raise ConfigError(
                f"'database_uri_query_allow' cannot allow {', '.join(refused)}: "
                "it would let a connection string choose another server or "
                "read local files"
            )
        return cls(
            settings.connection_uri,
            servers,
            Path(os.path.realpath(sqlite_dir)) if sqlite_dir else None,
            frozenset(options),
            settings.get("read_connection_uri"),
        )

    def check(self, uri: str, key: str = "connection_uri") -> None:
        """Raise ``DatabaseNotAllowed`` unless an app or tenant may use ``uri`` (set as ``key``)."""
        if uri in (self.base_uri, self.base_read_uri):
            return
        try:
            url = make_url(uri)
        except (ArgumentError, ValueError):
            raise DatabaseNotAllowed(f"{key} is not a database URL") from None
        backend = url.get_backend_name()
        driver = url.get_driver_name()
        if DRIVERS.get(backend) != driver:
            supported = ", ".join(f"{name}+{DRIVERS[name]}" for name in DRIVERS)
            raise DatabaseNotAllowed(f"{key} must use one of {supported}, not {backend}+{driver}")
        if backend == "sqlite":
            self._check_sqlite(url, key)
        else:
            self._check_server(url, key)

    def _check_sqlite(self, url: URL, key: str) -> None:
        if url.query:
            raise DatabaseNotAllowed(f"{key} of an SQLite database takes no options")
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise DatabaseNotAllowed(f"{key} of an SQLite database must name a file")
        if self.sqlite_dir is None:
            raise DatabaseNotAllowed(
                "SQLite databases for apps and tenants are not allowed: "
                "the operator sets 'database_sqlite_dir' to allow them"
            )
        # realpath: a '..' or a symlink must not lead out of the directory.
        path = Path(os.path.realpath(url.database))
        if not path.is_relative_to(self.sqlite_dir) or path == self.sqlite_dir:
            raise DatabaseNotAllowed(
                f"{key} of an SQLite database must be a file in "
                "the directory the operator allowed ('database_sqlite_dir')"
            )

    def _check_server(self, url: URL, key: str) -> None:
        if not any(server.serves(url) for server in self.servers):
            raise DatabaseNotAllowed(
                f"{key} must point at a database server the operator allowed ('database_uri_allow')"
            )
        for option in url.query:
            if option not in self.allowed_options or option in NEVER_ALLOWED_OPTIONS:
                raise DatabaseNotAllowed(
                    f"{key} option '{option}' is not allowed ('database_uri_query_allow')"
                )
