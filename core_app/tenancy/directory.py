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

import threading
import time
from dataclasses import dataclass
from typing import Any, Mapping

from core_app.config import ConfigError, ConfigSchema, Settings
from core_app.errors import tenant_not_found
from core_app.storage import Storage
from core_app.tenancy import store
from core_app.tenant_prefix import TenantIdentifier

CACHE_TTL_S = 1.0


@dataclass(frozen=True)
class KnownTenant:
    """A tenant that exists: its stored config and its resolved settings."""

    record: store.TenantRecord
    settings: Settings


class TenantDirectory:
    """Tenant lookups for the request pipeline and for services."""

    def __init__(self, storage: Storage, schema: ConfigSchema,
                 base_layer: Mapping[str, Any], test_mode: bool):
        self.storage = storage
        self.schema = schema
        self.base_layer = dict(base_layer)
        self.test_mode = test_mode
        self.base_settings = schema.resolve([self.base_layer], test_mode)
        self._cache: dict[TenantIdentifier, tuple[float, KnownTenant]] = {}
        self._lock = threading.Lock()

    # --- resolution ---------------------------------------------------------------------

    def resolve(self, app_config: Mapping[str, Any],
                tenant_config: Mapping[str, Any] | None = None) -> Settings:
        """Settings from the base layer, an app's and a tenant's ``coreConfig``."""
        layers = [self.base_layer, app_config]
        if tenant_config is not None:
            layers.append(tenant_config)
        return self.schema.resolve(layers, self.test_mode)

    def find(self, tenant: TenantIdentifier) -> KnownTenant | None:
        """The tenant if it exists (from the cache when fresh)."""
        cached = self._cache.get(tenant)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return self._load(tenant)

    def _load(self, tenant: TenantIdentifier) -> KnownTenant | None:
        wanted = {tenant.tenant_id, "public"}
        with self.storage.engine().connect() as conn:
            records = {record.tenant.tenant_id: record for record in store.load_tenants(
                conn, tenant.connection_uri_domain, tenant.app_id, wanted)}
            conn.rollback()
        app_record = records.get("public")
        record = records.get(tenant.tenant_id)
        if app_record is None or record is None:
            return None
        try:
            settings = self.resolve(app_record.core_config,
                                    None if tenant.is_public_tenant else record.core_config)
        except ConfigError:
            # Stored configs were validated when written; a key whose rules changed since
            # falls back to the app's values rather than locking the tenant out.
            settings = self.resolve(app_record.core_config)
        known = KnownTenant(record, settings)
        expires = time.monotonic() + CACHE_TTL_S
        with self._lock:
            self._cache[tenant] = (expires, known)
            if not tenant.is_public_tenant:
                self._cache[tenant.app] = (expires, KnownTenant(
                    app_record, self.resolve(app_record.core_config)))
        return known

    def forget_app(self, connection_uri_domain: str, app_id: str) -> None:
        """Drop everything cached about an app (after this process changed it)."""
        with self._lock:
            for tenant in [t for t in self._cache
                           if t.connection_uri_domain == connection_uri_domain
                           and t.app_id == app_id]:
                del self._cache[tenant]

    # --- what the pipeline asks ---------------------------------------------------------

    def exists(self, tenant: TenantIdentifier) -> bool:
        """Whether the tenant (and its app) exist."""
        return self.find(tenant) is not None

    def settings_if_exists(self, tenant: TenantIdentifier) -> Settings | None:
        """The tenant's resolved settings, or None if it does not exist."""
        known = self.find(tenant)
        return known.settings if known else None

    def settings(self, tenant: TenantIdentifier) -> Settings:
        """The tenant's resolved settings, or the contract's 400 for an unknown tenant."""
        known = self.find(tenant)
        if known is None:
            raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id,
                                   tenant.tenant_id)
        return known.settings

    def connection_uri(self, tenant: TenantIdentifier) -> str:
        """The database of a tenant; an unknown tenant uses its app's, else the base one."""
        known = self.find(tenant) or self.find(tenant.app)
        if known is None:
            return self.base_settings.connection_uri
        return known.settings.connection_uri
