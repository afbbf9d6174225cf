"""Content pools kept in files: a YAML list, a CSV column, or a Markdown list."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from sopengine.loading.source import new_yaml, to_plain

_MD_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*\S)\s*$")


def confined(base: Path, relative: str) -> Path:
    """``relative`` inside the folder ``base`` (an SOP file's folder), symlinks resolved;
    ValueError for an absolute path, or one that leads out of ``base`` (``../``, a symlink):
    an SOP file must not put any file of the machine into messages."""
    if Path(relative).is_absolute():
        raise ValueError(f"{relative!r} is an absolute path; give a path inside the SOP file's folder")
    root = base.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(root):
        raise ValueError(f"{relative!r} leads outside the SOP file's folder ({root})")
    return target


def load_pool(path: Path) -> list[Any]:
    """Items of the pool file at ``path``; ValueError with a readable reason otherwise.

    ``.yaml``/``.yml``: a list (or a mapping with one list value). ``.csv`` (UTF-8, with or
    without a BOM): the first row is always the header, as a spreadsheet saves it, never an item;
    with one column each row below is one text item, with several each row is a mapping of the
    header's names (``{{ item.title }}``); blank rows are skipped. ``.md``: every list item line.
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
        return _csv_items(text.removeprefix("\ufeff"), path)
    if suffix in (".md", ".markdown"):
        return [m[1] for line in text.splitlines() if (m := _MD_ITEM.match(line))]
    raise ValueError(f"unsupported pool file type {suffix!r} (use .yaml, .csv or .md)")


def _csv_items(text: str, path: Path) -> list[Any]:
    rows = [[cell.strip() for cell in r] for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if len(header) == 1:
        return [r[0] for r in body if r[0]]
    if not all(header) or len(set(header)) != len(header):
        raise ValueError(f"{path}: the first row is the header; its names must be given and distinct, "
                         f"got {header}")
    return [dict(zip(header, [*r, *[""] * (len(header) - len(r))])) for r in body]


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
