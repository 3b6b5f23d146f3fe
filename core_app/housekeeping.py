"""Removal of expired data: the ``st_housekeeping`` hook, run per database.

Two ways to run it, both safe with many processes and instances:

- ``supertokens-core cleanup`` (for cron) runs it now;
- with ``housekeeping_interval_s`` > 0 every worker wakes up on that interval and tries;
  a row per database, read with a lock, records the last run, so one process does the
  work per interval and the others see it was done.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    MetaData,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from core_app.errors import ServiceUnavailable
from core_app.storage import transaction
from core_app.tenancy import store as tenancy_store
from core_app.tenant_prefix import DEFAULT_CONNECTION_URI_DOMAIN, PUBLIC, TenantIdentifier

log = logging.getLogger("core_app.housekeeping")

metadata = MetaData()

housekeeping_runs = Table(
    "housekeeping_runs",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_run_at", BigInteger, nullable=False),
)
RUN_NAME = "expired-data"


def _claim(conn: Connection, now: int, min_gap_ms: int) -> bool:
    """Lock this database's run row; True when the last run is older than ``min_gap_ms``."""
    try:
        with conn.begin_nested():
            conn.execute(insert(housekeeping_runs).values(name=RUN_NAME, last_run_at=0))
    except IntegrityError:
        pass
    query = select(housekeeping_runs.c.last_run_at).where(housekeeping_runs.c.name == RUN_NAME)
    if conn.dialect.name != "sqlite":
        query = query.with_for_update()
    last_run = conn.execute(query).scalar_one()
    if now - last_run < min_gap_ms:
        return False
    conn.execute(
        update(housekeeping_runs)
        .where(housekeeping_runs.c.name == RUN_NAME)
        .values(last_run_at=now)
    )
    return True


def databases(core: Any) -> list[str]:
    """Every database URI the core's apps and tenants use."""
    uris = {core.storage.base_uri}
    for tenant in _tenants(core):
        uris.add(core.directory.connection_uri(tenant))
    return sorted(uris)


def _tenants(core: Any) -> list[TenantIdentifier]:
    with core.storage.engine().connect() as conn:
        return [
            record.tenant
            for app_id in tenancy_store.load_app_ids(conn, DEFAULT_CONNECTION_URI_DOMAIN)
            for record in tenancy_store.load_tenants(conn, DEFAULT_CONNECTION_URI_DOMAIN, app_id)
        ]


def config_problems(core: Any) -> list[str]:
    """Why some apps cannot be served: each app whose stored coreConfig no longer validates,
    named with the key (for the command line; the log has them too)."""
    problems = []
    for tenant in _tenants(core):
        if tenant.is_public_tenant:
            problem = core.directory.config_problem(tenant)
            if problem:
                problems.append(problem)
    return problems


def database_name(uri: str) -> str:
    """A database URI fit for a log line or the terminal: the password hidden."""
    return make_url(uri).render_as_string(hide_password=True)


def run_housekeeping(core: Any, min_gap_ms: int = 0) -> list[str]:
    """Run every recipe's clean-up in each database not cleaned in the last ``min_gap_ms``.

    Returns the databases it cleaned. An app whose stored config no longer validates gets
    None for its settings (the recipes then keep what depends on them) and is logged; a
    database that fails is logged and the others are still cleaned.
    """
    skipped: set[str] = set()

    def settings_of(tenant: TenantIdentifier) -> Any:
        try:
            return core.directory.settings_if_exists(tenant)
        except ServiceUnavailable as error:
            if error.message not in skipped:
                skipped.add(error.message)
                log.warning(
                    "housekeeping keeps this app's expired data that depends on its settings: %s",
                    error.message,
                )
            return None

    def app_settings(app_id: str) -> Any:
        return settings_of(TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, PUBLIC))

    def tenant_settings(app_id: str, tenant_id: str) -> Any:
        return settings_of(TenantIdentifier(DEFAULT_CONNECTION_URI_DOMAIN, app_id, tenant_id))

    cleaned = []
    for uri in databases(core):
        try:
            with transaction(core.storage) as unit:
                conn = unit.connection(uri)
                now = int(time.time() * 1000)
                if not _claim(conn, now, min_gap_ms):
                    continue
                core.plugins.hook.st_housekeeping(
                    conn=conn,
                    now_ms=now,
                    app_settings=app_settings,
                    tenant_settings=tenant_settings,
                )
        except Exception:  # noqa: BLE001 - one unreachable database must not stop the rest
            log.exception("housekeeping failed for database %s", database_name(uri))
            continue
        cleaned.append(uri)
    return cleaned


def start_schedule(core: Any, interval_s: int) -> threading.Thread:
    """A daemon thread that runs housekeeping about every ``interval_s`` seconds."""

    def loop() -> None:
        while True:
            time.sleep(interval_s)
            try:
                run_housekeeping(core, min_gap_ms=interval_s * 1000 // 2)
            except Exception:  # noqa: BLE001 - a failed run must not end the schedule
                log.exception("housekeeping failed; trying again in %s s", interval_s)

    thread = threading.Thread(target=loop, name="housekeeping", daemon=True)
    thread.start()
    return thread
