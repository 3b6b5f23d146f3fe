"""``supertokens-core``: start (options, the ready line), --version, config show / check,
hash-calibrate. The kept commands have their tests beside the feature they serve:
migrate (test_migrations.py), cleanup and recount-users (test_stale_config.py,
test_housekeeping.py), recipes (test_recipe_catalog.py), new-recipe (test_recipe_template.py).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version

import pytest
import yaml
from sqlalchemy.engine import make_url

from core_app import cli
from core_app.testing.core_process import CoreProcess, free_port

API_KEY = "cli-test-api-key-0123456789"
SIGNER_KEY = "firebase-signer-key-not-to-be-printed"
DB_PASSWORD = "db-password-not-to-be-printed"


def _write_config(tmp_path, monkeypatch, values: dict) -> str:
    path = tmp_path / "operator.yaml"
    path.write_text(yaml.safe_dump(values))
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(path))
    return str(path)


def test_version_is_the_distributions(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"supertokens-core {version('supertokens-core-py')}"


def test_every_command_is_offered(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listed = capsys.readouterr().out
    for command in (
        "start",
        "config",
        "hash-calibrate",
        "migrate",
        "cleanup",
        "recount-users",
        "recipes",
        "new-recipe",
    ):
        assert command in listed


def test_config_show_says_where_each_value_came_from(
    isolated_environment, tmp_path, monkeypatch, capsys
):
    path = _write_config(
        tmp_path,
        monkeypatch,
        {
            "port": 4000,
            "postgresql_connection_uri": f"postgresql://st:{DB_PASSWORD}@db.internal:5432/core",
            "firebase_password_hashing_signer_key": SIGNER_KEY,
        },
    )
    monkeypatch.setenv("SUPERTOKENS_API_KEYS", API_KEY)
    monkeypatch.setenv("WORKERS", "3")  # the upstream image's variable name
    assert cli.main(["config", "show", "--json"]) == 0
    output = capsys.readouterr().out
    keys = {row["name"]: row for row in json.loads(output)["keys"]}
    assert keys["port"] == {"name": "port", "value": 4000, "source": f"file {path}"}
    assert keys["workers"] == {"name": "workers", "value": 3, "source": "environment WORKERS"}
    assert keys["host"] == {"name": "host", "value": "localhost", "source": "default"}
    assert keys["api_keys"] == {
        "name": "api_keys",
        "value": "****",
        "source": "environment SUPERTOKENS_API_KEYS",
    }
    assert keys["connection_uri"]["value"] == ("postgresql+psycopg2://st:***@db.internal:5432/core")
    assert keys["connection_uri"]["source"] == f"file {path}"
    assert keys["firebase_password_hashing_signer_key"]["value"] == "****"
    for secret in (API_KEY, SIGNER_KEY, DB_PASSWORD):
        assert secret not in output

    assert cli.main(["config", "show"]) == 0
    text = capsys.readouterr().out
    port_line = next(line for line in text.splitlines() if line.startswith("port "))
    assert port_line.split() == ["port", "4000", "file", path]
    for secret in (API_KEY, SIGNER_KEY, DB_PASSWORD):
        assert secret not in text


def test_config_show_json_stays_json_when_the_core_warns(isolated_environment, tmp_path):
    import os
    import subprocess

    config = tmp_path / "operator.yaml"
    # A key of an installed recipe left out of `recipes`: the core logs a warning.
    config.write_text(yaml.safe_dump({"recipes": ["session"], "totp_max_attempts": 3}))
    shown = subprocess.run(
        [sys.executable, "-m", "core_app.cli", "config", "show", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "SUPERTOKENS_CONFIG": str(config)},
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "totp_max_attempts" in shown.stderr  # the warning, on stderr
    keys = {row["name"]: row for row in json.loads(shown.stdout)["keys"]}
    assert keys["recipes"]["value"] == ["session"]


def test_config_check_exits_1_with_the_error(isolated_environment, tmp_path, monkeypatch, capsys):
    _write_config(tmp_path, monkeypatch, {"port": 4000, "connection_uri": "sqlite:///x.db"})
    assert cli.main(["config", "check"]) == 0
    assert capsys.readouterr().out.startswith("config OK: defaults, then ")

    _write_config(tmp_path, monkeypatch, {"prot": 4000})
    assert cli.main(["config", "check"]) == 1
    assert capsys.readouterr().err.strip() == (
        "supertokens-core: config error: unknown config key 'prot' in the config file"
    )

    _write_config(tmp_path, monkeypatch, {})
    monkeypatch.setenv("SUPERTOKENS_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")
    assert cli.main(["config", "check"]) == 1
    assert "'trusted_proxies' is not valid" in capsys.readouterr().err
    # config show refuses the same configuration.
    assert cli.main(["config", "show"]) == 1
    capsys.readouterr()

    monkeypatch.delenv("SUPERTOKENS_TRUSTED_PROXIES")
    monkeypatch.setenv("SUPERTOKENS_CONNECTION_URI", "nosuchdriver://db.internal/core")
    assert cli.main(["config", "check"]) == 1
    assert capsys.readouterr().err.startswith("supertokens-core: config error: NoSuchModuleError: ")


def _calibrated(capsys, *options: str) -> dict:
    assert cli.main(["hash-calibrate", *options]) == 0
    return yaml.safe_load(capsys.readouterr().out)


def test_hash_calibrate_bcrypt_follows_the_target(capsys):
    fast = _calibrated(capsys, "--algorithm", "bcrypt", "--target-ms", "2")
    slow = _calibrated(capsys, "--algorithm", "bcrypt", "--target-ms", "120")
    assert fast["password_hashing_alg"] == slow["password_hashing_alg"] == "BCRYPT"
    # Each cost step doubles the time: 60 times the target is about 6 steps.
    assert 4 <= fast["bcrypt_log_rounds"] < slow["bcrypt_log_rounds"] - 3
    assert slow["bcrypt_log_rounds"] <= 16


def test_hash_calibrate_argon2_prints_a_config_the_core_accepts(
    isolated_environment, tmp_path, monkeypatch, capsys
):
    values = _calibrated(capsys, "--algorithm", "argon2", "--target-ms", "60")
    assert values["password_hashing_alg"] == "ARGON2"
    assert values["argon2_memory_kb"] >= 19456 or values["argon2_iterations"] == 1
    assert 1 <= values["argon2_iterations"] <= 10
    assert values["argon2_parallelism"] == 1
    _write_config(tmp_path, monkeypatch, {"connection_uri": "sqlite:///x.db", **values})
    assert cli.main(["config", "check"]) == 0


@pytest.mark.parametrize("target", ["0", "2001", "fast"])
def test_hash_calibrate_refuses_targets_out_of_bounds(target, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["hash-calibrate", "--target-ms", target])
    assert exit_.value.code == 2


def _cli_core(tmp_path, database_url: str, config: dict) -> CoreProcess:
    """``supertokens-core start`` with every option, under CoreProcess's start and stop."""
    operator_config = tmp_path / "operator.yaml"
    # The options win over these: the core must listen where --host / --port say.
    operator_config.write_text(yaml.safe_dump({"port": 1, "host": "192.0.2.1", **config}))
    core = CoreProcess(tmp_path / "core", {"SUPERTOKENS_CONNECTION_URI": database_url})
    core.port = free_port()
    core.url = f"http://127.0.0.1:{core.port}"
    core.command = [
        sys.executable,
        "-m",
        "core_app.cli",
        "start",
        "--config",
        str(operator_config),
        "--host",
        "127.0.0.1",
        "--port",
        str(core.port),
        "--workers",
        "1",
    ]
    return core


