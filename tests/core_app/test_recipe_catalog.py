"""Keys of installed recipes that are not enabled, and ``supertokens-core recipes``.

A recipe left out of ``recipes:`` keeps its keys known: setting one (in the config file or
the environment) warns naming the recipe and changes nothing, while a key nobody declares
still stops the start. The CLI tests read only the config, so they need no database.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from core_app import cli
from core_app.config import ConfigError

CORE_DISTRIBUTION = "supertokens-core-py"

# A third-party distribution of two recipes, made on disk (a dist-info with its entry
# points beside the modules) so that importlib.metadata finds it as it would a pip install.
FAKE_RECIPE = '''
from marshmallow import fields

from core_app.config import ConfigKey, ConfigScope
from core_app.hookspecs import hookimpl
from core_app.recipes import RecipeDescriptor


@hookimpl
def st_recipe():
    """The fake recipe and its one key."""
    return RecipeDescriptor(id="fake", config_keys=(
        ConfigKey("fake_greeting", fields.String(), "hi", ConfigScope.TENANT),))
'''
BROKEN_RECIPE = 'raise RuntimeError("broken on purpose")\n'


@pytest.fixture
def fake_distribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Installs recipes ``fake`` and ``broken`` (distribution st-catalog-fake 2.5.0)."""
    site = tmp_path / "site"
    info = site / "st_catalog_fake-2.5.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: st-catalog-fake\nVersion: 2.5.0\n")
    (info / "entry_points.txt").write_text(
        "[supertokens_core.recipes]\nfake = st_catalog_fake\nbroken = st_catalog_broken\n"
    )
    (site / "st_catalog_fake.py").write_text(FAKE_RECIPE)
    (site / "st_catalog_broken.py").write_text(BROKEN_RECIPE)
    monkeypatch.syspath_prepend(str(site))
    yield
    for name in ("st_catalog_fake", "st_catalog_broken"):
        sys.modules.pop(name, None)


