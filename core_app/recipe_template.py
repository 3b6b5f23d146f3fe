"""``supertokens-core new-recipe NAME``: a new recipe distribution to start from.

The recipe it writes is small but complete, and follows ``docs/recipes.md``: labels an
app gives its users, per tenant. It has one table (``plugin_api.tables`` keys, removed with
its tenant), a tenant-scope route that writes, an app-scope route that reads every database
of the app, a per-tenant config key, its own migration branch, the user-data hooks, and
tests written with the core's testing kit (``core_app.testing``) that run on SQLite,
PostgreSQL and MySQL.

NAME names everything at once: the Python package, the entry point in
``supertokens_core.recipes``, the recipe id, the routes (``/recipe/NAME/...``), the table
(``NAME_labels``), the config key and the migration branch. So it must be a lower-case
Python identifier, short enough for the database's identifier limits once suffixed, and
not already taken by an importable module or an installed recipe.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import string
import sys
from pathlib import Path

from core_app.recipes import installed_recipes

# PostgreSQL truncates identifiers past 63 characters (MySQL refuses past 64); the longest
# one derived from NAME is the table's foreign key, "<NAME>_labels_app_id_tenant_id_fkey".
NAME_MAX_LENGTH = 30
_NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{NAME_MAX_LENGTH - 1}}}")


class RecipeTemplateError(ValueError):
    """The recipe cannot be written: the message says why and what to do instead."""


def check_name(name: str) -> None:
    """Refuse a NAME that is no safe package, entry-point and table name."""
    if not _NAME.fullmatch(name):
        raise RecipeTemplateError(
            f"'{name}' is not a valid recipe name: use lower-case letters, digits and "
            f"underscores, starting with a letter, at most {NAME_MAX_LENGTH} characters (it "
            "names the Python package, the entry point, the routes and the tables)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise RecipeTemplateError(f"'{name}' is a Python keyword: choose another recipe name")
    if name in installed_recipes():
        raise RecipeTemplateError(
            f"a recipe named '{name}' is already installed: choose another name"
        )
    if name in sys.stdlib_module_names or importlib.util.find_spec(name) is not None:
        raise RecipeTemplateError(
            f"a module named '{name}' is already importable here, so "
            "the recipe's package would clash with it: choose another "
            "name"
        )


def write_recipe(name: str, directory: Path | str = ".") -> Path:
    """Write the distribution ``directory/name/``; its path.

    Raises ``RecipeTemplateError`` for a bad name or when that directory already exists
    and is not empty (nothing is overwritten).
    """
    check_name(name)
    root = Path(directory) / name
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise RecipeTemplateError(f"{root} already exists and is not empty: nothing written")
    words = {
        "name": name,
        "distribution": name.replace("_", "-"),
        # How the user-id mapping recipe names this recipe's data in its refusal.
        "data_name": "".join(part.capitalize() for part in name.split("_")),
    }
    for relative, template in TEMPLATES.items():
        path = root / string.Template(relative).substitute(words)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(string.Template(template).substitute(words))
    return root


_PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "${distribution}"
version = "0.1.0"
description = "The ${name} recipe for supertokens-core-py: labels an app gives its users"
requires-python = ">=3.11"
dependencies = ["supertokens-core-py"]

[project.optional-dependencies]
# The core's test extra brings pytest; the core's testing kit (core_app.testing) is a pytest
# plugin, so plain `pytest` has its fixtures.
test = ["supertokens-core-py[test]"]

[project.entry-points."supertokens_core.recipes"]
${name} = "${name}"

[tool.setuptools]
packages = ["${name}", "${name}.migrations"]

[tool.pytest.ini_options]
testpaths = ["tests"]
"""

_README = """\
# ${distribution}

A recipe for supertokens-core-py, made by `supertokens-core new-recipe ${name}`: labels an
app gives its users, per tenant.

- `POST /<tenant>/recipe/${name}/label` `{"userId": ..., "label": ...}` adds a label (adding
  it twice is no error); a label longer than the tenant's `${name}_label_max_length`
  (default 64) answers `LABEL_TOO_LONG_ERROR`.
- `GET /recipe/${name}/labels?userId=...` lists the user's labels in every tenant of the
  app.
- Labels go with their user (`/user/remove`) and with their tenant.

Install it next to the core and enable it (`recipes:` in the core's config lists the
enabled recipes; unset enables every installed one):

```sh
pip install -e '.[test]'
pytest                            # SQLite, PostgreSQL and MySQL; --st-databases=sqlite
```

The guide to writing recipes is the core's `docs/recipes.md`.
"""

