"""A day-by-day table of planned actions (rich), for people reading a plan."""

from __future__ import annotations

from typing import Sequence

from rich import box
from rich.table import Table

from sopengine.words import say
from sopengine.planning.planner import PlannedAction
from sopengine.present.labels import kind_label, weekday_label

TEXT_WIDTH = 48


def plan_table(actions: Sequence[PlannedAction], title: str | None = None, width: int = 160) -> Table:
    """One row per action, a section per local date; long texts shortened to one line to fit
    ``width`` columns (the text gives way first: the other columns are never dropped)."""
    group_width = min(24, max((len(a.group) for a in actions), default=8))
    step_width = min(16, max((len(a.step) for a in actions), default=6))
    text_width = max(8, min(TEXT_WIDTH, width - (8 + 5 + group_width + 3 + step_width + 8) - 2 * 7 - 2))
    # Every column keeps a width it can live with at 80 columns: ids fold onto more lines (each
    # stays whole and distinct), the text is cut to one line; no column is ever dropped.
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, expand=False, padding=(0, 1))
    table.add_column(say("plan.date"), no_wrap=True, min_width=8)
    table.add_column(say("plan.time"), no_wrap=True, min_width=5)
    table.add_column(say("plan.group"), overflow="fold", min_width=min(8, group_width), max_width=group_width)
    table.add_column(say("plan.day"), justify="right", no_wrap=True, min_width=3)
    table.add_column(say("plan.step"), overflow="fold", min_width=min(6, step_width), max_width=step_width)
    table.add_column(say("plan.kind"), no_wrap=True, min_width=4)
    table.add_column(say("plan.text"), overflow="ellipsis", no_wrap=True, min_width=text_width,
                     max_width=text_width)
    last_date = None
    for action in actions:
        local = action.due
        if last_date is not None and local.date() != last_date:
            table.add_section()
        date_cell = f"{local:%m-%d} {weekday_label(local.isoweekday())}" if local.date() != last_date else ""
        last_date = local.date()
        text = str(action.payload.get("text", "")).replace("\n", " ⏎ ")
        if action.when:
            text = say("plan.when", when=action.when, text=text)
        table.add_row(date_cell, f"{local:%H:%M}", action.group, f"D{action.day}", action.step,
                      kind_label(action.kind, action.part), text)
    return table


#: More actions than this are summarised day by day: a table of every row would take longer to
#: draw than to read (rich draws some thousand rows a second).
ROWS_SHOWN = 1000


def plan_summary(actions: Sequence[PlannedAction], title: str | None = None) -> Table:
    """One row per local date: how many actions, in how many groups, of which kinds."""
    table = Table(title=title, box=box.SIMPLE_HEAVY, show_lines=False, expand=False, padding=(0, 1))
    table.add_column(say("plan.date"), no_wrap=True)
    table.add_column(say("plan.actions"), justify="right")
    table.add_column(say("plan.groups"), justify="right")
    table.add_column(say("plan.kind"), overflow="fold")
    days: dict[str, tuple[int, set[str], dict[str, int]]] = {}
    for action in actions:
        local = action.due
        key = f"{local:%Y-%m-%d} {weekday_label(local.isoweekday())}"
        count, groups, kinds = days.setdefault(key, (0, set(), {}))
        groups.add(action.group)
        label = kind_label(action.kind, action.part)
        kinds[label] = kinds.get(label, 0) + 1
        days[key] = (count + 1, groups, kinds)
    for key, (count, groups, kinds) in days.items():
        table.add_row(key, str(count), str(len(groups)), say("sep.items").join(f"{k} {n}" for k, n in kinds.items()))
    return table
