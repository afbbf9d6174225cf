"""Bits every command shares: problem printing, JSON output, path arguments."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

import click

from sopengine.model.problems import Problem

PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))


#: Beyond this many items a JSON array is printed an item a line, each item compact: Python's C
#: encoder writes only compact JSON, and indenting a fleet's 100,000 status rows takes seconds.
ITEMS_INDENTED = 1000


def echo_json(value: Any) -> None:
    """Print ``value`` as UTF-8 JSON (Chinese kept readable, not \\u-escaped): indented, or for
    a long array, an item a line."""
    if isinstance(value, list) and len(value) > ITEMS_INDENTED:
        _echo_item_lines(map(json.JSONEncoder(ensure_ascii=False, default=str).encode, value))
        return
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _echo_item_lines(lines: Iterable[str]) -> None:
    """A JSON array of items already encoded, an item a line."""
    click.echo("[\n  " + ",\n  ".join(lines) + "\n]")


def echo_json_lines(lines: Sequence[str]) -> None:
    """:func:`echo_json` of an array given as its items' compact JSON, one each: a long array is
    written from the lines as they are, a short one read back and indented."""
    if len(lines) > ITEMS_INDENTED:
        _echo_item_lines(lines)
        return
    echo_json([json.loads(line) for line in lines])


def echo_problems(problems: Iterable[Problem], *, err: bool = True) -> None:
    """Print each problem as ``FILE:LINE:COL: message``."""
    for problem in problems:
        click.echo(str(problem), err=err)


def echo_bytes(data: bytes, what: str = "an XLSX workbook", file: str = "out.xlsx") -> None:
    """Write ``data`` to standard output; refused on a terminal (redirect it to a file)."""
    if sys.stdout.isatty():
        raise click.UsageError(f"{what} is not for a terminal: redirect it to a file (> {file})")
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def echo_sheet(fmt: str, title: str, headers: Sequence[str], cells: Sequence[Sequence[Any]]) -> None:
    """A table on standard output as CSV (``fmt`` csv: with a BOM) or as an XLSX workbook (xlsx)."""
    if fmt == "xlsx":
        from sopengine.operators.xlsx import workbook_bytes

        echo_bytes(workbook_bytes(title, headers, cells))
    else:
        from sopengine.operators.spreadsheet import csv_text

        click.echo(csv_text(headers, cells), nl=False)
