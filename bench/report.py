"""Result rows, medians, targets, and the one rich table the runner prints."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from rich.console import Console
from rich.table import Table

Value = float | int | str | bool | None


@dataclass
class Row:
    """One line of the table: a figure, its target, and whether the target is met."""

    section: str
    subject: str
    figure: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    values: dict[str, Value] = field(default_factory=dict)


def median_runs(runs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Per key, the median over runs (keys missing from a run are ignored for it)."""
    keys = {k for r in runs for k in r}
    return {k: float(statistics.median([r[k] for r in runs if k in r])) for k in sorted(keys)}


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def rate(x: float, unit: str = "actions/s") -> str:
    return f"{x:,.0f} {unit}"


def secs(x: float) -> str:
    if x != x:  # NaN
        return "n/a"
    return f"{x * 1000:,.0f} ms" if abs(x) < 1 else f"{x:,.2f} s"


def ratio(x: float) -> str:
    return f"{x:,.1f}×"


def met_cell(met: bool | None) -> str:
    return {True: "[green]met[/]", False: "[red]not met[/]", None: ""}[met]


def table(rows: Iterable[Row], title: str) -> Table:
    t = Table(title=title, show_lines=False, header_style="bold")
    for name, kw in (("benchmark", {"no_wrap": True}), ("subject", {}), ("figure (median)", {"justify": "right"}),
                     ("target", {}), ("", {"no_wrap": True}), ("note", {"style": "dim"})):
        t.add_column(name, **kw)  # type: ignore[arg-type]
    previous = None
    for r in rows:
        if previous is not None and r.section != previous:
            t.add_section()
        t.add_row(r.section if r.section != previous else "", r.subject, r.figure, r.target, met_cell(r.met), r.note)
        previous = r.section
    return t


def print_table(rows: Sequence[Row], title: str) -> None:
    console = Console()
    if not console.is_terminal:
        console = Console(width=220)
    console.print(table(rows, title))
    missed = [r for r in rows if r.met is False]
    if missed:
        console.print("targets not met: " + "; ".join(f"{r.section} / {r.subject}" for r in missed))
    else:
        console.print("every measured target met")


def to_json(rows: Sequence[Row], settings: Mapping[str, Any]) -> str:
    return json.dumps({"settings": dict(settings), "rows": [asdict(r) for r in rows]},
                      ensure_ascii=False, indent=2, default=str)


def spread(values: Sequence[float]) -> str:
    """The range of repeated runs, for the note beside a median (``1.20–1.41 s over 3``)."""
    if len(values) < 2:
        return "1 run"
    low, high = min(values), max(values)
    return f"{secs(low)}–{secs(high)} over {len(values)}"