@pytest.fixture
def config_file(isolated_environment: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Writes the config file the core reads (SUPERTOKENS_CONFIG)."""

    def write(text: str) -> None:
        path = tmp_path / "catalog-config.yaml"
        path.write_text(text)
        monkeypatch.setenv("SUPERTOKENS_CONFIG", str(path))

    return write


def _config_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "core_app.config" and record.levelno == logging.WARNING
    ]


# --- start: keys of recipes that are not enabled ---------------------------------------


def test_disabled_recipe_keys_in_the_file_warn_and_the_core_starts(make_app, config_file, caplog):
    config_file(
        "recipes: [session]\n"
        "password_hashing_alg: BCRYPT\n"  # also an upstream name: the recipe wins
        "imported_bcrypt_max_log_rounds: 12\n"
        "passwordless_code_lifetime: 1000\n"
    )
    with caplog.at_level(logging.WARNING, logger="core_app.config"):
        app = make_app()
    warnings = _config_warnings(caplog)
    assert len(warnings) == 3
    for key, recipe in (
        ("password_hashing_alg", "emailpassword"),
        ("imported_bcrypt_max_log_rounds", "emailpassword"),
        ("passwordless_code_lifetime", "passwordless"),
    ):
        assert [
            w for w in warnings if f"'{key}'" in w and f"'{recipe}'" in w and "not enabled" in w
        ], (key, warnings)
    core = app.extensions["supertokens_core"]
    assert "password_hashing_alg" not in core.settings
    assert "passwordless_code_lifetime" not in core.settings
    assert [recipe.id for recipe in core.recipes] == ["session"]


def test_disabled_recipe_keys_in_the_environment_warn(make_app, config_file, monkeypatch, caplog):
    config_file("recipes: [session]\n")
    monkeypatch.setenv("SUPERTOKENS_PASSWORD_HASHING_ALG", "BCRYPT")
    monkeypatch.setenv("PASSWORDLESS_CODE_LIFETIME", "1000")  # the upstream image's name
    monkeypatch.setenv("SUPERTOKENS_ACCESS_TOKEN_VALIDITY", "7200")  # enabled: no warning
    with caplog.at_level(logging.WARNING, logger="core_app.config"):
        app = make_app()
    assert sorted(_config_warnings(caplog)) == [
        "environment variable PASSWORDLESS_CODE_LIFETIME sets config key "
        "'passwordless_code_lifetime' of recipe 'passwordless', which is installed but not "
        "enabled (see 'recipes'): it has no effect",
        "environment variable SUPERTOKENS_PASSWORD_HASHING_ALG sets config key "
        "'password_hashing_alg' of recipe 'emailpassword', which is installed but not "
        "enabled (see 'recipes'): it has no effect",
    ]
    assert app.extensions["supertokens_core"].settings.access_token_validity == 7200


def test_enabled_recipe_key_applies_without_a_warning(make_app, config_file, caplog):
    config_file(
        "recipes: [session, emailpassword]\npassword_hashing_alg: BCRYPT\n"
        "webserver_https_enabled: false\n"
    )  # an upstream feature we lack: silent
    with caplog.at_level(logging.WARNING, logger="core_app.config"):
        app = make_app()
    assert _config_warnings(caplog) == []
    assert app.extensions["supertokens_core"].settings.password_hashing_alg == "BCRYPT"


@pytest.mark.parametrize("recipes", ["[session, emailpassword]", "[session]"])
def test_a_typo_of_a_recipe_key_stops_the_start(make_app, config_file, recipes):
    config_file(f"recipes: {recipes}\npassword_hashing_algo: BCRYPT\n")
    with pytest.raises(
        ConfigError, match="^unknown config key 'password_hashing_algo' in the config file$"
    ):
        make_app()


def test_a_typo_of_a_host_key_stops_the_start(make_app, config_file):
    config_file("recipes: [session]\nworkerz: 3\n")
    with pytest.raises(ConfigError, match="^unknown config key 'workerz' in the config file$"):
        make_app()


def test_disabled_third_party_recipes_warn_even_when_broken(
    fake_distribution, make_app, config_file, caplog
):
    config_file("recipes: [session]\nfake_greeting: hello\n")
    with caplog.at_level(logging.WARNING, logger="core_app.config"):
        make_app()
    warnings = _config_warnings(caplog)
    assert len(warnings) == 2
    assert [
        w
        for w in warnings
        if "'broken'" in w and "not enabled" in w and "RuntimeError: broken on purpose" in w
    ]
    assert [w for w in warnings if "'fake_greeting'" in w and "'fake'" in w]


def test_an_enabled_recipe_that_fails_to_load_stops_the_start(
    fake_distribution, make_app, config_file
):
    config_file("recipes: [session, broken]\n")
    with pytest.raises(RuntimeError, match="broken on purpose"):
        make_app()


# --- supertokens-core recipes ------------------------------------------------------------


def test_recipes_lists_every_installed_recipe_and_whether_it_is_enabled(config_file, capsys):
    config_file("recipes: [session, passwordless]\n")
    assert cli.main(["recipes"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert re.fullmatch(r"RECIPE +DISTRIBUTION +VERSION +ENABLED", lines[0])
    rows = {line.split()[0]: line for line in lines[1:] if not line.startswith(" ")}
    assert set(rows) >= {"session", "emailpassword", "passwordless", "thirdparty"}
    for name in rows:
        enabled = "yes" if name in ("session", "passwordless") else "no"
        distribution = {"totp": "supertokens-core-totp"}.get(name, CORE_DISTRIBUTION)
        shipped = re.escape(version(distribution))
        assert re.fullmatch(rf"{name} +{distribution} +{shipped} +{enabled}", rows[name])
    assert re.search(r"^    password_hashing_alg +default: ARGON2 +scope: app$", out, re.M)
    assert re.search(r"^    passwordless_code_lifetime +default: 600000 +scope: tenant$", out, re.M)
    # the columns line up
    assert {row.rfind(" ") + 1 for row in rows.values()} == {lines[0].index("ENABLED")}


def test_recipes_without_a_recipes_setting_enables_all(config_file, capsys):
    config_file("")
    assert cli.main(["recipes", "--json"]) == 0
    recipes = {recipe["name"]: recipe for recipe in json.loads(capsys.readouterr().out)["recipes"]}
    assert all(recipe["enabled"] for recipe in recipes.values())


def test_recipes_json_follows_the_environment(config_file, monkeypatch, capsys):
    config_file("recipes: [session]\n")
    monkeypatch.setenv("SUPERTOKENS_RECIPES", "session,emailpassword")
    assert cli.main(["recipes", "--json"]) == 0
    recipes = {recipe["name"]: recipe for recipe in json.loads(capsys.readouterr().out)["recipes"]}
    emailpassword = recipes["emailpassword"]
    assert emailpassword["distribution"] == CORE_DISTRIBUTION
    assert emailpassword["version"] == version(CORE_DISTRIBUTION)
    assert emailpassword["enabled"] is True
    assert emailpassword["error"] is None
    assert {"name": "password_hashing_alg", "default": "ARGON2", "scope": "app"} in emailpassword[
        "config_keys"
    ]
    assert recipes["passwordless"]["enabled"] is False
    assert recipes["session"]["enabled"] is True


def test_recipes_shows_third_party_distributions_and_load_failures(
    fake_distribution, config_file, capsys
):
    config_file("recipes: [session]\n")
    assert cli.main(["recipes"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^fake +st-catalog-fake +2\.5\.0 +no$", out, re.M)
    assert re.search(r"^    fake_greeting +default: hi +scope: tenant$", out, re.M)
    assert re.search(
        r"^broken +st-catalog-fake +2\.5\.0 +no\n"
        r"    could not be loaded: RuntimeError: broken on purpose$",
        out,
        re.M,
    )

    config_file("recipes: [session, broken]\n")
    assert cli.main(["recipes", "--json"]) == 1
    recipes = {recipe["name"]: recipe for recipe in json.loads(capsys.readouterr().out)["recipes"]}
    assert recipes["broken"]["enabled"] is True
    assert recipes["broken"]["error"] == "RuntimeError: broken on purpose"


@pytest.mark.parametrize(
    "text, message",
    [
        ("recipes: [\n", "is not valid YAML"),
        ("recipes: [nope]\n", "recipe 'nope' in 'recipes' is not installed"),
    ],
)
def test_recipes_with_a_bad_config_file_exits_with_the_message(config_file, capsys, text, message):
    config_file(text)
    assert cli.main(["recipes"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("supertokens-core: config error: ")
    assert message in captured.err


def test_recipes_console_script(config_file):
    config_file("recipes: [emailpassword]\n")
    script = Path(sys.executable).with_name("supertokens-core")
    done = subprocess.run([str(script), "recipes"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"^emailpassword +{CORE_DISTRIBUTION} +\S+ +yes$", done.stdout, re.M)
    assert re.search(r"^session +.* no$", done.stdout, re.M)
