"""Small builders for tests: SOPs and groups from inline YAML."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

from sopengine import Group, Sop, load_sop


def sop_from_text(text: str, path: str = "inline.yaml") -> Sop:
    """An SOP from inline YAML (dedented)."""
    return load_sop(Path(path), text=textwrap.dedent(text))


def group(gid: str = "g1", start: date = date(2026, 9, 19), tags: tuple[str, ...] = ("camp",),
          **facts: object) -> Group:
    """A group with ``facts`` (members defaults to 100)."""
    facts.setdefault("members", 100)
    return Group(gid, f"测试群{gid}", start, tags, dict(facts))
