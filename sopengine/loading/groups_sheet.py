"""A groups file kept as a spreadsheet (CSV or XLSX), as ops teams keep their group lists.

One group per row under a header row. The columns ``id``, ``name``, ``start`` and ``tags`` (split
at spaces, commas, full-width commas or 、) are the group's; a dotted column writes into a setting
(``channels.wechat.operator``, ``channels.wechat.operators`` split like tags, ``vars.host``,
``roles.群主``, ``quiet``); any other column is a fact. Every problem names its row and column,
and a bad row never keeps the good ones out.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sopengine.loading.facts_file import ID_COLUMNS, cell_value
from sopengine.loading.spreadsheets import decode_csv, xlsx_rows
from sopengine.model.fact_types import typed_fact
from sopengine.model.group import Group, SheetOrigin
from sopengine.model.group_file import STRUCTURAL_KEYS, GroupModel
from sopengine.model.problems import Problem

SUFFIXES = (".csv", ".xlsx")
#: Columns whose cells are lists.
LIST_COLUMNS = ("tags", "channels.wechat.operators")
_SPLIT = re.compile(r"[\s,，、;；]+")


def is_groups_sheet(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def groups_from_sheet(path: Path) -> tuple[list[Group], list[Problem]]:
    """The valid groups of the sheet, and the problems of the others (at their row and column)."""
    try:
        rows = _rows(path)
    except ValueError as exc:
        return [], [Problem(str(path), 1, 1, str(exc))]
    if not rows:
        return [], [Problem(str(path), 1, 1, "an empty sheet: the first row names the columns (id, name, start…)")]
    header = [str(h or "").strip() for h in rows[0]]
    header = ["id" if h.lower() in ID_COLUMNS else h for h in header]
    columns = {name: i + 1 for i, name in enumerate(header) if name}
    missing = [c for c in ("id", "name", "start") if c not in columns]
    if missing:
        return [], [Problem(str(path), 1, 1, f"no {', '.join(missing)} column (the first row names the columns)")]
    groups: list[Group] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for line, cells in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in cells):
            continue
        origin = SheetOrigin(str(path), line, columns)
        entry, cell_problems = _entry(header, cells, origin)
        if cell_problems:
            problems += cell_problems
            continue
        try:
            model = GroupModel.model_validate(entry)
        except ValidationError as exc:
            for error in exc.errors(include_url=False):
                where = [str(p) for p in error["loc"]]
                problems.append(origin.problem(where, f"group {entry.get('id')!r}: {'.'.join(where)}: {error['msg']}"))
            continue
        if model.id in seen:
            problems.append(origin.problem(["id"], f"duplicate group id {model.id!r}"))
            continue
        seen.add(model.id)
        try:
            groups.append(Group.from_model(model, origin))
        except ValueError as exc:
            problems.append(origin.problem([], f"group {model.id!r}: {exc}"))
    return groups, problems


def _rows(path: Path) -> list[list[Any]]:
    if path.suffix.lower() == ".xlsx":
        return xlsx_rows(path)
    return [list(r) for r in csv.reader(io.StringIO(decode_csv(path.read_bytes())))]


def _entry(header: list[str], cells: list[Any], origin: SheetOrigin) -> tuple[dict[str, Any], list[Problem]]:
    """The row as a groups-file entry (nested for dotted columns)."""
    entry: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, value in zip(header, cells):
        if not name or value is None or (isinstance(value, str) and not value.strip()):
            continue
        value = value.strip() if isinstance(value, str) else value
        if name in LIST_COLUMNS:
            value = [v for v in _SPLIT.split(str(value)) if v]
        elif name == "start" and isinstance(value, date):  # a workbook's date cell
            value = value.date() if isinstance(value, datetime) else value
        elif name in ("id", "name", "start", "quiet"):
            value = str(value)
        elif "." in name:  # a setting: numbers stay numbers (vars.price), the rest is text
            value = value if isinstance(value, (int, float)) else str(value)
        elif name not in STRUCTURAL_KEYS:
            try:
                value = typed_fact(name, cell_value(value))
            except ValueError as exc:
                problems.append(origin.problem([name], f"row {origin.row}, column {name!r}: {exc}"))
                continue
        target = entry
        *path, last = name.split(".")
        for part in path:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                problems.append(origin.problem([name], f"column {name!r} writes inside a value"))
                break
        else:
            target[last] = value
    return entry, problems
