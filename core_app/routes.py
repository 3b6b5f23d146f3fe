"""How a route is declared, and the checks every request passes before its view runs.

A view is declared with ``@route(blueprint, path, methods, scope=..., body=... or
query=..., writes=...)`` and receives one ``RequestContext``. The host runs the common
checks of the contract (conventions §10) in ``check_request`` before routing dispatches
(so a wrong method with a wrong key answers 401), then the decorator parses the input,
applies the route's scope and, for a route that signs users in, the tenant's login methods
(``enforce_login_methods``), and runs the view inside the request's transaction.
"""

from __future__ import annotations

import enum
import functools
import hmac
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from flask import Blueprint, Flask, Response, current_app, request
from marshmallow import Schema
from sqlalchemy import Connection
from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge
from werkzeug.exceptions import NotFound as RoutingNotFound

from core_app.config import SUPPORTED_CDI_VERSIONS, ConfigError, Settings
from core_app.errors import (
    BadRequest,
    Forbidden,
    InvalidApiKey,
    MethodNotSupported,
    NotFound,
    StatusOutcome,
    json_response,
    tenant_not_found,
)
from core_app.inputs import parse_body, parse_query
from core_app.recipes import RecipeDescriptor
from core_app.storage import Transaction
from core_app.tenancy import store as tenancy_store
from core_app.tenant_prefix import BASE_TENANT, ENVIRON_KEY, TenantIdentifier

NEWEST_CDI_VERSION = SUPPORTED_CDI_VERSIONS[-1]
ONLY_PUBLIC_TENANT = "Only public tenantId can call this app specific API"
# Whether the request's api key is the operator's (see ``check_api_key``)
OPERATOR_ENVIRON_KEY = "supertokens.operator"
# The request's tenant once known to exist (else its app, or nothing), and the view that
# answered with the ``status`` of its JSON answer: what core_app.metrics labels figures by.
KNOWN_TENANT_ENVIRON_KEY = "supertokens.known_tenant"
OUTCOME_ENVIRON_KEY = "supertokens.outcome"
_VERSION_PATTERN = re.compile(r"^\d+(\.\d+)*$")


class Scope(enum.Enum):
    """Where a route may be called from (contract, conventions §3)."""

    TENANT = "tenant"  # the tenant in the path; app and tenant must exist
    APP = "app"  # app-wide; the tenant segment must be public
    APP_TENANT_IGNORED = "app, tenant ignored"  # app-wide; a tenant segment is ignored
    ROOT = "root"  # only the public tenant of the public app
    NO_AUTH = "no-auth"  # app, tenant ignored; no api-key or version checks
    HANDLER = "handler"  # the view applies its own rule, existence included


@dataclass(frozen=True)
class RouteSpec:
    """What a view declared about itself."""

    scope: Scope
    body: Schema | None = None
    query: Schema | None = None
    writes: bool = False
    check_version: bool = True  # is the cdi-version checked against the supported list
    root_message: str = "Only the public tenantId and public appId can call this API"
    # On a path several recipes share (conventions §7): the ``rid`` header value this view
    # answers, or ``RID_DEFAULT`` for every value no other view claims.
    rid: str | None = None
    # The view only reads, and answers as well from data a few seconds old: its reads go to
    # the database's read replica when one is configured (``read_connection_uri``).
    replica: bool = False
    # The view signs users in or up with its recipe's login method, or creates credentials
    # for it: refused for a tenant that does not allow the method (``enforce_login_methods``).
    signs_in: bool = False
    # The view belongs to the process, not to an app (health probes, the API reference
    # page): no tenant prefix (404), no IP filter, no lookup of an app, HEAD answered.
    # Scope NO_AUTH only.
    process_wide: bool = False


RID_DEFAULT = "*"


