"""A small ledger world the store's tests share: a ten-day camp SOP, its groups, its days."""

from __future__ import annotations

import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sopengine import load_sop
from sopengine.model.group import Group
from sopengine.store.tables import actions

SH = ZoneInfo("Asia/Shanghai")

CAMP = """
sop: camp
timezone: Asia/Shanghai
lifetime: 10d
match: {tags: [camp]}
steps:
  - id: morning
    kind: morning_post
    cron: "0 8 * * *"
    days: 1-9
    text: "早安 第{{ day }}天"
  - id: topic
    kind: topic
    cron: "30 20 * * *"
    days: 1-9
    text: "话题"
  - id: rules
    kind: rules
    at: day 0 10:00
    text: 群规
  - id: bye
    kind: dissolution
    at: day 10 20:00
    notice: 再见
"""


def camp(text: str = CAMP):
    return load_sop(Path("camp.yaml"), text=textwrap.dedent(text))


def groups(n: int = 2) -> list[Group]:
    return [Group(f"g{i}", f"群{i}", date(2026, 9, 19), ("camp",), {"members": 50}, {"wechat": {"operator": "小雅"}})
            for i in range(n)]


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 9, 19, hour, tzinfo=SH) + timedelta(days=day)


def rows(store):
    with store.engine.connect() as conn:
        return {r.key: r for r in conn.execute(select(actions))}
