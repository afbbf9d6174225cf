"""Reading a file is bounded: its size, its nesting and what its aliases expand to."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sopengine.model.problems import SopFileError
from sopengine.loading.source import MAX_FILE_BYTES, load_yaml


def bomb(levels: int = 9) -> str:
    lines = ["  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_a_groups_file_is_refused_at_once():
    text = "groups:\n  - id: g\n    name: 群\n    start: 2026-09-19\n    junk:\n" + bomb().replace("  a", "      a")
    started = time.monotonic()
    with pytest.raises(SopFileError, match="aliases expand to"):
        load_yaml(Path("groups.yaml"), text)
    assert time.monotonic() - started < 5


def test_a_few_aliases_are_fine():
    doc = load_yaml(Path("ok.yaml"), "vars:\n  base: &b {host: 麦麦}\n  again: *b\n" + bomb(4))
    assert doc.plain()["vars"]["again"] == {"host": "麦麦"}


def test_a_file_too_large_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk
    started = time.monotonic()
    with pytest.raises(SopFileError, match="larger than"):
        load_yaml(path)
    assert time.monotonic() - started < 1


def test_deep_nesting_is_one_problem_not_a_traceback():
    with pytest.raises(SopFileError, match="nested deeper than"):
        load_yaml(Path("deep.yaml"), "a: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SopFileError, match="nested deeper than"):
        load_yaml(Path("deep.yaml"), "a: " + "[" * 100 + "]" * 100 + "\n")