@dataclass
class RequestContext:
    """Everything a view needs about its request. Lives for one request only."""

    tenant: TenantIdentifier
    cdi_version: str
    input: dict[str, Any]
    transaction: Transaction
    core: Any
    # The api key is the operator's (config file / environment), not one an app set itself.
    by_operator: bool = False
    _settings: Settings | None = field(default=None, repr=False)

    @property
    def conn(self) -> Connection:
        """The connection to the tenant's database, inside the request's transaction."""
        return self.transaction.connection(self.core.directory.connection_uri(self.tenant))

    def connection_for(self, tenant: TenantIdentifier) -> Connection:
        """The connection to another tenant's database, in the same transaction."""
        return self.transaction.connection(self.core.directory.connection_uri(tenant))

    @property
    def app_conn(self) -> Connection:
        """The connection to the app's database (its public tenant's), where app data lives."""
        return self.connection_for(self.tenant.app)

    def app_tenant_connections(self) -> list[tuple[TenantIdentifier, Connection]]:
        """One tenant of the app per database its tenants use, with that connection.

        For app-wide reads and deletes of per-tenant data, which may be spread over
        several databases (tenants with a ``connection_uri`` of their own).
        """
        app = self.tenant.app
        one_per_database: dict[str, TenantIdentifier] = {}
        for record in tenancy_store.load_tenants(
            self.base_conn, app.connection_uri_domain, app.app_id
        ):
            uri = self.core.directory.connection_uri(record.tenant)
            one_per_database.setdefault(uri, record.tenant)
        return [(tenant, self.connection_for(tenant)) for tenant in one_per_database.values()]

    def app_databases(self) -> list[Connection]:
        """A connection to every database of the app, the app's own (its public tenant's) first.

        For app-wide user operations (deletion, lookup by id, counting): the app's users are
        spread over these when tenants have a ``connection_uri`` of their own.
        """
        app_connection = self.app_conn
        others = [
            conn for _tenant, conn in self.app_tenant_connections() if conn is not app_connection
        ]
        return [app_connection, *others]

    def user_database(self, user_id: str) -> tuple[Connection, str]:
        """The database of the app holding the recipe user ``user_id`` (either side of a
        user-id mapping), and the SuperTokens id it stands for.

        For app-wide routes that act on one user: the user lives in the database of the
        tenant it signed up in. An id that is no user gets the app's own database.
        """
        from core_app.users import service as users  # the users package declares routes

        return users.user_database(
            self.app_databases(), self.core.plugins, self.tenant.app_id, user_id
        )

    def login_method_user(self, user_id: str, recipe_id: str) -> dict[str, Any] | None:
        """The deprecated ``GET /recipe/user`` by id of a login recipe: the user reduced to
        its one login method of ``recipe_id``, from whichever database of the app holds it.

        ``user_id`` may be either side of a user-id mapping; None unless it is a login
        method of ``recipe_id``.
        """
        from core_app.users import service as users  # the users package declares routes

        conn, _ = self.user_database(user_id)
        return users.login_method_user(
            conn, self.core.plugins, self.tenant.app_id, user_id, recipe_id, self.cdi_version
        )

    @property
    def base_conn(self) -> Connection:
        """The connection to the base database (where tenant configuration lives)."""
        return self.transaction.connection(None)

    def commit(self) -> None:
        """Commit the request's transaction now, before slow work that needs no lock.

        Signing a token takes longer than the statements before it; committing first lets
        the next writer in. A later use of ``conn`` opens a new transaction.
        """
        self.transaction.commit()

    def begin_writes(self) -> None:
        """Commit what is open; the next use of ``conn`` opens a writing transaction.

        For a route that only sometimes writes (a sign-in that replaces an outdated hash):
        it reads without taking the writers' lock and takes it only when it must write.
        """
        self.transaction.commit()
        self.transaction.writes = True

    def end_writes(self) -> None:
        """Commit the writes; the next use of ``conn`` opens a reading transaction.

        For a route that ends with slow reads (building the answer): on SQLite the writers'
        lock is held for the writes only.
        """
        self.transaction.commit()
        self.transaction.writes = False

    def require_scope(self, scope: Scope) -> None:
        """Apply a scope the view chose from its input (routes declared ``Scope.HANDLER``)."""
        check_scope(self.core, self.tenant, RouteSpec(scope))

    @property
    def settings(self) -> Settings:
        """The resolved configuration of the request's tenant."""
        if self._settings is None:
            self._settings = self.core.directory.settings(self.tenant)
        return self._settings

    def settings_of(self, tenant: TenantIdentifier) -> Settings:
        """The resolved configuration of another tenant (or app: its public tenant); 400 for
        an unknown one."""
        return self.core.directory.settings(tenant)

    def tenant_exists(self, tenant: TenantIdentifier) -> bool:
        """Whether the tenant (and its app) exist."""
        return bool(self.core.directory.exists(tenant))

    def database_uri(self, tenant: TenantIdentifier) -> str:
        """The connection URI of the database holding ``tenant``'s data, for work outside
        the request's transaction (``transaction(ctx.storage)``, ``storage.engine(uri)``)."""
        return str(self.core.directory.connection_uri(tenant))

    @property
    def storage(self) -> Any:
        """The core's databases (``core_app.plugin_api.Storage``), for work in a transaction
        of its own (``transaction(ctx.storage)``)."""
        return self.core.storage

    @property
    def plugins(self) -> Any:
        """The plugin manager (``pluggy.PluginManager``); user functions take it to ask every
        recipe's hooks."""
        return self.core.plugins

    @property
    def hooks(self) -> Any:
        """Call another recipe's hooks: ``ctx.hooks.st_mark_email_verified(conn=..., ...)``."""
        return self.core.plugins.hook

    @property
    def test_mode(self) -> bool:
        """Whether the core runs with ``test_mode`` (shorter minimums for tests)."""
        return bool(self.core.directory.test_mode)


