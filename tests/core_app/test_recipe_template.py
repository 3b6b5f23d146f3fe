"""``supertokens-core new-recipe``: the distribution it writes installs, serves its routes on
every database, and its own tests pass; names that are no safe package or entry point are
refused with exit code 2.

The generated distribution is pip-installed into a directory of its own put on
``sys.path`` (as ``test_recipe_plugins.py`` does with the example recipe), so the core finds
it through its entry point like any recipe installed from an index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from importlib.metadata import entry_points

import pytest

from core_app import cli
from core_app.recipe_template import NAME_MAX_LENGTH, write_recipe
from tests.core_app.distributions import installed_on_path

NAME = "template_probe"
KIT_PLUGIN = "core_app.testing.plugin"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """The distribution ``new-recipe`` writes, pip-installed into a directory on sys.path;
    (its source directory, the install directory)."""
    source = write_recipe(NAME, tmp_path_factory.mktemp("source"))
    with installed_on_path(source, tmp_path_factory.mktemp("site"), NAME) as target:
        yield source, target


def test_the_command_writes_a_distribution(tmp_path, capsys):
    assert cli.main(["new-recipe", "loyalty", "--directory", str(tmp_path)]) == 0
    root = tmp_path / "loyalty"
    assert str(root) in capsys.readouterr().out
    written = sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())
    assert written == [
        "README.md",
        "loyalty/__init__.py",
        "loyalty/api.py",
        "loyalty/config.py",
        "loyalty/migrations/0001_loyalty_baseline.py",
        "loyalty/migrations/__init__.py",
        "loyalty/schemas.py",
        "loyalty/store.py",
        "pyproject.toml",
        "tests/test_loyalty.py",
    ]
    pyproject = (root / "pyproject.toml").read_text()
    assert '[project.entry-points."supertokens_core.recipes"]\nloyalty = "loyalty"' in pyproject
    assert 'dependencies = ["supertokens-core-py"]' in pyproject
    for path in root.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")  # every file is Python that parses
        assert all(len(line) <= 100 for line in path.read_text().splitlines()), path


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Loyalty", "is not a valid recipe name"),
        ("my-recipe", "is not a valid recipe name"),
        ("1st", "is not a valid recipe name"),
        ("x" * (NAME_MAX_LENGTH + 1), "is not a valid recipe name"),
        ("a.b", "is not a valid recipe name"),
        ("ünicode", "is not a valid recipe name"),
        ("class", "is a Python keyword"),
        ("session", "a recipe named 'session' is already installed"),
        ("json", "a module named 'json' is already importable here"),
        ("pytest", "a module named 'pytest' is already importable here"),
    ],
)
def test_unsafe_names_are_refused_with_exit_code_2(tmp_path, capsys, name, reason):
    assert cli.main(["new-recipe", name, "--directory", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("supertokens-core: new-recipe: ") and reason in error
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_not_overwritten(tmp_path, capsys):
    kept = tmp_path / "loyalty" / "mine.txt"
    kept.parent.mkdir()
    kept.write_text("mine")
    assert cli.main(["new-recipe", "loyalty", "--directory", str(tmp_path)]) == 2
    assert "already exists and is not empty" in capsys.readouterr().err
    assert [path.name for path in kept.parent.iterdir()] == ["mine.txt"]


def test_the_generated_recipe_serves_its_routes(generated, make_app):
    app = make_app(recipes=[NAME])
    assert [recipe.id for recipe in app.extensions["supertokens_core"].recipes] == [NAME]
    client = app.test_client()
    app_id = f"a{uuid.uuid4().hex[:12]}"
    client.put("/recipe/multitenancy/app/v2", json={"appId": app_id})
    client.put(
        f"/appid-{app_id}/recipe/multitenancy/tenant/v2",
        json={"tenantId": "t1", "coreConfig": {f"{NAME}_label_max_length": 3}},
    )

    def add(tenant: str, label: str) -> dict:
        return client.post(
            f"/appid-{app_id}/{tenant}/recipe/{NAME}/label",
            json={"userId": "user-1", "label": label},
        ).json

    assert add("public", "gold") == {"status": "OK"}
    assert add("t1", "gold") == {"status": "LABEL_TOO_LONG_ERROR", "maxLength": 3}
    assert add("t1", "tin") == {"status": "OK"}
    listed = client.get(f"/appid-{app_id}/recipe/{NAME}/labels", query_string={"userId": "user-1"})
    assert listed.json == {
        "status": "OK",
        "labels": [{"tenantId": "public", "label": "gold"}, {"tenantId": "t1", "label": "tin"}],
    }
    assert client.post(f"/appid-{app_id}/user/remove", json={"userId": "user-1"}).json == {
        "status": "OK"
    }
    assert client.get(
        f"/appid-{app_id}/recipe/{NAME}/labels", query_string={"userId": "user-1"}
    ).json == {"status": "OK", "labels": []}


def _kit_installed() -> bool:
    return any(point.value == KIT_PLUGIN for point in entry_points(group="pytest11"))


@pytest.mark.skipif(
    not _kit_installed(),
    reason="the testing kit (core_app.testing, pytest "
    "plugin entry point 'pytest11') is not installed, and the generated "
    "tests use its fixtures",
)
def test_the_generated_tests_pass(generated, database_url):
    source, target = generated
    kind = database_url.split(":")[0].split("+")[0]
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(target), os.environ.get("PYTHONPATH", "")]),
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--st-databases={kind}",
            str(source / "tests"),
        ],
        cwd=source,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout and "skipped" not in run.stdout, run.stdout


def test_the_installed_recipe_is_listed_by_the_recipes_command(generated, tmp_path) -> None:
    _source, target = generated
    config = tmp_path / "config.yaml"
    config.write_text(f"recipes: [session, {NAME}]\n")
    env = {**os.environ, "PYTHONPATH": str(target), "SUPERTOKENS_CONFIG": str(config)}
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from core_app import cli; sys.exit(cli.main())",
            "recipes",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert listed.returncode == 0, listed.stderr
    recipes = {recipe["name"]: recipe for recipe in json.loads(listed.stdout)["recipes"]}
    assert recipes[NAME]["enabled"] is True and recipes[NAME]["version"] == "0.1.0"
    assert recipes[NAME]["error"] is None
    assert f"{NAME}_label_max_length" in {key["name"] for key in recipes[NAME]["config_keys"]}
    assert recipes["emailpassword"]["enabled"] is False
