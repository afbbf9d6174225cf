"""Content pools kept in files: a YAML list, a CSV or XLSX table, or a Markdown list."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from sopengine.loading.source import load_yaml
from sopengine.model.problems import SopFileError
from sopengine.loading.spreadsheets import decode_csv, xlsx_rows

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

    ``.yaml``/``.yml``: a list (or a mapping with one list value). ``.csv`` (UTF-8 with or
    without a BOM, GBK or GB18030, as Excel and WPS save it) and ``.xlsx`` (its first sheet): the
    first row is always the header, never an item; with one column each row below is one text
    item, with several each row is a mapping of the header's names (``{{ item.title }}``); blank
    rows are skipped. ``.md``: every list item line.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise ValueError(f"file not found: {path}")
    if suffix == ".xlsx":
        try:
            cells = xlsx_rows(path)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return _table_items([["" if c is None else str(c).strip() for c in row] for row in cells], path)
    try:
        raw = path.read_bytes()
        text = decode_csv(raw) if suffix == ".csv" else raw.decode("utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if suffix in (".yaml", ".yml"):
        return _yaml_items(text, path)
    if suffix == ".csv":
        return _table_items([[cell.strip() for cell in r] for r in csv.reader(io.StringIO(text))], path)
    if suffix in (".md", ".markdown"):
        return [m[1] for line in text.splitlines() if (m := _MD_ITEM.match(line))]
    raise ValueError(f"unsupported pool file type {suffix!r} (use .yaml, .csv, .xlsx or .md)")


def _table_items(rows: list[list[str]], path: Path) -> list[Any]:
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
    """Read the way SOP files are read: libyaml first, the exact loader only for what it leaves,
    within the same bounds on nesting and aliases; a syntax error names its line."""
    try:
        data = load_yaml(path, text).plain()
    except SopFileError as exc:
        raise ValueError(str(exc)) from None
    if isinstance(data, dict) and len(data) == 1:
        (data,) = data.values()
    if not isinstance(data, list):
        raise ValueError(f"{path} must hold a YAML list")
    return data