def _log_line(line: str) -> dict:
    """A JSON log line's fields (the default log_format); other output as a bare message."""
    import json

    try:
        fields = json.loads(line)
    except ValueError:
        return {"level": None, "logger": None, "message": line}
    return fields if isinstance(fields, dict) else {"level": None, "logger": None, "message": line}


def test_start_logs_one_ready_line_and_warns_without_api_keys(tmp_path, database_url):
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":  # the local server trusts: shown, must be hidden
        database_url = url.set(password=DB_PASSWORD).render_as_string(hide_password=False)
    with _cli_core(tmp_path, database_url, {"recipes": ["session", "emailpassword"]}) as core:
        output = core.output()
    lines = [_log_line(line) for line in output.splitlines()]
    ready = [line for line in lines if "supertokens-core ready" in line["message"]]
    assert len(ready) == 1, output
    shown = make_url(database_url).render_as_string(hide_password=True)
    assert (ready[0]["level"], ready[0]["logger"]) == ("INFO", "core_app.cli")
    assert ready[0]["message"] == (
        f"supertokens-core ready: listening on http://127.0.0.1:{core.port}, "
        f"database {shown}, recipes: session, emailpassword"
    )
    warnings = [
        line for line in lines if line["level"] == "WARNING" and "api_keys" in line["message"]
    ]
    assert len(warnings) == 1, output
    assert warnings[0]["message"].startswith("no api_keys are configured")
    assert DB_PASSWORD not in output
    # One worker, as --workers said (the config file's default is 2).
    assert output.count("Booting worker") == 1


