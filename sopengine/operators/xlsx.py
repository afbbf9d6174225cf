"""XLSX workbooks for exports (openpyxl): one sheet, a bold frozen header, columns sized for
Chinese text, times as real date-times (local, as the rows give them), and text kept as text
(a cell starting with ``=`` is stored as a string, so a spreadsheet shows it and runs nothing)."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from typing import Any, Iterable, Sequence

#: Widest a column is sized to, in characters (longer text wraps in the cell).
MAX_WIDTH = 60
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: CJK and other wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def workbook_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The workbook of ``rows`` under ``headers`` (a sheet called ``title``). Aware date-times
    are written as their wall-clock time (Excel has no zones): give them in the zone to show."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = title[:31] or "Sheet"
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [display_width(str(h)) for h in headers]
    for values in rows:
        sheet.append([_plain(v) for v in values])
        for cell, value in zip(sheet[sheet.max_row], values):
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(value, datetime):
                cell.number_format = DATETIME_FORMAT
        for i, value in enumerate(values):
            longest = max((display_width(line) for line in str(value or "").splitlines()), default=0)
            if isinstance(value, datetime):
                longest = 16
            widths[i] = max(widths[i], longest)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, width + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (list, tuple, dict)):
        return str(value)
    return value