_PACKAGE = '''\
"""The ${name} recipe: labels an app gives its users, per tenant.

A label is user data: kept under the id callers use, removed with the user and the tenant,
and named to the user-id mapping recipe so that a mapping never hides it.
"""

from __future__ import annotations

from core_app.plugin_api import RecipeDescriptor, UserData, hookimpl, migrations_directory
from ${name} import api, config, store

# How "UserId is already in use in <name> recipe" names this recipe's data.
DATA_NAME = "${data_name}"


@hookimpl
def st_recipe() -> RecipeDescriptor:
    """The ${name} recipe: one table, two routes, one per-tenant config key, and labels as
    user data (removed with the user, in a tenant when the user leaves it, and named to the
    user-id mapping recipe)."""
    return RecipeDescriptor(id="${name}", config_keys=config.KEYS, tables=store.TABLES,
                            blueprints=(api.blueprint,),
                            migrations=migrations_directory(__file__), requires_api="1.0",
                            user_data=UserData(DATA_NAME, delete=store.remove_users,
                                               exists=store.has_labels,
                                               delete_in_tenant=store.remove_in_tenant))
'''

_CONFIG = '''\
"""The ${name} recipe's config key."""

from __future__ import annotations

from marshmallow import fields

from core_app.plugin_api import ConfigKey, ConfigScope, at_least

MAX_LENGTH_KEY = "${name}_label_max_length"

KEYS = (
    # Per tenant: config.yaml and the environment set the default, an app's or a tenant's
    # coreConfig overrides it. Labels never exceed the column (store.LABEL_LENGTH) anyway.
    ConfigKey(MAX_LENGTH_KEY, fields.Integer(validate=at_least(MAX_LENGTH_KEY, 1)), 64,
              ConfigScope.TENANT),
)
'''

_STORE = '''\
"""The ${name} recipe's table: one row per label of a user in a tenant.

Labels are user data, kept under the id callers use (the external id of a mapped user), so
they have no foreign key to the user index: the hooks remove them with the user. They
refer to their tenant, so removing a tenant (or its app) removes them by cascade. The
primary key is the rule "a user has a label once per tenant": adding it twice, even from
two requests at once, leaves one row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, MetaData, String, Table, delete, select

from core_app.plugin_api import TenantIdentifier, insert_ignoring_duplicates
from core_app.plugin_api.tables import (
    USER_DATA_ID_LENGTH,
    app_id_column,
    of_tenant,
    tenant_id_column,
)

LABEL_LENGTH = 128

labels = Table(
    "${name}_labels", MetaData(),
    app_id_column(),
    tenant_id_column(),
    Column("user_id", String(USER_DATA_ID_LENGTH), primary_key=True),
    Column("label", String(LABEL_LENGTH), primary_key=True),
    Column("created_at", BigInteger, nullable=False),
    of_tenant(),
)

TABLES = (labels,)


def add_label(conn: Connection, tenant: TenantIdentifier, user_id: str, label: str,
              now_ms: int) -> None:
    """Give ``user_id`` the ``label`` in ``tenant``; a label it has already stays as it is."""
    insert_ignoring_duplicates(conn, labels, {
        "app_id": tenant.app_id, "tenant_id": tenant.tenant_id, "user_id": user_id,
        "label": label, "created_at": now_ms})


def labels_of(conn: Connection, app_id: str, user_id: str) -> list[tuple[str, str]]:
    """(tenant id, label) of every label ``conn``'s database keeps for the user."""
    rows = conn.execute(select(labels.c.tenant_id, labels.c.label).where(
        labels.c.app_id == app_id, labels.c.user_id == user_id))
    return [(row.tenant_id, row.label) for row in rows]


def has_labels(conn: Connection, app_id: str, user_id: str) -> bool:
    """Whether ``conn``'s database keeps any label for the user."""
    return conn.execute(select(labels.c.label).where(
        labels.c.app_id == app_id, labels.c.user_id == user_id).limit(1)).first() is not None


def remove_users(conn: Connection, app_id: str, user_ids: list[str]) -> None:
    """Delete the users' labels in every tenant of the app kept in ``conn``'s database."""
    conn.execute(delete(labels).where(labels.c.app_id == app_id, labels.c.user_id.in_(user_ids)))


def remove_in_tenant(conn: Connection, tenant: TenantIdentifier, user_id: str) -> None:
    """Delete a user's labels in one tenant (the user left it)."""
    conn.execute(delete(labels).where(labels.c.app_id == tenant.app_id,
                                      labels.c.tenant_id == tenant.tenant_id,
                                      labels.c.user_id == user_id))
'''

