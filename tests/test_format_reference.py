"""docs/format.md stays true to the code: every key the schema and the groups file accept is in it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sopengine.loading.schema import sop_json_schema
from sopengine.model.group_file import GroupModel
from sopengine.model.notices import NOTICE_KINDS
from sopengine.model.operators_file import NoticesModel, OperatorModel
from sopengine.plugins import load_plugins

DOC = Path(__file__).resolve().parent.parent / "docs" / "format.md"


def schema_keys(node: Any, defs: dict[str, Any], seen: set[str], out: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = ref.split("/")[-1]
            if name not in seen:
                seen.add(name)
                schema_keys(defs.get(name, {}), defs, seen, out)
        for key, value in node.get("properties", {}).items():
            out.add(key)
            schema_keys(value, defs, seen, out)
        for value in node.values():
            if isinstance(value, (dict, list)):
                schema_keys(value, defs, seen, out)
    elif isinstance(node, list):
        for value in node:
            schema_keys(value, defs, seen, out)


def documented() -> set[str]:
    return set(re.findall(r"`([a-z_][a-z_0-9]*)`", DOC.read_text(encoding="utf-8")))


def test_every_key_of_the_schema_is_documented():
    kinds = load_plugins().kinds
    schema = sop_json_schema(kinds)
    keys: set[str] = set()
    schema_keys(schema, schema.get("$defs", {}), set(), keys)
    assert len(keys) > 40
    missing = sorted(keys - documented())
    assert not missing, f"docs/format.md does not describe: {missing}"
    assert not sorted(set(kinds) - documented()), "a kind is missing from docs/format.md"


def test_every_key_of_a_groups_file_is_documented():
    keys = {*GroupModel.model_fields, *OperatorModel.model_fields, *NoticesModel.model_fields, *NOTICE_KINDS,
            "groups", "operators", "notices"}
    missing = sorted(keys - documented())
    assert not missing, f"docs/format.md does not describe: {missing}"


def test_the_schema_and_the_readme_point_to_the_reference():
    assert "docs/format.md" in sop_json_schema()["description"]
    readme = (DOC.parent.parent / "README.md").read_text(encoding="utf-8")
    assert "docs/format.md" in readme and "../shared/spec" not in readme
