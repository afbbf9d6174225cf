"""Reading what Excel and WPS save: CSV text in whichever encoding they wrote, and XLSX rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def decode_csv(raw: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without a BOM), else GB18030 (a superset of GBK, what
    Chinese Excel writes by default). ValueError, saying how to save it, when neither."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValueError(f"neither UTF-8 nor GBK/GB18030 text (byte {exc.start}); save it as CSV UTF-8") from None


def xlsx_rows(path: Path) -> list[list[Any]]:
    """The first sheet's rows (cell values: numbers, dates and text as the workbook holds them).
    ValueError when the file is not a readable workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a broken or foreign file: one clear line, whatever openpyxl raised
        raise ValueError(f"not a readable XLSX workbook: {exc}") from None
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
