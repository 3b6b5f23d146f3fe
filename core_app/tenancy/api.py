"""Multitenancy routes, CDI 5.4 v2 (contract, multitenancy §2–§5)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.errors import Forbidden, StatusOutcome, tenant_not_found
from core_app.routes import RequestContext, Scope, route
from core_app.tenancy import schemas, service, store
from core_app.tenant_prefix import PUBLIC, TenantIdentifier
from core_app.users import groups
from core_app.users import service as users_service
from core_app.users import store as users_store

blueprint = Blueprint("multitenancy", __name__)

LIST_APPS_MESSAGE = (
    "Only the public tenantId and public appId is allowed to list all apps "
    "associated with this connection uri domain"
)
REMOVE_APP_MESSAGE = "Only the public tenantId and public appId is allowed to delete an app"


def _require_known(ctx: RequestContext, tenant: TenantIdentifier) -> None:
    if not ctx.core.directory.exists(tenant):
        raise tenant_not_found(tenant.connection_uri_domain, tenant.app_id, tenant.tenant_id)


def _prepare_data_database(ctx: RequestContext, record: store.TenantRecord) -> None:
    """Create tables and anchor rows where the tenant's data will live."""
    app_config = (
        record.core_config
        if record.tenant.is_public_tenant
        else (
            store.load_tenants(
                ctx.base_conn, record.tenant.connection_uri_domain, record.tenant.app_id, [PUBLIC]
            )[0].core_config
        )
    )
    uri = service.data_connection_uri(ctx.core.directory, record, app_config)
    store.ensure_anchor(ctx.transaction.connection(uri), record.tenant)