def route(
    blueprint: Blueprint,
    path: str,
    methods: list[str],
    *,
    scope: Scope,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    writes: bool = False,
    check_version: bool = True,
    root_message: str | None = None,
    rid: str | None = None,
    replica: bool = False,
    signs_in: bool = False,
    process_wide: bool = False,
) -> Callable:
    """Declare a view of the CDI: path, methods, scope, input schema, whether it writes.

    The view is called as ``view(ctx)`` and returns a dict, answered as HTTP 200 JSON.
    ``rid`` lets recipes share a path: each declares the ``rid`` header value it answers
    (one of them ``RID_DEFAULT``), and the host picks the view per request.
    ``replica``: the view never writes and may answer from a read replica that lags the
    primary by a few seconds (lists, lookups, reads of roles and metadata). A view that
    reads what its own request wrote, or decides a write from what it reads, is not one.
    ``signs_in``: the view signs users in or up with the login method of the recipe whose
    blueprint declares it, or creates credentials for it (a reset token, an imported hash).
    With ``enforce_login_methods`` on, a tenant whose ``firstFactors`` and
    ``requiredSecondaryFactors`` name none of the recipe's ``first_factors`` gets 403
    ``<login_method_name> login not enabled for tenant``; such a recipe must declare both.
    ``process_wide``: the view answers for the process (a load balancer's probe), so it has
    no tenant prefix, skips the IP filter, never looks an app up and answers HEAD too;
    ``Scope.NO_AUTH`` only.
    """
    if replica and writes:
        raise ValueError(f"{path}: a route that writes cannot read from a replica")
    if process_wide and scope is not Scope.NO_AUTH:
        raise ValueError(f"{path}: a process-wide route needs no api key (Scope.NO_AUTH)")
    spec = RouteSpec(
        scope,
        body() if body else None,
        query() if query else None,
        writes,
        check_version,
        root_message or RouteSpec.root_message,
        rid,
        replica,
        signs_in,
        process_wide,
    )

    def decorate(view: Callable[[RequestContext], dict[str, Any] | Response]) -> Callable:
        @functools.wraps(view)
        def endpoint() -> Response:
            return _run(view, spec)

        endpoint.route_spec = spec  # type: ignore[attr-defined]
        endpoint.route_view = view  # type: ignore[attr-defined]
        blueprint.add_url_rule(
            path,
            view_func=endpoint,
            methods=methods,
            strict_slashes=False,
            provide_automatic_options=False,
        )
        return view

    return decorate