_SCHEMAS = '''\
"""Request schemas of the ${name} routes."""

from __future__ import annotations

from core_app.plugin_api import JsonString, QueryString, RequestSchema
from core_app.plugin_api.tables import USER_DATA_ID_LENGTH
from ${name}.store import LABEL_LENGTH


class LabelBody(RequestSchema):
    """POST /<tenant>/recipe/${name}/label."""

    userId = JsonString(required=True, max_length=USER_DATA_ID_LENGTH)
    label = JsonString(required=True, max_length=LABEL_LENGTH)


class LabelsQuery(RequestSchema):
    """GET /recipe/${name}/labels."""

    userId = QueryString(required=True)
'''

_API = '''\
"""The ${name} routes."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint

from core_app.plugin_api import RequestContext, Scope, route
from ${name} import config, schemas, store

blueprint = Blueprint("${name}", __name__)


@route(blueprint, "/recipe/${name}/label", ["POST"], scope=Scope.TENANT,
       body=schemas.LabelBody, writes=True)
def add_label(ctx: RequestContext) -> dict[str, Any]:
    """POST /<tenant>/recipe/${name}/label: give a user a label in the path's tenant.

    ``ctx.conn`` is the tenant's database, inside the request's writing transaction, which
    the host commits when this returns.
    """
    label = ctx.input["label"]
    max_length = ctx.settings[config.MAX_LENGTH_KEY]
    if len(label) > max_length:
        return {"status": "LABEL_TOO_LONG_ERROR", "maxLength": max_length}
    store.add_label(ctx.conn, ctx.tenant, ctx.input["userId"], label, int(time.time() * 1000))
    return {"status": "OK"}


@route(blueprint, "/recipe/${name}/labels", ["GET"], scope=Scope.APP,
       query=schemas.LabelsQuery, replica=True)
def list_labels(ctx: RequestContext) -> dict[str, Any]:
    """GET /recipe/${name}/labels: a user's labels in every tenant of the app.

    A tenant may keep its data in a database of its own, so every database of the app is
    read. A label given a moment ago may be missing while a read replica catches up.
    """
    found = [pair for conn in ctx.app_databases()
             for pair in store.labels_of(conn, ctx.tenant.app_id, ctx.input["userId"])]
    return {"status": "OK", "labels": [{"tenantId": tenant_id, "label": label}
                                       for tenant_id, label in sorted(found)]}
'''

_MIGRATIONS_PACKAGE = '''\
"""The ${name} recipe's migration scripts: its own Alembic branch (``${name}``)."""
'''

_BASELINE = '''\
"""The ${name} recipe's baseline: the labels table.

Revision ID: ${name}_0001
Revises: None
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "${name}_0001"
down_revision = None
branch_labels = ("${name}",)
depends_on = "host_0001"  # the host's baseline creates the tenants the labels refer to


def upgrade() -> None:
    """Create ``${name}_labels`` (frozen here: never import the live table)."""
    op.create_table(
        "${name}_labels",
        sa.Column("app_id", sa.String(length=64), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["app_id", "tenant_id"], ["tenants.app_id", "tenants.tenant_id"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("app_id", "tenant_id", "user_id", "label"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_bin",
        mysql_engine="InnoDB",
    )


def downgrade() -> None:
    """Drop ``${name}_labels``."""
    op.drop_table("${name}_labels")
'''

