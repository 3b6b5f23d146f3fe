"""Account-linking routes (contract, accountlinking §4–§8); all app scope."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from core_app.plugin_api import RequestContext, Scope, route
from plugins.accountlinking import schemas, service

blueprint = Blueprint("accountlinking", __name__)
PREFIX = "/recipe/accountlinking/user"


@route(
    blueprint, f"{PREFIX}/primary/check", ["GET"], scope=Scope.APP, query=schemas.RecipeUserQuery
)
def can_create_primary(ctx: RequestContext) -> dict[str, Any]:
    """GET .../primary/check (§4): read-only."""
    return service.check_primary(ctx, ctx.input["recipeUserId"])[1]


@route(
    blueprint,
    f"{PREFIX}/primary",
    ["POST"],
    scope=Scope.APP,
    body=schemas.RecipeUserBody,
    writes=True,
)
def create_primary(ctx: RequestContext) -> dict[str, Any]:
    """POST .../primary (§5)."""
    return service.create_primary(ctx, ctx.input["recipeUserId"])


@route(blueprint, f"{PREFIX}/link/check", ["GET"], scope=Scope.APP, query=schemas.LinkQuery)
def can_link(ctx: RequestContext) -> dict[str, Any]:
    """GET .../link/check (§6): read-only."""
    return service.check_link(ctx, ctx.input["recipeUserId"], ctx.input["primaryUserId"])[2]


@route(blueprint, f"{PREFIX}/link", ["POST"], scope=Scope.APP, body=schemas.LinkBody, writes=True)
def link(ctx: RequestContext) -> dict[str, Any]:
    """POST .../link (§7)."""
    return service.link_accounts(ctx, ctx.input["recipeUserId"], ctx.input["primaryUserId"])


@route(
    blueprint,
    f"{PREFIX}/unlink",
    ["POST"],
    scope=Scope.APP,
    body=schemas.RecipeUserBody,
    writes=True,
)
def unlink(ctx: RequestContext) -> dict[str, Any]:
    """POST .../unlink (§8)."""
    return service.unlink_account(ctx, ctx.input["recipeUserId"])