def test_start_with_api_keys_does_not_warn(tmp_path, database_url):
    with _cli_core(tmp_path, database_url, {"api_keys": API_KEY}) as core:
        output = core.output()
    assert "supertokens-core ready" in output
    assert "no api_keys" not in output
    assert API_KEY not in output


FAKE_PYTHON = """#!/bin/sh
# Records pip runs instead of installing; anything else is the real Python.
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
    echo pip >> "$(dirname "$0")/../pip-runs"
    exit 0
fi
exec {python} "$@"
"""
FAKE_CORE = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "supertokens-core 9.9.9"; exit 0; fi
echo "core started with: $*"
"""


def _start_script_checkout(tmp_path):
    """A copy of what scripts/start.sh reads, with a .venv whose pip and core are fakes."""
    import shutil
    from pathlib import Path

    repository = Path(__file__).resolve().parents[2]
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    (root / "plugins" / "totp").mkdir(parents=True)
    shutil.copy(repository / "scripts" / "start.sh", root / "scripts" / "start.sh")
    shutil.copy(repository / "pyproject.toml", root / "pyproject.toml")
    shutil.copy(
        repository / "plugins" / "totp" / "pyproject.toml",
        root / "plugins" / "totp" / "pyproject.toml",
    )
    bin_dir = root / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name, text in (
        ("python", FAKE_PYTHON.format(python=sys.executable)),
        ("supertokens-core", FAKE_CORE),
    ):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return root


def test_start_script_installs_only_when_needed(tmp_path):
    import subprocess

    root = _start_script_checkout(tmp_path)

    def start() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(root / "scripts" / "start.sh"), "--port", "4001"],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def pip_runs() -> int:
        runs = root / ".venv" / "pip-runs"
        return len(runs.read_text().split()) if runs.exists() else 0

    first = start()
    assert first.returncode == 0, first.stderr
    assert "installing the core and its recipes into .venv" in first.stderr
    assert "starting supertokens-core 9.9.9" in first.stderr
    assert first.stdout.strip() == "core started with: start --port 4001"
    assert pip_runs() == 1

    again = start()
    assert "skipping pip" in again.stderr
    assert pip_runs() == 1

    # A dependency changed: the next start installs again.
    pyproject = root / "plugins" / "totp" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n# changed\n")
    changed = start()
    assert "installing" in changed.stderr
    assert pip_runs() == 2


def test_start_script_can_install_without_starting_for_an_image_build(tmp_path):
    import os
    import subprocess

    root = _start_script_checkout(tmp_path)
    built = subprocess.run(
        ["bash", str(root / "scripts" / "start.sh")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SUPERTOKENS_INSTALL_ONLY": "1"},
    )
    assert built.returncode == 0, built.stderr
    assert "installing the core and its recipes into .venv" in built.stderr
    assert built.stdout == "" and "starting" not in built.stderr
    # The container's start then skips pip.
    started = subprocess.run(
        ["bash", str(root / "scripts" / "start.sh")], capture_output=True, text=True, timeout=60
    )
    assert "skipping pip" in started.stderr and "core started with: start" in started.stdout
