"""Content pools kept in files: a YAML list, a CSV column, or a Markdown list."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from .source import new_yaml, to_plain

_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")


def load_pool(path: Path) -> list[Any]:
    """Items of the pool file at ``path``; ValueError with a readable reason otherwise.

    ``.yaml``/``.yml``: a list (or a mapping with one list value); ``.csv``: the
    first column, a header row named ``item``/``text`` skipped; ``.md``: every
    list item line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValueError(f"file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return _yaml_items(text, path)
    if suffix == ".csv":
        rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0].strip()]
        if rows and rows[0][0].strip().lower() in ("item", "text", "内容"):
            rows = rows[1:]
        return [r[0].strip() for r in rows]
    if suffix in (".md", ".markdown"):
        return [m[1] for line in text.splitlines() if (m := _MD_ITEM.match(line))]
    raise ValueError(f"unsupported pool file type {suffix!r} (use .yaml, .csv or .md)")


def _yaml_items(text: str, path: Path) -> list[Any]:
    try:
        data = to_plain(new_yaml().load(text))
    except YAMLError as exc:
        raise ValueError(f"YAML syntax error in {path}: {exc}") from None
    if isinstance(data, dict) and len(data) == 1:
        (data,) = data.values()
    if not isinstance(data, list):
        raise ValueError(f"{path} must hold a YAML list")
    return data