def _run(view: Callable, spec: RouteSpec) -> Response:
    core = current_app.extensions["supertokens_core"]
    req = request._get_current_object()  # type: ignore[attr-defined]
    environ = req.environ
    tenant: TenantIdentifier = environ[ENVIRON_KEY]
    if spec.rid is not None:
        view, spec = _view_for_rid(core.shared_paths)
    if req.method in ("GET", "DELETE"):
        data = parse_query(spec.query, req.args) if spec.query else {}
    else:
        data = parse_body(spec.body, _request_body()) if spec.body else {}
    check_scope(core, tenant, spec)
    if spec.signs_in:
        check_login_method(core, tenant, core.login_method_rules[view])
    ctx = RequestContext(
        tenant,
        environ["supertokens.cdi_version"],
        data,
        Transaction(core.storage, spec.writes, spec.replica),
        core,
        environ.get(OPERATOR_ENVIRON_KEY, False),
    )
    try:
        answer = view(ctx)
    except BaseException as error:
        ctx.transaction.rollback()
        if isinstance(error, StatusOutcome):
            environ[OUTCOME_ENVIRON_KEY] = (view, error.body["status"])
        raise
    ctx.transaction.commit()
    if isinstance(answer, Response):
        return answer
    if "status" in answer:
        environ[OUTCOME_ENVIRON_KEY] = (view, answer["status"])
    return json_response(answer)


def _request_body() -> bytes:
    """The whole body, or 413 past ``max_request_body_bytes``, chunked or not."""
    limit_bytes = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None or "wsgi.input_terminated" not in request.environ:
        # Werkzeug answers 413 itself for a Content-Length over the limit.
        return request.get_data(cache=False)
    # A chunked body has no length: werkzeug would stop reading at the limit and hand
    # over a truncated body without an error, so read one byte past it ourselves.
    raw = request.environ["wsgi.input"].read(limit_bytes + 1)
    if len(raw) > limit_bytes:
        raise RequestEntityTooLarge()
    return raw


SharedPaths = dict[tuple[str, str], dict[str, Callable]]


def shared_paths(app: Flask) -> SharedPaths:
    """The views of paths recipes share, by (rule, method) and then by ``rid`` value."""
    table: SharedPaths = {}
    for rule in app.url_map.iter_rules():
        endpoint = app.view_functions[rule.endpoint]
        spec = getattr(endpoint, "route_spec", None)
        if spec is None or spec.rid is None:
            continue
        for method in rule.methods or ():
            table.setdefault((rule.rule, method), {})[spec.rid] = endpoint
    return table


def _view_for_rid(table: SharedPaths) -> tuple[Callable, RouteSpec]:
    """The view of a shared path for this request's ``rid`` (conventions §7).

    A ``rid`` naming a recipe that owns the path for other methods only is a 405; a ``rid``
    no view claims goes to the default view.
    """
    rule = request.url_rule.rule  # type: ignore[union-attr]
    rid = (request.headers.get("rid") or "").strip()
    views = table[(rule, request.method)]
    endpoint = views.get(rid)
    if endpoint is None:
        claimed_elsewhere = any(
            rid in by_rid for (other_rule, _), by_rid in table.items() if other_rule == rule
        )
        if claimed_elsewhere or RID_DEFAULT not in views:
            raise MethodNotSupported()
        endpoint = views[RID_DEFAULT]
    return endpoint.route_view, endpoint.route_spec


@dataclass(frozen=True)
class LoginMethodRule:
    """The login method a ``signs_in`` view uses: the factors that allow it, and its name."""

    recipe_id: str
    factors: frozenset[str]
    name: str  # "Email password": upstream's wording of the refusal

    @property
    def refusal(self) -> str:
        """The 403 body, upstream's before CDI 5.1."""
        return f"{self.name} login not enabled for tenant"

    def allowed_by(
        self, first_factors: list[str] | None, required_secondary_factors: list[str] | None
    ) -> bool:
        """Whether a tenant with these factors allows the method.

        A factor listed as required second step is allowed too: the route serves that step.
        """
        if first_factors is None:
            return True
        allowed = {*first_factors, *(required_secondary_factors or ())}
        return not self.factors.isdisjoint(allowed)


LoginMethodRules = dict[Callable, LoginMethodRule]


