"""The JSON Schema's defaults are values sopengine accepts: an editor that fills them in writes a
valid file. Every default of every property is written out explicitly in the shipped SOPs, then the
files are checked against the schema and loaded by sopengine."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from sopengine import load_sop, sop_json_schema
from sopengine.plugins import load_plugins

ROOT = Path(__file__).resolve().parent.parent
SOPS = sorted(p for p in (ROOT / "sops").glob("*.yaml") if p.name != "groups.yaml")


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def with_defaults(schema: dict[str, Any], node: dict[str, Any], value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with every property it leaves out set to the schema's default (nested objects too)."""
    out = dict(value)
    for name, prop in resolve(schema, node).get("properties", {}).items():
        if name in out:
            if isinstance(out[name], dict) and "properties" in resolve(schema, prop):
                out[name] = with_defaults(schema, prop, out[name])
            continue
        if "default" in prop:
            out[name] = copy.deepcopy(prop["default"])
        elif "properties" in resolve(schema, prop) and "$ref" in prop:
            out[name] = with_defaults(schema, prop, {})
    return out


def test_durations_are_written_as_the_file_format_writes_them():
    text = json.dumps(sop_json_schema())
    assert "PT1H" not in text and "PT10M" not in text and "P1D" not in text
    assert '"default": "10m"' in text and '"default": "1h"' in text


@pytest.mark.parametrize("path", SOPS, ids=lambda p: p.stem)
def test_every_default_filled_in_is_valid_to_the_schema_and_to_validate(path, tmp_path):
    kinds = load_plugins().kinds
    schema = sop_json_schema(kinds)
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    filled = with_defaults(schema, schema, data)
    filled["steps"] = [with_defaults(schema, schema["$defs"][kinds[s["kind"]].__name__], s) for s in data["steps"]]
    jsonschema.validate(filled, schema)
    out = tmp_path / path.name
    shutil.copytree(ROOT / "sops" / "pools", tmp_path / "pools")  # a symlink out would be refused
    out.write_text(json.dumps(filled, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    load_sop(out)


@pytest.mark.parametrize("duration", ["", " ", "1h1d", "10"])
def test_the_schema_refuses_what_validate_refuses(duration):
    schema = sop_json_schema()
    pattern = schema["$defs"]["MessageStep"]["properties"]["grace"]["pattern"]
    assert not re.search(pattern, duration)
