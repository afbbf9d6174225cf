"""Trial renders are shared between groups only where their facts cannot make a difference."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sopengine import load_workspace

SOP = """
sop: names
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [t]}
steps:
  - id: shown
    kind: message
    at: day 1 09:00
    text: "欢迎来到{{ group.name }}"
  - id: parsed
    kind: message
    at: day 1 10:00
    text: "{% if group.name.startswith('x') %}第{{ group.name.split('-')[1] }}期{% endif %}"
"""


def groups(names: list[str]) -> str:
    rows = "".join(f"  - {{id: g{i}, name: '{n}', start: 2026-09-19, tags: [t], channels: {{console: {{}}}}}}\n"
                   for i, n in enumerate(names))
    return "groups:\n" + rows


@pytest.mark.parametrize("order", [["x-1", "x"], ["x", "x-1"]])
def test_a_name_a_template_takes_apart_is_checked_group_by_group(tmp_path: Path, order: list[str]) -> None:
    (tmp_path / "names.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(groups(order), encoding="utf-8")
    ws = load_workspace([tmp_path])
    bad = sorted({p.message.split("'")[1] for p in ws.problems if "cannot be rendered" in p.message})
    assert bad == [f"g{order.index('x')}"]  # only the group named plain "x" breaks step 'parsed'
    assert all("'parsed'" in p.message for p in ws.problems if "cannot be rendered" in p.message)
