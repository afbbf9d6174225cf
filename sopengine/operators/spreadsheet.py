"""Cells as spreadsheets must get them: what Excel and WPS would run or mangle, made safe.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) is a
formula to a spreadsheet: ``=HYPERLINK(...)`` in a message from a fact, opened by an operator,
would run. Such a cell is written with a leading apostrophe, as spreadsheet exporters do (the
spreadsheet shows the text, without the apostrophe, and runs nothing). Only exports are changed:
what an operator copies from a page or a Markdown sheet stays exactly the text.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any, Sequence

#: What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Prepended to a CSV file so that Excel reads it as UTF-8 (without it, 小雅 opens as 灏忛泤).
UTF8_BOM = "\ufeff"


def safe_cell(value: Any) -> Any:
    """``value`` for a spreadsheet cell: text that would start a formula gets a leading ``'``;
    numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """CSV as spreadsheets want it: a BOM, times as ``YYYY-MM-DD HH:MM`` (as the rows give them),
    formula cells made safe."""
    out = io.StringIO()
    out.write(UTF8_BOM)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([safe_cell(v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v) for v in row])
    return out.getvalue()
