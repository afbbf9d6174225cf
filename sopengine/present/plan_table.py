"""A day-by-day table of planned actions (rich), for people reading a plan."""

from __future__ import annotations

from typing import Sequence

from rich import box
from rich.table import Table

from sopengine.planning.planner import PlannedAction
from sopengine.present.labels import kind_label, weekday_label

TEXT_WIDTH = 48


def plan_table(actions: Sequence[PlannedAction], title: str | None = None) -> Table:
    """One row per action, a section per local date; long texts shortened to one line."""
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, expand=False)
    table.add_column("日期", no_wrap=True, min_width=8)
    table.add_column("时间", no_wrap=True, min_width=5)
    table.add_column("群", overflow="fold", min_width=10)
    table.add_column("天", justify="right", no_wrap=True, min_width=3)
    table.add_column("步骤", overflow="fold", min_width=8)
    table.add_column("类型", no_wrap=True, min_width=6)
    table.add_column("内容", overflow="ellipsis", no_wrap=True, min_width=20, max_width=TEXT_WIDTH)
    last_date = None
    for action in actions:
        local = action.due
        if last_date is not None and local.date() != last_date:
            table.add_section()
        date_cell = f"{local:%m-%d} {weekday_label(local.isoweekday())}" if local.date() != last_date else ""
        last_date = local.date()
        text = str(action.payload.get("text", "")).replace("\n", " ⏎ ")
        if action.when:
            text = f"[若 {action.when}] {text}"
        table.add_row(date_cell, f"{local:%H:%M}", action.group, f"D{action.day}", action.step,
                      kind_label(action.kind, action.part), text)
    return table
