"""Members files as group tools export them (CSV in UTF-8 with or without a BOM, GBK or GB18030,
or XLSX): one member per row, columns in English or in the tools' Chinese.

Recognised columns: the group (``group``/``群id``, or ``--group`` for a file of one group), the
member's id (``member_id``/``成员id``/``userid``/``external_userid``/``微信号``), the name
(``name``/``昵称``/``群昵称``), ``joined_at``/``入群时间``, ``left_at``/``退群时间``,
``tags``/``标签`` (split at commas, 、 or spaces), ``last_active_at``/``最后发言时间``,
``messages``/``发言数``. Any other column is a member fact. Times without an offset are local to
the zone given. Every bad cell is a problem at its row and column, and any problem refuses the
whole file: a failed import changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from sopengine.loading.facts_file import cell_value, read_spreadsheet_text
from sopengine.loading.spreadsheets import xlsx_rows
from sopengine.model.members import Member
from sopengine.model.problems import Problem, SopFileError

COLUMNS: dict[str, tuple[str, ...]] = {
    "group": ("group", "group_id", "群id", "群"),
    "id": ("member_id", "id", "成员id", "userid", "external_userid", "微信号", "wxid"),
    "name": ("name", "昵称", "群昵称", "成员昵称", "名称", "nickname"),
    "joined_at": ("joined_at", "入群时间", "join_time"),
    "left_at": ("left_at", "退群时间", "leave_time"),
    "tags": ("tags", "标签"),
    "last_active_at": ("last_active_at", "最后发言时间", "最近发言时间"),
    "messages": ("messages", "发言数", "消息数"),
}
TIME_COLUMNS = ("joined_at", "left_at", "last_active_at")
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")


def load_members(path: Path, zone: ZoneInfo, group: str | None = None) -> list[Member]:
    """The members of the file at ``path``; SopFileError (with every problem) if any cell is bad."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            rows = xlsx_rows(path)
        except ValueError as exc:
            raise SopFileError([Problem(str(path), 1, 1, str(exc))]) from None
        return _table(path, rows[0] if rows else [], enumerate(rows[1:], start=2), zone, group)
    if suffix != ".csv":
        raise SopFileError([Problem(str(path), 1, 1, "a members file is .csv or .xlsx")])
    reader = csv.reader(io.StringIO(read_spreadsheet_text(path)))
    header = next(reader, [])
    return _table(path, header, ((reader.line_num, cells) for cells in reader), zone, group)


def _table(path: Path, header_cells: Sequence[Any], numbered: Iterable[tuple[int, Sequence[Any]]],
           zone: ZoneInfo, group: str | None) -> list[Member]:
    header = [str(h).strip() if h is not None else "" for h in header_cells]
    where = {name: next((i for i, h in enumerate(header) if h.lower() in aliases), None)
             for name, aliases in COLUMNS.items()}
    problems: list[Problem] = []
    if where["id"] is None and where["name"] is None:
        problems.append(Problem(str(path), 1, 1, "no member id or name column (member_id / 成员id, name / 昵称)"))
    if where["group"] is None and group is None:
        problems.append(Problem(str(path), 1, 1,
                                "no group column (group / 群id): give --group for a file of one group"))
    if problems:
        raise SopFileError(problems)
    known = {i for i in where.values() if i is not None}
    out: list[Member] = []
    for line, cells in numbered:
        def cell(name: str, cells: Sequence[Any] = cells) -> Any:
            i = where[name]
            value = cells[i] if i is not None and i < len(cells) else None
            return None if value is None or (isinstance(value, str) and not value.strip()) else value

        ident = cell("id") if where["id"] is not None else cell("name")
        if ident is None:
            continue
        times: dict[str, datetime] = {}
        facts: dict[str, Any] = {}
        for name in TIME_COLUMNS:
            value = cell(name)
            if value is None:
                continue
            try:
                moment = instant(value, zone)
            except ValueError as exc:
                problems.append(Problem(str(path), line, (where[name] or 0) + 1,
                                        f"row {line}, column {header[where[name] or 0]!r}: {exc}"))
                continue
            if name == "last_active_at":
                facts[name] = moment.isoformat()
            else:
                times[name] = moment
        if cell("messages") is not None:
            facts["messages"] = cell_value(cell("messages"))
        for i, name in enumerate(header):
            if i in known or not name or i >= len(cells) or cells[i] is None or str(cells[i]).strip() == "":
                continue
            facts[name] = cell_value(cells[i])
        tags = tuple(t for t in _TAG_SPLIT.split(str(cell("tags"))) if t) if cell("tags") is not None else ()
        out.append(Member(str(cell("group") or group).strip(), str(cell_value(ident)).strip(),
                          str(cell("name") or ident).strip(), times.get("joined_at"), times.get("left_at"),
                          tags, facts))
    if problems:
        raise SopFileError(problems)
    return out


def instant(value: Any, zone: ZoneInfo) -> datetime:
    """A cell as an aware instant: a workbook's date-time, or ISO text (``2026-09-19 08:00``)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0))
    else:
        text = str(value).strip().replace("/", "-")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not a time: {value!r} (write 2026-09-19 08:00)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