@route(
    blueprint,
    "/recipe/multitenancy/app/v2",
    ["PUT"],
    scope=Scope.HANDLER,
    body=schemas.AppBody,
    writes=True,
)
def put_app(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/multitenancy/app/v2: create or update an app (§2.1)."""
    source = ctx.tenant
    target = TenantIdentifier(source.connection_uri_domain, ctx.input["appId"], PUBLIC)
    _require_known(ctx, source)
    if not source.is_public_tenant or source.app_id not in (PUBLIC, target.app_id):
        raise Forbidden("You must use the public or same app to add/update an app")
    created, record = service.upsert_tenant(
        ctx.core.directory,
        ctx.base_conn,
        target,
        ctx.input,
        new_first_factors=None,
        by_operator=ctx.by_operator,
    )
    _prepare_data_database(ctx, record)
    return {"status": "OK", "createdNew": created}


@route(blueprint, "/recipe/multitenancy/app/list/v2", ["GET"], scope=Scope.HANDLER, replica=True)
def list_apps(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/multitenancy/app/list/v2: every app with its tenants (§2.2)."""
    # Root scope: an unknown app or tenant is a 400 before the 403 (conventions §3).
    _require_known(ctx, ctx.tenant)
    if not ctx.tenant.is_base:
        raise Forbidden(LIST_APPS_MESSAGE)
    cud = ctx.tenant.connection_uri_domain
    apps = []
    for app_id in store.load_app_ids(ctx.base_conn, cud):
        providers = store.load_providers_of_app(ctx.base_conn, cud, app_id)
        apps.append(
            {
                "appId": app_id,
                "tenants": [
                    service.tenant_config_json(record, providers.get(record.tenant.tenant_id, []))
                    for record in store.load_tenants(ctx.base_conn, cud, app_id)
                ],
            }
        )
    return {"status": "OK", "apps": apps}


@route(
    blueprint,
    "/recipe/multitenancy/app/remove",
    ["POST"],
    scope=Scope.HANDLER,
    body=schemas.AppIdBody,
    writes=True,
)
def remove_app(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/multitenancy/app/remove: delete an app and all its data (§2.3)."""
    app_id = ctx.input["appId"]
    if app_id == PUBLIC:
        raise Forbidden(
            "Cannot delete the public app, use remove connection uri domain API instead"
        )
    _require_known(ctx, ctx.tenant)
    if not ctx.tenant.is_base:
        raise Forbidden(REMOVE_APP_MESSAGE)
    cud = ctx.tenant.connection_uri_domain
    records = store.load_tenants(ctx.base_conn, cud, app_id)
    if any(not record.tenant.is_public_tenant for record in records):
        raise Forbidden(
            "Please delete all tenants except the public tenant for this app "
            "before calling the delete API"
        )
    for record in records:
        store.delete_app_anchor(ctx.connection_for(record.tenant), app_id)
    existed = store.delete_app_config(ctx.base_conn, cud, app_id)
    ctx.core.directory.forget_app(cud, app_id)
    return {"status": "OK", "didExist": existed}


@route(
    blueprint,
    "/recipe/multitenancy/tenant/v2",
    ["PUT"],
    scope=Scope.HANDLER,
    body=schemas.TenantBody,
    writes=True,
)
def put_tenant(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/multitenancy/tenant/v2: create or update a tenant (§3.1)."""
    source = ctx.tenant
    target = TenantIdentifier(source.connection_uri_domain, source.app_id, ctx.input["tenantId"])
    _require_known(ctx, source)
    if not source.is_public_tenant and source.tenant_id != target.tenant_id:
        raise Forbidden("You must use the public or same tenant to add/update a tenant")
    created, record = service.upsert_tenant(
        ctx.core.directory,
        ctx.base_conn,
        target,
        ctx.input,
        new_first_factors=[],
        by_operator=ctx.by_operator,
    )
    _prepare_data_database(ctx, record)
    return {"status": "OK", "createdNew": created}


@route(blueprint, "/recipe/multitenancy/tenant/v2", ["GET"], scope=Scope.HANDLER, replica=True)
def get_tenant(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/multitenancy/tenant/v2: the tenant's config, read fresh (§3.2)."""
    tenant = ctx.tenant
    found = store.load_tenants(
        ctx.base_conn, tenant.connection_uri_domain, tenant.app_id, [tenant.tenant_id]
    )
    if not found:
        return {"status": "TENANT_NOT_FOUND_ERROR"}
    providers = store.load_providers(ctx.base_conn, tenant)
    return {"status": "OK", **service.tenant_config_json(found[0], providers)}


@route(blueprint, "/recipe/multitenancy/tenant/list/v2", ["GET"], scope=Scope.HANDLER, replica=True)
def list_tenants(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/multitenancy/tenant/list/v2: every tenant of the app (§3.3)."""
    if not ctx.tenant.is_public_tenant:
        raise Forbidden(
            "Only the public tenantId is allowed to list all tenants associated with this app"
        )
    _require_known(ctx, ctx.tenant)
    cud, app_id = ctx.tenant.connection_uri_domain, ctx.tenant.app_id
    providers = store.load_providers_of_app(ctx.base_conn, cud, app_id)
    return {
        "status": "OK",
        "tenants": [
            service.tenant_config_json(record, providers.get(record.tenant.tenant_id, []))
            for record in store.load_tenants(ctx.base_conn, cud, app_id)
        ],
    }


@route(
    blueprint,
    "/recipe/multitenancy/tenant/remove",
    ["POST"],
    scope=Scope.HANDLER,
    body=schemas.TenantIdBody,
    writes=True,
)
def remove_tenant(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/multitenancy/tenant/remove: delete a tenant and its data (§3.4)."""
    tenant_id = ctx.input["tenantId"]
    if tenant_id == PUBLIC:
        raise Forbidden("Cannot delete public tenant, use remove app API instead")
    if not ctx.tenant.is_public_tenant:
        raise Forbidden("Only the public tenantId is allowed to delete a tenant")
    _require_known(ctx, ctx.tenant)
    target = TenantIdentifier(ctx.tenant.connection_uri_domain, ctx.tenant.app_id, tenant_id)
    if ctx.core.directory.exists(target):
        users_store.forget_tenant_users(ctx.connection_for(target), target)
        store.delete_tenant_anchor(ctx.connection_for(target), target)
    existed = store.delete_tenant_config(ctx.base_conn, target)
    ctx.core.directory.forget_app(target.connection_uri_domain, target.app_id)
    return {"status": "OK", "didExist": existed}


@route(
    blueprint,
    "/recipe/multitenancy/config/thirdparty",
    ["PUT"],
    scope=Scope.TENANT,
    body=schemas.ProviderBody,
    writes=True,
)
def put_provider(ctx: RequestContext) -> dict[str, Any]:
    """PUT /recipe/multitenancy/config/thirdparty: add or replace a provider (§4.2)."""
    provider = service.normalise_provider(ctx.input["config"])
    service.check_provider(provider, ctx.input["skipValidation"])
    created = store.put_provider(ctx.base_conn, ctx.tenant, provider)
    ctx.core.directory.forget_app(ctx.tenant.connection_uri_domain, ctx.tenant.app_id)
    return {"status": "OK", "createdNew": created}


@route(
    blueprint,
    "/recipe/multitenancy/config/thirdparty/remove",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.ThirdPartyIdBody,
    writes=True,
)
def remove_provider(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/multitenancy/config/thirdparty/remove (§4.3)."""
    existed = store.delete_provider(ctx.base_conn, ctx.tenant, ctx.input["thirdPartyId"])
    ctx.core.directory.forget_app(ctx.tenant.connection_uri_domain, ctx.tenant.app_id)
    return {"status": "OK", "didConfigExist": existed}


def _recipe_user(ctx: RequestContext) -> users_store.RecipeUser | None:
    """The recipe user the body names (either side of a mapping), or None."""
    user_id = users_service.supertokens_user_id(
        ctx.conn, ctx.core.plugins, ctx.tenant.app_id, ctx.input["recipeUserId"]
    )
    return users_store.find_recipe_user(ctx.conn, ctx.tenant.app_id, user_id)


@route(
    blueprint,
    "/recipe/multitenancy/tenant/user",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.TenantUserBody,
    writes=True,
)
def associate_user(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/multitenancy/tenant/user: link a recipe user to the tenant (§5.1)."""
    user = _recipe_user(ctx)
    if user is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    if user.is_linked_or_is_a_primary_user:
        users_store.lock_account_linking(ctx.conn, ctx.tenant.app_id)
        refusal = groups.association_refusal(ctx, user.user_id)
        if refusal is not None:
            raise refusal
    if not users_store.add_to_tenant(ctx.conn, ctx.tenant, user):
        return {"status": "OK", "wasAlreadyAssociated": True}
    refusal = ctx.core.plugins.hook.st_user_tenant_added(
        conn=ctx.conn, tenant=ctx.tenant, user_id=user.user_id, recipe_id=user.recipe_id
    )
    if refusal is not None:
        raise StatusOutcome(refusal)
    return {"status": "OK", "wasAlreadyAssociated": False}


@route(
    blueprint,
    "/recipe/multitenancy/tenant/user/remove",
    ["POST"],
    scope=Scope.TENANT,
    body=schemas.TenantUserBody,
    writes=True,
)
def disassociate_user(ctx: RequestContext) -> dict[str, Any]:
    """POST /recipe/multitenancy/tenant/user/remove: unlink a user from the tenant (§5.2)."""
    user = _recipe_user(ctx)
    if user is None:
        return {"status": "UNKNOWN_USER_ID_ERROR"}
    removed = users_store.remove_from_tenant(ctx.conn, ctx.tenant, user.user_id)
    data_user_id = users_service.external_user_id(
        ctx.conn, ctx.core.plugins, ctx.tenant.app_id, user.user_id
    )
    ctx.core.plugins.hook.st_user_tenant_removed(
        conn=ctx.conn, tenant=ctx.tenant, user_id=user.user_id, data_user_id=data_user_id
    )
    return {"status": "OK", "wasAssociated": removed}
