"""The report's charts, drawn by matplotlib as SVG (no display needed): execution per day and
per operator, stacked on time / late / not done."""

from __future__ import annotations

import io
from typing import Sequence

from sopengine.words import say
from sopengine.reports.execution import ExecutionLine

#: Fonts that carry Chinese, in the order tried (the first installed one is used).
CJK_FONTS = ["Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", "SimHei", "DejaVu Sans"]
COLOURS = {"on_time": "#07c160", "late": "#f0b400", "not_done": "#fa5151", "skipped": "#b2b2b2"}


def stacked_bars(lines: Sequence[ExecutionLine], title: str, *, horizontal: bool = False) -> str:
    """An SVG document: per line, on time, late, not done (overdue, missed, failed, open) and
    skipped, stacked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    plt.rcParams["font.sans-serif"] = CJK_FONTS
    plt.rcParams["axes.unicode_minus"] = False
    plt.rcParams["svg.hashsalt"] = "sopengine"  # the same report draws the same bytes
    labels = [line.label for line in lines]
    parts = {
        "on_time": [line.on_time for line in lines],
        "late": [line.late for line in lines],
        "not_done": [line.overdue + line.missed + line.failed + line.open for line in lines],
        "skipped": [line.skipped for line in lines],
    }
    names = {name: say(f"report.chart.{name}") for name in parts}
    height = max(2.5, 0.35 * len(labels) + 1.2) if horizontal else 3.2
    fig, ax = plt.subplots(figsize=(7.5, height), dpi=100)
    base = [0] * len(labels)
    for name, values in parts.items():
        if horizontal:
            ax.barh(labels, values, left=base, color=COLOURS[name], label=names[name])
        else:
            ax.bar(labels, values, bottom=base, color=COLOURS[name], label=names[name])
        base = [b + v for b, v in zip(base, values)]
    ax.set_title(title)
    if horizontal:
        ax.invert_yaxis()
    else:
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg"):]  # inline: no XML prolog inside HTML
