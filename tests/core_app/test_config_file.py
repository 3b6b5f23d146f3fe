"""config.yaml documents every key with its real default (ARCHITECTURE, Config)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

CONFIG_FILE = Path(__file__).resolve().parents[2] / "config.yaml"


def test_config_yaml_documents_every_key_with_its_default(app):
    schema = app.extensions["supertokens_core"].config_schema
    text = CONFIG_FILE.read_text()
    documented = {name: yaml.safe_load(value)
                  for name, value in re.findall(r"^# ([a-z0-9_]+): (.*)$", text, re.M)}
    undocumented = sorted(set(schema.keys) - set(documented))
    assert undocumented == []
    wrong = {name: (documented[name], key.default) for name, key in schema.keys.items()
             if documented[name] != key.default}
    assert wrong == {}
