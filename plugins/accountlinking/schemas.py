"""Request schemas of the account-linking routes, fields in upstream's check order."""

from __future__ import annotations

from core_app.plugin_api import JsonString, QueryString, RequestSchema


class RecipeUserQuery(RequestSchema):
    """GET /recipe/accountlinking/user/primary/check."""

    recipeUserId = QueryString(required=True)


class RecipeUserBody(RequestSchema):
    """POST /recipe/accountlinking/user/primary and .../unlink."""

    recipeUserId = JsonString(required=True)


class LinkQuery(RequestSchema):
    """GET /recipe/accountlinking/user/link/check."""

    recipeUserId = QueryString(required=True)
    primaryUserId = QueryString(required=True)


class LinkBody(RequestSchema):
    """POST /recipe/accountlinking/user/link."""

    recipeUserId = JsonString(required=True)
    primaryUserId = JsonString(required=True)