def login_method_rules(app: Flask, recipes: list[RecipeDescriptor]) -> LoginMethodRules:
    """The rule of every ``signs_in`` view, from the recipe whose blueprint declares it.

    ``recipes``: the enabled recipes. A ``signs_in`` view outside every recipe, or in a
    recipe without ``first_factors`` or ``login_method_name``, stops the start, named.
    """
    owners = {id(blueprint): recipe for recipe in recipes for blueprint in recipe.blueprints}
    table: LoginMethodRules = {}
    for rule in app.url_map.iter_rules():
        endpoint = app.view_functions[rule.endpoint]
        spec = getattr(endpoint, "route_spec", None)
        if spec is None or not spec.signs_in:
            continue
        # A recipe's blueprints are registered on the app: the endpoint's first part names one.
        registered = app.blueprints.get(rule.endpoint.split(".", 1)[0])
        recipe = owners.get(id(registered))
        if recipe is None:
            raise ConfigError(
                f"route {rule.rule} declares signs_in but no recipe declares its blueprint"
            )
        if not recipe.first_factors or not recipe.login_method_name:
            raise ConfigError(
                f"recipe '{recipe.id}' has routes that sign users in ({rule.rule}) but no "
                "first_factors or login_method_name in its descriptor"
            )
        table[endpoint.route_view] = LoginMethodRule(
            recipe.id, frozenset(recipe.first_factors), recipe.login_method_name
        )
    return table


def check_login_method(core: Any, tenant: TenantIdentifier, rule: LoginMethodRule) -> None:
    """403 when ``enforce_login_methods`` is on for the tenant and it does not allow the
    login method (upstream's check before CDI 5.1)."""
    known = core.directory.find(tenant)
    if known is None or not known.settings.enforce_login_methods:
        return
    record = known.record
    if not rule.allowed_by(record.first_factors, record.required_secondary_factors):
        raise Forbidden(rule.refusal)


def check_scope(core: Any, tenant: TenantIdentifier, spec: RouteSpec) -> None:
    """Apply the route's scope to the request's tenant (conventions §3)."""
    if spec.process_wide:
        return  # checked in check_request: no tenant prefix
    directory = core.directory
    if spec.scope is Scope.APP and not tenant.is_public_tenant:
        raise Forbidden(ONLY_PUBLIC_TENANT)
    if spec.scope is Scope.ROOT:
        # An unknown app or tenant is a 400 before the permission's 403 (conventions §3).
        if not directory.exists(tenant):
            raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id, tenant.tenant_id)
        if not tenant.app.is_base or not tenant.is_public_tenant:
            raise Forbidden(spec.root_message)
        return
    if spec.scope is Scope.HANDLER:
        return
    if spec.scope is Scope.TENANT:
        if not directory.exists(tenant):
            raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id, tenant.tenant_id)
        return
    if not directory.exists(tenant.app):
        raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id, "public")


def _spec_for_path(app: Flask, path: str) -> RouteSpec | None:
    adapter = app.url_map.bind("")
    try:
        endpoint, _ = adapter.match(path, method="GET")
    except MethodNotAllowed as error:
        methods = sorted(error.valid_methods or [])
        if not methods:
            return None
        endpoint, _ = adapter.match(path, method=methods[0])
    except RoutingNotFound:
        return None
    return getattr(app.view_functions[endpoint], "route_spec", None)


def check_request() -> None:
    """The checks before dispatch: IP filter, api key, cdi-version, method (conventions §10).

    Runs for every request; a path that matches no API skips them and answers 404.
    """
    # Resolved once: each use of the ``request`` / ``current_app`` proxies costs a lookup,
    # and this runs on every request.
    req = request._get_current_object()  # type: ignore[attr-defined]
    if isinstance(req.routing_exception, RoutingNotFound):
        return
    flask_app = current_app._get_current_object()  # type: ignore[attr-defined]
    core = flask_app.extensions["supertokens_core"]
    if req.url_rule is not None:
        spec = getattr(flask_app.view_functions[req.endpoint], "route_spec", None)
    else:
        spec = _spec_for_path(flask_app, req.path)
    if spec is None:
        return
    environ = req.environ
    tenant: TenantIdentifier = environ[ENVIRON_KEY]
    if spec.process_wide:
        if tenant != BASE_TENANT:
            raise NotFound()
        # HEAD is answered (as GET without a body): some load balancers probe with it.
        environ["supertokens.cdi_version"] = NEWEST_CDI_VERSION
        return
    app_settings = core.directory.settings_if_exists(tenant.app)
    if app_settings is not None:
        own_settings = core.directory.settings_if_exists(tenant)
        environ[KNOWN_TENANT_ENVIRON_KEY] = tenant if own_settings is not None else tenant.app
        _check_ip(own_settings or app_settings, req.remote_addr or "")
    if spec.scope is Scope.NO_AUTH:
        environ["supertokens.cdi_version"] = NEWEST_CDI_VERSION
        _reject_head(req.method)
        return
    headers = req.headers
    operator_keys = core.directory.base_settings.api_keys
    if app_settings is not None:
        operator = check_api_key(app_settings.api_keys, headers, operator_keys)
    else:
        given = _given_api_key(headers)
        operator = not operator_keys or (given is not None and _matches(given, operator_keys))
    environ[OPERATOR_ENVIRON_KEY] = operator
    environ["supertokens.cdi_version"] = negotiate_cdi_version(
        headers.get("cdi-version"), app_settings, spec.check_version
    )
    _reject_head(req.method)


