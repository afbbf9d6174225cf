"""Group facts files (CSV, XLSX or YAML) as ops teams export them: one row per group, any columns."""

from __future__ import annotations

import csv
import math
import io
from pathlib import Path
from typing import Any, Iterable, Sequence

from sopengine.model.fact_types import typed_fact
from sopengine.model.problems import Problem, SopFileError
from sopengine.loading.source import load_yaml
from sopengine.loading.spreadsheets import decode_csv, xlsx_rows

ID_COLUMNS = ("id", "group", "group_id", "群id")


def load_facts(path: Path) -> dict[str, dict[str, Any]]:
    """group id → facts. Numbers in CSV cells become int/float; an ``id`` column is required.
    The facts the engine reads are typed (:mod:`.fact_types`): every bad cell is a problem at its
    row and column, and the whole file is refused (SopFileError), so a failed import changes
    nothing."""
    if path.suffix.lower() == ".csv":
        return _csv(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx(path)
    doc = load_yaml(path)
    data = doc.plain()
    rows = data.get("groups") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise SopFileError([doc.problem((), "a facts file is a list of groups (or `groups:` with one)")])
    out: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for i, row in enumerate(rows):
        loc = ("groups", i) if isinstance(data, dict) else (i,)
        if not isinstance(row, dict) or "id" not in row:
            problems.append(doc.problem(loc, "each row needs an id"))
            continue
        facts: dict[str, Any] = {}
        for name, value in row.items():
            if name == "id":
                continue
            try:
                facts[name] = typed_fact(name, value)
            except ValueError as exc:
                problems.append(doc.problem((*loc, name), f"group {row['id']!r}: {exc}"))
        out[str(row["id"])] = facts
    if problems:
        raise SopFileError(problems)
    return out


def read_spreadsheet_text(path: Path) -> str:
    """A CSV file's text as Excel and WPS save it: UTF-8 (with or without a BOM), else GB18030
    (a superset of GBK, what Chinese Excel writes by default)."""
    try:
        return decode_csv(path.read_bytes())
    except ValueError as exc:
        raise SopFileError([Problem(str(path), 1, 1, str(exc))]) from None


def _csv(path: Path) -> dict[str, dict[str, Any]]:
    reader = csv.reader(io.StringIO(read_spreadsheet_text(path)))
    header = next(reader, [])
    return _facts_table(path, header, ((reader.line_num, cells) for cells in reader))


def _xlsx(path: Path) -> dict[str, dict[str, Any]]:
    """The first sheet of a workbook, read as a CSV is (numbers and dates stay what they are)."""
    try:
        rows = xlsx_rows(path)
    except ValueError as exc:
        raise SopFileError([Problem(str(path), 1, 1, str(exc))]) from None
    return _facts_table(path, rows[0] if rows else [], enumerate(rows[1:], start=2))


def _facts_table(path: Path, header_cells: Sequence[Any],
                 numbered_rows: Iterable[tuple[int, Sequence[Any]]]) -> dict[str, dict[str, Any]]:
    """A header row with an id column, then a group per row: every bad cell is a problem at its
    row and column, and any problem refuses the whole file."""
    header = [str(h).strip() if h is not None else "" for h in header_cells]
    key = next((i for i, h in enumerate(header) if h.lower() in ID_COLUMNS), None)
    if key is None:
        raise SopFileError([Problem(str(path), 1, 1, f"no id column (one of {', '.join(ID_COLUMNS)})")])
    out: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for line, cells in numbered_rows:
        gid = str(cells[key]).strip() if key < len(cells) and cells[key] is not None else ""
        if not gid:
            continue
        facts: dict[str, Any] = {}
        for col, (name, value) in enumerate(zip(header, cells), start=1):
            if col - 1 == key or not name or value is None or (isinstance(value, str) and not value.strip()):
                continue
            try:
                facts[name] = typed_fact(name, cell_value(value))
            except ValueError as exc:
                problems.append(Problem(str(path), line, col, f"row {line}, column {name!r} of group {gid!r}: {exc}"))
        out[gid] = facts
    if problems:
        raise SopFileError(problems)
    return out


def cell_value(value: Any) -> Any:
    """A spreadsheet cell as a fact: text that is a finite number becomes int or float, other
    text stays text ("NaN" too), and what a workbook already typed stays as it is."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        return number if math.isfinite(number) else text
    return text
