"""Plugins use the documented plugin API only, and every name it lists is there."""

from __future__ import annotations

import ast
from pathlib import Path

import sopengine.plugin_api as api

PLUGINS = Path(__file__).resolve().parent.parent / "plugins"


def test_built_in_plugins_import_nothing_of_sopengine_but_the_plugin_api():
    for path in sorted(PLUGINS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sopengine":
                assert node.module == "sopengine.plugin_api", f"{path.name} imports {node.module}"
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("sopengine.") for a in node.names), path.name


def test_every_listed_name_is_there():
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_the_schema_knows_a_registered_kind():
    from sopengine.kinds import KindRegistry
    from sopengine.loading.schema import sop_json_schema

    from .kinds_for_tests import PinStep

    kinds = KindRegistry()
    kinds.register(PinStep)
    assert '"pin"' in str(sop_json_schema(kinds)).replace("'", '"')
    assert '"pin"' not in str(sop_json_schema()).replace("'", '"')


def test_outside_the_store_only_its_front_door_is_imported():
    root = Path(__file__).resolve().parent.parent
    for path in sorted([*(root / "sopengine").rglob("*.py"), *PLUGINS.rglob("*.py")]):
        if "store" in path.relative_to(root).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sopengine.store."):
                raise AssertionError(f"{path.relative_to(root)} imports {node.module}: use sopengine.store")