_TESTS = '''\
"""The ${name} recipe, with the core's testing kit, on SQLite, PostgreSQL and MySQL.

The fixtures (``database_url``, ``make_app``, ``client``) come from the pytest plugin the
core installs (``core_app.testing``): every test that uses ``database_url`` runs once per
database kind (``--st-databases=sqlite`` for fewer).
"""

from __future__ import annotations

import pytest

from core_app.testing.apps import create_tenant, new_id, sign_up
from core_app.testing.databases import schema_differences
from ${name}.store import labels

RECIPE = "${name}"


@pytest.fixture
def app(make_app):
    """The core with this recipe only (the kit's ``client`` fixture uses this app)."""
    return make_app(recipes=[RECIPE])


def new_app(client, **core_config) -> str:
    """An app of its own for one test, with tenant ``t1``; its id."""
    app_id = new_id()
    answer = client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    assert answer.json["status"] == "OK"
    create_tenant(client, "t1", core_config=core_config, app_id=app_id)
    return app_id


def add_label(client, app_id: str, tenant: str, user_id: str, label: str):
    return client.post(f"/appid-{app_id}/{tenant}/recipe/${name}/label",
                       json={"userId": user_id, "label": label})


def labels_of(client, app_id: str, user_id: str):
    return client.get(f"/appid-{app_id}/recipe/${name}/labels", query_string={"userId": user_id})


def test_labels_are_given_per_tenant_and_read_app_wide(client):
    app_id = new_app(client)
    assert add_label(client, app_id, "public", "user-1", "gold").json == {"status": "OK"}
    assert add_label(client, app_id, "t1", "user-1", "silver").json == {"status": "OK"}
    assert add_label(client, app_id, "t1", "user-1", "silver").json == {"status": "OK"}
    assert add_label(client, app_id, "t1", "user-2", "bronze").json == {"status": "OK"}

    assert labels_of(client, app_id, "user-1").json == {"status": "OK", "labels": [
        {"tenantId": "public", "label": "gold"}, {"tenantId": "t1", "label": "silver"}]}
    other_tenant = client.get(f"/appid-{app_id}/t1/recipe/${name}/labels",
                              query_string={"userId": "user-1"})
    assert (other_tenant.status_code, other_tenant.text) == (
        403, "Only public tenantId can call this app specific API\\n")
    missing = client.post(f"/appid-{app_id}/public/recipe/${name}/label", json={"userId": "u"})
    assert (missing.status_code, missing.text) == (
        400, "Field name 'label' is invalid in JSON input\\n")


def test_each_tenant_sets_its_own_label_length(client):
    app_id = new_app(client, ${name}_label_max_length=4)
    assert add_label(client, app_id, "t1", "user-1", "silver").json == {
        "status": "LABEL_TOO_LONG_ERROR", "maxLength": 4}
    assert add_label(client, app_id, "public", "user-1", "silver").json == {"status": "OK"}
    refused = client.put(f"/appid-{app_id}/recipe/multitenancy/tenant/v2", json={
        "tenantId": "t2", "coreConfig": {"${name}_label_max_length": 0}})
    assert refused.status_code == 400
    assert "${name}_label_max_length" in refused.text


def test_labels_go_with_their_user_and_their_tenant(client):
    app_id = new_app(client)
    add_label(client, app_id, "public", "user-1", "gold")
    add_label(client, app_id, "t1", "user-2", "silver")
    removed = client.post(f"/appid-{app_id}/user/remove", json={"userId": "user-1"})
    assert removed.json == {"status": "OK"}
    assert labels_of(client, app_id, "user-1").json == {"status": "OK", "labels": []}

    client.post(f"/appid-{app_id}/recipe/multitenancy/tenant/remove", json={"tenantId": "t1"})
    assert labels_of(client, app_id, "user-2").json == {"status": "OK", "labels": []}


def test_a_user_id_mapping_does_not_hide_labels(make_app):
    client = make_app(recipes=[RECIPE, "emailpassword", "useridmapping"]).test_client()
    app_id = new_app(client)
    user_id = sign_up(client, "ada@example.com", "a-long-password-1", app_id=app_id)["user"]["id"]
    add_label(client, app_id, "public", user_id, "gold")
    refused = client.post(f"/appid-{app_id}/recipe/userid/map", json={
        "superTokensUserId": user_id, "externalUserId": "ada"})
    assert (refused.status_code, refused.text) == (
        400, "UserId is already in use in ${data_name} recipe\\n")


def test_the_migration_builds_the_declared_table(app, database_url):
    assert schema_differences(app, database_url, [labels.name]) == []


def test_a_disabled_recipe_has_no_routes(make_app):
    client = make_app(recipes=[]).test_client()
    answer = client.get("/recipe/${name}/labels", query_string={"userId": "user-1"})
    assert (answer.status_code, answer.text) == (404, "Not found\\n")
'''

TEMPLATES: dict[str, str] = {
    "pyproject.toml": _PYPROJECT,
    "README.md": _README,
    "${name}/__init__.py": _PACKAGE,
    "${name}/config.py": _CONFIG,
    "${name}/store.py": _STORE,
    "${name}/schemas.py": _SCHEMAS,
    "${name}/api.py": _API,
    "${name}/migrations/__init__.py": _MIGRATIONS_PACKAGE,
    "${name}/migrations/0001_${name}_baseline.py": _BASELINE,
    "tests/test_${name}.py": _TESTS,
}
