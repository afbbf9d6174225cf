"""Group facts files (CSV or YAML) as ops teams export them: one row per group, any columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from .problems import Problem, SopFileError
from .source import load_yaml

ID_COLUMNS = ("id", "group", "group_id", "群id")


def load_facts(path: Path) -> dict[str, dict[str, Any]]:
    """group id → facts. Numbers in CSV cells become int/float; an ``id`` column is required."""
    if path.suffix.lower() == ".csv":
        return _csv(path)
    doc = load_yaml(path)
    data = doc.plain()
    rows = data.get("groups") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise SopFileError([doc.problem((), "a facts file is a list of groups (or `groups:` with one)")])
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or "id" not in row:
            raise SopFileError([doc.problem(("groups", i) if isinstance(data, dict) else (i,), "each row needs an id")])
        out[str(row["id"])] = {k: v for k, v in row.items() if k != "id"}
    return out


def _csv(path: Path) -> dict[str, dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")  # spreadsheets often write a BOM
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    key = next((h for h in header if h.lower() in ID_COLUMNS), None)
    if key is None:
        raise SopFileError([Problem(str(path), 1, 1, f"no id column (one of {', '.join(ID_COLUMNS)})")])
    out: dict[str, dict[str, Any]] = {}
    for row in reader:
        clean = {k.strip(): v for k, v in row.items() if k}
        gid = (clean.pop(key) or "").strip()
        if gid:
            out[gid] = {k: _number(v) for k, v in clean.items() if v not in (None, "")}
    return out


def _number(value: str) -> Any:
    text = value.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text
