"""The default SQLite database is ``./supertokens.db`` in the core's working directory, as the
README and ``config.yaml`` say, whether the default is left alone or written out."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from core_app import create_app
from core_app.testing.apps import new_app
from core_app.testing.core_process import CoreProcess

DOCUMENTED_DEFAULT = 'connection_uri: "sqlite:///supertokens.db"\n'


def _database_file(app) -> Path:
    return Path(app.extensions["supertokens_core"].storage.engine().url.database)


def _create_session(client) -> None:
    answer = client.post(
        "/public/recipe/session",
        json={
            "userId": "default-db-user",
            "enableAntiCsrf": False,
            "userDataInJWT": {},
            "userDataInDatabase": {},
        },
    )
    assert answer.status_code == 200, answer.text


def test_the_default_database_is_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: None
):
    workdir = tmp_path / "run"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    app = create_app()
    try:
        _create_session(app.test_client())
        assert _database_file(app) == workdir / "supertokens.db"
        assert (workdir / "supertokens.db").is_file()
        # The writer queue's lock file sits beside the database it orders writers of.
        assert (workdir / "supertokens.db.writers").is_file()
        assert not (workdir / "instance").exists()
        assert not (Path(app.instance_path) / "supertokens.db").exists()
    finally:
        app.extensions["supertokens_core"].storage.dispose()


def test_writing_out_the_documented_default_keeps_the_same_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_environment: None
):
    workdir = tmp_path / "run"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    first = create_app()
    try:
        app_id = new_app(first.test_client())
    finally:
        first.extensions["supertokens_core"].storage.dispose()

    config = workdir / "config.yaml"
    config.write_text(DOCUMENTED_DEFAULT)
    monkeypatch.setenv("SUPERTOKENS_CONFIG", str(config))
    second = create_app()
    try:
        assert _database_file(second) == workdir / "supertokens.db"
        apps = second.test_client().get("/recipe/multitenancy/app/list/v2").json["apps"]
        assert app_id in [app["appId"] for app in apps]
    finally:
        second.extensions["supertokens_core"].storage.dispose()


def test_gunicorn_with_no_connection_uri_writes_supertokens_db_in_its_directory(tmp_path: Path):
    with CoreProcess(tmp_path, {}) as core:
        answer = requests.post(
            core.url + "/public/recipe/session",
            json={
                "userId": "default-db-user",
                "enableAntiCsrf": False,
                "userDataInJWT": {},
                "userDataInDatabase": {},
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    assert (tmp_path / "supertokens.db").is_file()
    assert (tmp_path / "supertokens.db.writers").is_file()
    assert not (tmp_path / "instance").exists()
