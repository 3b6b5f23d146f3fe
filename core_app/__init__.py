"""The host: builds the Flask app that speaks the Core Driver Interface.

``create_app()`` is what gunicorn serves (``gunicorn -c python:core_app.gunicorn_config
"core_app:create_app()"``). It reads
the configuration, loads the enabled recipe plugins, creates the tables, makes sure the
public app and tenant exist, and wraps the app in the tenant-prefix middleware.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any, Mapping

import pluggy
from flask import Blueprint, Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, Table

from core_app import health, housekeeping, logs, service_info, throttling
from core_app.config import (
    HOST_CHECKS,
    HOST_KEYS,
    ConfigError,
    ConfigSchema,
    Settings,
    check_file_keys,
    config_file_path,
    read_config_file,
    read_environment,
)
from core_app.database_policy import DatabasePolicy
from core_app.errors import install_error_handlers
from core_app.metrics.api import observe_requests
from core_app.migrations import SchemaHistory
from core_app.proxies import trust_forwarded_for
from core_app.recipe_catalog import description_failures, disabled_recipe_keys, disabled_recipes
from core_app.recipes import (
    RecipeDescriptor,
    build_plugin_manager,
    recipe_descriptors,
    register_declared_hooks,
)
from core_app.routes import (
    LoginMethodRules,
    SharedPaths,
    check_request,
    login_method_rules,
    shared_paths,
)
from core_app.storage import PoolLimits, Storage, engine_options, transaction
from core_app.tenancy import store as tenancy_store
from core_app.tenancy.directory import TenantDirectory
from core_app.tenant_prefix import BASE_TENANT, TenantPrefix
from core_app.users import store as users_store

# Host features that implement hooks (the others are called directly).
HOST_PLUGINS = [throttling]


@dataclass
class Core:
    """The running core's services, shared by every request of one process."""

    settings: Settings
    config_schema: ConfigSchema
    plugins: pluggy.PluginManager
    recipes: list[RecipeDescriptor]
    storage: Storage
    directory: TenantDirectory
    shared_paths: SharedPaths  # views of paths several recipes share, by rid
    # the login method of each view that signs users in (``enforce_login_methods``)
    login_method_rules: LoginMethodRules