def _reject_head(method: str) -> None:
    # Werkzeug answers HEAD for every GET route and OPTIONS for all; upstream answers 405.
    if method in ("HEAD", "OPTIONS"):
        raise MethodNotSupported()


def _check_ip(settings: Settings, address: str) -> None:
    deny = settings.ip_deny_regex
    allow = settings.ip_allow_regex
    if (deny is not None and deny.fullmatch(address)) or (
        allow is not None and not allow.fullmatch(address)
    ):
        raise Forbidden("Your IP address is not allowed to call this API")


def check_api_key(
    keys: tuple[str, ...] | None, headers: Any, operator_keys: tuple[str, ...] | None = None
) -> bool:
    """401 unless the request carries one of the app's ``keys`` or the operator's keys.

    Returns whether the request speaks for the operator: its key is one of
    ``operator_keys`` (the config file's and environment's ``api_keys``), or the operator
    set no keys at all and the app none of its own. A key an app set in its ``coreConfig``
    belongs to that app's team, whom the operator does not trust with the host (database
    settings). **Extension**: the operator's keys are accepted on every app, also one with
    keys of its own, so the operator can manage every app.
    """
    given = _given_api_key(headers)
    if not operator_keys:
        if not keys:
            return True
        if given is None or not _matches(given, keys):
            raise InvalidApiKey()
        return False
    if given is not None and _matches(given, operator_keys):
        return True
    if keys == ():
        return False  # the app turned its own check off (an empty api_keys)
    if given is None or not keys or not _matches(given, keys):
        raise InvalidApiKey()
    return False


def _given_api_key(headers: Any) -> str | None:
    given = headers.get("api-key")
    if given is None:
        authorization = headers.get("Authorization")
        if authorization is None:
            return None
        given = authorization.strip()
        if given.lower().startswith("bearer "):
            given = given[len("bearer ") :]
    return given.strip()


def _matches(given: str, keys: tuple[str, ...]) -> bool:
    given_bytes = given.encode()
    # Compare against every key so the time taken does not say which one nearly matched.
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given_bytes, key.encode())
    return matched


CDI_VERSION_HEADER_MAX_LENGTH = 32


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def negotiate_cdi_version(
    header: str | None, settings: Settings | None, check_supported: bool
) -> str:
    """The CDI version a request speaks, or the contract's 400 (conventions §6)."""
    max_version = (settings.supertokens_max_cdi_version if settings else None) or NEWEST_CDI_VERSION
    min_version = settings.supertokens_min_cdi_version if settings else None
    if header is None:
        return max_version
    version = header.strip()
    # Bounded before int(): Python refuses to read more than 4,300 digits (a ValueError).
    if len(version) > CDI_VERSION_HEADER_MAX_LENGTH or not _VERSION_PATTERN.match(version):
        raise BadRequest("cdi-version header is invalid")
    if _version_tuple(version) > _version_tuple(max_version):
        raise BadRequest(f"cdi-version {version} not supported")
    if min_version and _version_tuple(version) < _version_tuple(min_version):
        raise BadRequest(
            f"cdi-version {version} is lower than the minimum allowed version {min_version}"
        )
    if check_supported and version not in SUPPORTED_CDI_VERSIONS:
        raise BadRequest(f"cdi-version {version} not supported")
    return version
