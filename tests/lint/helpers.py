"""A small clean SOP to break one rule at a time, and a one-call lint."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from sopengine import load_workspace
from sopengine.lint import RULES, Finding, LintConfig, lint_workspace

#: Clean under every rule: rules on day 0, ≥3 touches on days 0..3, one time per daily kind,
#: nothing at night, a dissolution, a short life (no survey needed).
BASE = """\
sop: mini-camp
title: 迷你营
timezone: Asia/Shanghai
match:
  tags: [mini]
lifetime: 3d
steps:
  - id: rules
    kind: rules
    at: day 0 10:00
    text: 群规：友善交流，不发广告。

  - id: morning
    kind: morning_post
    cron: "0 8 * * *"
    days: 0-3
    text: 早安，第{{ day }}天

  - id: noon
    kind: message
    cron: "0 12 * * *"
    days: 0-3
    text: 午间提醒：记得打卡

  - id: topic
    kind: topic
    cron: "30 20 * * *"
    days: 0-2
    text: 今晚话题：你今天学到了什么？

  - id: farewell
    kind: dissolution
    at: day 3 20:00
    notice: 感谢陪伴，本群明晚解散，后续服务请私信。
"""

GROUPS = """\
groups:
  - id: mini-a
    name: 迷你营A
    start: 2026-03-02
    tags: [mini]
    members: 300
    channels: {wechat: {operator: 小雅}}
  - id: mini-b
    name: 迷你营B
    start: 2026-03-09
    tags: [mini]
    members: 20
    channels: {wechat: {operator: 小雅}}
"""


def edit(text: str, old: str, new: str) -> str:
    """``text`` with the one occurrence of ``old`` replaced (fails loudly if absent)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def write(tmp_path: Path, sop: str, groups: str | None = None) -> tuple[Path, Path | None]:
    """Write the SOP (and groups file) under ``tmp_path``."""
    sop_path = tmp_path / "sop.yaml"
    sop_path.write_text(sop, encoding="utf-8")
    groups_path = None
    if groups is not None:
        groups_path = tmp_path / "groups.yaml"
        groups_path.write_text(groups, encoding="utf-8")
    return sop_path, groups_path


def lint(tmp_path: Path, sop: str, groups: str | None = None, sets: Iterable[str] = ()) -> list[Finding]:
    """Every finding for ``sop`` (which must be valid) with the default rules plus ``sets``."""
    sop_path, groups_path = write(tmp_path, sop, groups)
    ws = load_workspace([sop_path], [groups_path] if groups_path else [])
    assert ws.ok, [str(p) for p in ws.problems]
    config = LintConfig.defaults(RULES)
    for assignment in sets:
        config = config.with_assignment(assignment)
    return lint_workspace(ws, config).findings


def fired(findings: list[Finding], rule: str) -> list[Finding]:
    """The findings of one rule."""
    return [f for f in findings if f.rule == rule]


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line containing ``fragment``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in text")