def create_app(
    test_config: Mapping[str, Any] | None = None, *, prepare_schema: bool = True
) -> Flask:
    """Build the core. ``test_config`` overrides file and environment (tests only).

    ``prepare_schema=False`` (``supertokens-core migrate``) leaves every database's schema
    as it is, so that a core can be built to find and upgrade databases that are behind.
    """
    overrides = dict(test_config or {})
    file_values = read_config_file(config_file_path())

    recipes_layer = {**file_values, **read_environment(_host_schema(), os.environ), **overrides}
    enabled = _host_schema().resolve([recipes_layer], test_mode=False).recipes
    plugins = build_plugin_manager(enabled, HOST_PLUGINS)
    descriptors = recipe_descriptors(plugins)
    register_declared_hooks(plugins, descriptors)

    schema = _host_schema()
    for descriptor in descriptors:
        schema.add(descriptor.config_keys, descriptor.config_checks)
    disabled = disabled_recipes(enabled)
    config_warnings = description_failures(disabled) + check_file_keys(
        schema, file_values, os.environ, disabled_recipe_keys(disabled)
    )
    base_layer = {**file_values, **read_environment(schema, os.environ), **overrides}
    test_mode = bool(schema.keys["test_mode"].coerce(base_layer.get("test_mode", False)))
    settings = schema.resolve([base_layer], test_mode)
    logs.configure_logging(settings, _recipe_packages(plugins))
    for warning in config_warnings:
        logging.getLogger("core_app.config").warning("%s", warning)
    policy = DatabasePolicy.from_settings(settings)

    app = Flask(__name__, static_folder=None)
    app.url_map.strict_slashes = False
    # Werkzeug applies it to chunked bodies too (gunicorn marks its input terminated).
    app.config["MAX_CONTENT_LENGTH"] = settings.max_request_body_bytes
    app.config["SQLALCHEMY_DATABASE_URI"] = settings.connection_uri
    base_pool = PoolLimits.from_settings(settings)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(settings.connection_uri, base_pool)
    metadata = MetaData()
    host_tables = _host_tables()
    for table in (*host_tables, *(table for d in descriptors for table in d.tables)):
        table.to_metadata(metadata)
    db = SQLAlchemy(metadata=metadata)
    db.init_app(app)

    for blueprint in (*_host_blueprints(), *(bp for d in descriptors for bp in d.blueprints)):
        app.register_blueprint(blueprint)
    rules = login_method_rules(app, descriptors)

    storage = Storage(
        db,
        settings.connection_uri,
        metadata,
        policy,
        SchemaHistory.from_parts(host_tables, descriptors, metadata),
        settings.migrate_on_start,
        prepare_schema,
    )
    storage.use_database(settings.connection_uri, base_pool, settings.read_connection_uri)
    with app.app_context():
        storage.engine()
    directory = TenantDirectory(storage, schema, base_layer, test_mode)
    if prepare_schema:
        _ensure_base_tenant(storage)
    app.extensions["supertokens_core"] = Core(
        settings, schema, plugins, descriptors, storage, directory, shared_paths(app), rules
    )

    if settings.housekeeping_interval_s > 0:
        housekeeping.start_schedule(
            app.extensions["supertokens_core"], settings.housekeeping_interval_s
        )
    install_error_handlers(app)
    logs.identify_requests(app)
    observe_requests(app, descriptors)
    app.before_request(check_request)
    api_paths = {rule.rule.lower().rstrip("/") or "/" for rule in app.url_map.iter_rules()}
    app.wsgi_app = TenantPrefix(
        app.wsgi_app,
        api_paths.__contains__,  # type: ignore[method-assign]
        settings.base_path,
    )
    # Outermost: the IP filter and everything after it see the client's address.
    app.wsgi_app = trust_forwarded_for(  # type: ignore[method-assign]
        app.wsgi_app, settings.trusted_proxies
    )
    return app


def _host_tables() -> tuple[Table, ...]:
    """The host's own tables, whose changes are the host's migration history."""
    return (
        *tenancy_store.TABLES,
        *users_store.TABLES,
        throttling.throttle_counters,
        housekeeping.housekeeping_runs,
    )


def _host_blueprints() -> tuple[Blueprint, ...]:
    """The host's own routes: multitenancy, users, /hello, the service documents, health,
    metrics."""
    from core_app.metrics.api import blueprint as metrics_routes
    from core_app.tenancy.api import blueprint as tenancy_routes
    from core_app.users.api import blueprint as user_routes

    return (tenancy_routes, user_routes, service_info.blueprint, health.blueprint, metrics_routes)


def _host_schema() -> ConfigSchema:
    schema = ConfigSchema()
    schema.add(HOST_KEYS, HOST_CHECKS)
    schema.add(throttling.KEYS, throttling.CHECKS)
    return schema


def _ensure_base_tenant(storage: Storage) -> None:
    """The public app and tenant exist from the first start and are never removed."""
    with transaction(storage) as unit:
        conn = unit.connection()
        tenancy_store.insert_tenant(
            conn, tenancy_store.public_app_record(BASE_TENANT.connection_uri_domain)
        )
        tenancy_store.ensure_anchor(conn, BASE_TENANT)


def _recipe_packages(plugins: pluggy.PluginManager) -> set[str]:
    """The top-level packages of the enabled recipes, whose loggers take ``log_level``."""
    return {
        module.split(".", 1)[0]
        # Not get_plugins(): it makes a set, and a plugin object need not be hashable.
        for _name, plugin in plugins.list_name_plugin()
        if (module := getattr(plugin, "__name__", None))
    }


__all__ = ["create_app", "Core", "ConfigError"]
