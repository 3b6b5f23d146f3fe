"""config.yaml documents every key with its real default (ARCHITECTURE, Config)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

CONFIG_FILE = Path(__file__).resolve().parents[2] / "config.yaml"


def test_config_yaml_documents_every_key_with_its_default(app):
    schema = app.extensions["supertokens_core"].config_schema
    text = CONFIG_FILE.read_text()
    documented = {
        name: yaml.safe_load(value)
        for name, value in re.findall(r"^# ([a-z0-9_]+): (.*)$", text, re.M)
    }
    undocumented = sorted(set(schema.keys) - set(documented))
    assert undocumented == []
    wrong = {
        name: (documented[name], key.default)
        for name, key in schema.keys.items()
        if documented[name] != key.default
    }
    assert wrong == {}


def test_worker_class_is_sync_or_gthread(make_app):
    from core_app.config import ConfigError

    settings = make_app(worker_class="GThread").extensions["supertokens_core"].settings
    assert settings.worker_class == "gthread"
    with pytest.raises(ConfigError, match="'worker_class' must be sync or gthread"):
        make_app(worker_class="eventlet")
