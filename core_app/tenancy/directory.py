"""Which tenants exist and what their resolved configuration is, with a short cache.

Every request asks whether its app and tenant exist and reads their api keys and
settings. Asking the database each time would put a round trip on paths that must have
none (session verify). So each process keeps what it read for ``CACHE_TTL_S``:

- a change made by this process is visible to it on its next request (the cache of the
  app is dropped on every write);
- a change made by another process or instance is visible within ``CACHE_TTL_S``;
- a tenant that was not found is never cached, so a freshly created app works at once on
  every process (the SDK's tests create an app and use it in the next call).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from core_app.config import SHARED_DATABASE_KEYS, ConfigError, ConfigSchema, Settings
from core_app.errors import ServiceUnavailable, tenant_not_found
from core_app.storage import PoolLimits, Storage, redacted
from core_app.tenancy import store
from core_app.tenant_prefix import PUBLIC, TenantIdentifier

log = logging.getLogger("core_app.tenancy")

CACHE_TTL_S = 1.0


def stale_config_message(tenant: TenantIdentifier, reason: str) -> str:
    """What the operator reads (503 body, log, CLI) about a coreConfig that stopped validating."""
    return (
        f"App '{tenant.app_id}' cannot be served: its stored coreConfig is not valid for "
        f"this core's config: {reason} Fix it with PUT /recipe/multitenancy/app/v2 and the "
        "operator's api key, or serve it with the config it was made under (test_mode)."
    )


@dataclass(frozen=True)
class KnownTenant:
    """A tenant that exists: its stored config and its resolved settings.

    An app whose stored ``coreConfig`` no longer validates (made under ``test_mode``, or a
    rule changed since) still exists, so that the operator can fix or delete it, but it
    cannot be served: ``settings`` raises the 503 that names the app and the key.
    ``database`` holds the database settings alone, which always resolve, so the app's
    data can still be found for housekeeping and deletion.
    """

    record: store.TenantRecord
    database: Settings
    valid_settings: Settings | None
    problem: str | None = None

    @property
    def settings(self) -> Settings:
        """The resolved settings; the 503 naming the app and the key when they do not resolve."""
        if self.valid_settings is None:
            raise ServiceUnavailable(self.problem or "")
        return self.valid_settings


class TenantDirectory:
    """Tenant lookups for the request pipeline and for services."""

    def __init__(
        self, storage: Storage, schema: ConfigSchema, base_layer: Mapping[str, Any], test_mode: bool
    ):
        self.storage = storage
        self.schema = schema
        self.base_layer = dict(base_layer)
        self.test_mode = test_mode
        self.base_settings = schema.resolve([self.base_layer], test_mode)
        self._cache: dict[TenantIdentifier, tuple[float, KnownTenant]] = {}
        self._lock = threading.Lock()
        self._reported: set[tuple[TenantIdentifier, str]] = set()

    # --- resolution ---------------------------------------------------------------------

    def resolve(
        self, app_config: Mapping[str, Any], tenant_config: Mapping[str, Any] | None = None
    ) -> Settings:
        """Settings from the base layer, an app's and a tenant's ``coreConfig``."""
        layers = [self.base_layer, app_config]
        if tenant_config is not None:
            layers.append(tenant_config)
        return self.schema.resolve(layers, self.test_mode)

    def stored_database(
        self, app_config: Mapping[str, Any], tenant_config: Mapping[str, Any] | None = None
    ) -> str:
        """The database of a config that passed its checks and is being stored; its engine,
        when this opens it, gets the config's pool limits."""
        settings = self.resolve(app_config, tenant_config)
        self._use_database(settings)
        return settings.connection_uri

    def find(self, tenant: TenantIdentifier) -> KnownTenant | None:
        """The tenant if it exists (from the cache when fresh)."""
        cached = self._cache.get(tenant)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return self._load(tenant)

    def _load(self, tenant: TenantIdentifier) -> KnownTenant | None:
        wanted = {tenant.tenant_id, "public"}
        with self.storage.engine().connect() as conn:
            records = {
                record.tenant.tenant_id: record
                for record in store.load_tenants(
                    conn, tenant.connection_uri_domain, tenant.app_id, wanted
                )
            }
            conn.rollback()
        app_record = records.get("public")
        record = records.get(tenant.tenant_id)
        if app_record is None or record is None:
            return None
        app_known = self._known_app(tenant.app, app_record)
        known = (
            app_known if tenant.is_public_tenant else self._known_tenant(tenant, record, app_known)
        )
        for each in (app_known.database, known.database):
            self._use_database(each)
        expires = time.monotonic() + CACHE_TTL_S
        with self._lock:
            self._cache[tenant] = (expires, known)
            self._cache[tenant.app] = (expires, app_known)
        return known

    def _use_database(self, settings: Settings) -> None:
        self.storage.use_database(
            settings.connection_uri,
            PoolLimits.from_settings(settings),
            settings.read_connection_uri,
        )

    def _known_app(self, app: TenantIdentifier, record: store.TenantRecord) -> KnownTenant:
        try:
            settings = self.resolve(record.core_config)
        except ConfigError as error:
            problem = stale_config_message(app, str(error))
            self._report(app, problem)
            return KnownTenant(
                record,
                self._database_settings(self._database_keys(record.core_config)),
                None,
                problem,
            )
        return KnownTenant(record, settings, settings)

    def _known_tenant(
        self, tenant: TenantIdentifier, record: store.TenantRecord, app: KnownTenant
    ) -> KnownTenant:
        app_config = app.record.core_config
        if app.valid_settings is None:
            return KnownTenant(
                record,
                self._database_settings(self._database_keys(app_config), record.core_config),
                None,
                app.problem,
            )
        try:
            settings = self.resolve(app_config, record.core_config)
        except ConfigError as error:
            # Stored configs were validated when written; a key whose rules changed since
            # falls back to the app's values rather than locking the tenant out, but the
            # tenant's data stays in its own database.
            self._report(
                tenant,
                f"Tenant '{tenant.tenant_id}' of app '{tenant.app_id}' is "
                f"served with its app's settings: its stored coreConfig is "
                f"not valid for this core's config: {error}",
            )
            settings = self._database_settings(
                app_config, record.core_config, fallback=app.valid_settings
            )
        return KnownTenant(record, settings, settings)

    def _database_settings(
        self,
        app_layer: Mapping[str, Any],
        tenant_config: Mapping[str, Any] | None = None,
        fallback: Settings | None = None,
    ) -> Settings:
        """Settings from ``app_layer`` and the tenant's database keys alone.

        Database keys are checked when written and have no cross-key rules, so they resolve
        where the rest of a stored config no longer does.
        """
        layers = [self.base_layer, app_layer]
        if tenant_config is not None:
            layers.append(self._database_keys(tenant_config))
        try:
            return self.schema.resolve(layers, self.test_mode)
        except ConfigError:
            return fallback or self.base_settings

    def _database_keys(self, config: Mapping[str, Any]) -> dict[str, Any]:
        kept = {}
        for name, value in config.items():
            canonical = self.schema.canonical_name(name)
            if canonical is not None and self.schema.keys[canonical].operator_only:
                kept[name] = value
        return kept

    def _report(self, tenant: TenantIdentifier, problem: str) -> None:
        """Log a stored config that does not validate, once per process and problem."""
        with self._lock:
            if (tenant, problem) in self._reported:
                return
            self._reported.add((tenant, problem))
        log.error("%s", problem)

    def database_disagreement(
        self, conn: Any, target: TenantIdentifier, merged: Mapping[str, Any]
    ) -> str | None:
        """Why ``target``'s new ``coreConfig`` (``merged``) cannot be stored, or None.

        The apps and tenants of one database share its engines, hence one pool and one read
        replica: on the database of the target (of each of its tenants, for an app), those
        keys must agree with every other app's and tenant's, and on the base database with
        the config file. Visits every tenant of the connection URI domain; only a change of database
        settings asks.
        """
        domain = target.connection_uri_domain
        users: list[tuple[str, Settings]] = [("the core's config", self.base_settings)]
        touched: set[str] = set()
        for app_id in set(store.load_app_ids(conn, domain)) | {target.app_id}:
            configs = {
                record.tenant.tenant_id: record.core_config
                for record in store.load_tenants(conn, domain, app_id)
            }
            if app_id == target.app_id:
                configs[target.tenant_id] = dict(merged)
            app_layer = self._database_keys(configs.get(PUBLIC, {}))
            for tenant_id, config in configs.items():
                settings = self._database_settings(
                    app_layer, None if tenant_id == PUBLIC else config
                )
                users.append((f"tenant '{tenant_id}' of app '{app_id}'", settings))
                # An app's config reaches all its tenants; a tenant's only itself.
                if app_id == target.app_id and (
                    target.is_public_tenant or tenant_id == target.tenant_id
                ):
                    touched.add(settings.connection_uri)
        for uri in sorted(touched):
            sharing = [(who, settings) for who, settings in users if settings.connection_uri == uri]
            for key in SHARED_DATABASE_KEYS:
                first_with: dict[Any, str] = {}
                for who, settings in sharing:
                    first_with.setdefault(settings[key], who)
                if len(first_with) > 1:
                    described = ", ".join(
                        f"{who} has {redacted(value)}" for value, who in first_with.items()
                    )
                    return (
                        f"You cannot set different values for {key} for the same "
                        f"database: {described}"
                    )
        return None

    def forget_app(self, connection_uri_domain: str, app_id: str) -> None:
        """Drop everything cached about an app (after this process changed it)."""
        with self._lock:
            for tenant in [
                t
                for t in self._cache
                if t.connection_uri_domain == connection_uri_domain and t.app_id == app_id
            ]:
                del self._cache[tenant]

    # --- what the pipeline asks ---------------------------------------------------------

    def exists(self, tenant: TenantIdentifier) -> bool:
        """Whether the tenant (and its app) exist."""
        return self.find(tenant) is not None

    def settings_if_exists(self, tenant: TenantIdentifier) -> Settings | None:
        """The tenant's resolved settings, or None if it does not exist (503 when its app's
        stored config no longer validates)."""
        known = self.find(tenant)
        return known.settings if known else None

    def settings(self, tenant: TenantIdentifier) -> Settings:
        """The tenant's resolved settings, or the contract's 400 for an unknown tenant."""
        known = self.find(tenant)
        if known is None:
            raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id, tenant.tenant_id)
        return known.settings

    def connection_uri(self, tenant: TenantIdentifier) -> str:
        """The database of a tenant; an unknown tenant uses its app's, else the base one."""
        known = self.find(tenant) or self.find(tenant.app)
        if known is None:
            return self.base_settings.connection_uri
        return known.database.connection_uri

    def config_problem(self, tenant: TenantIdentifier) -> str | None:
        """Why an existing app cannot be served (its stored config), or None when it can."""
        known = self.find(tenant)
        return known.problem if known else None
