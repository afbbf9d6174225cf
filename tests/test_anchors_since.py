"""Planning a window late in a group's life counts the earlier occurrences instead of listing
them; what it gives is exactly the whole list cut at the window."""

from __future__ import annotations

import random
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sopengine import load_sop
from sopengine.model.group import Group
from sopengine.planning.planner import anchors_since, occurrence_anchors

CRONS = ["0 8 * * *", "30 20 * * 1-5", "0 9 1,15 * *", "*/30 9-10 * * 6", "0 2 * * *", "30 1 * * 0",
         "0 12 */3 * *"]
DAYS = [None, "3-", "0-400"]


def sop_with(cron: str, days: str | None, zone: str, lifetime: str | None):  # type: ignore[no-untyped-def]
    text = textwrap.dedent(f"""
        sop: s
        timezone: {zone}
        {"lifetime: " + lifetime if lifetime else ""}
        match: {{tags: [t]}}
        steps:
          - id: post
            kind: message
            cron: "{cron}"
            {"days: " + repr(days) if days else ""}
            text: hi
        """)
    return load_sop(Path("s.yaml"), text=text)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York", "Europe/Berlin"])
@pytest.mark.parametrize("seed", range(6))
def test_counting_gives_what_listing_gives(zone: str, seed: int) -> None:
    rng = random.Random(f"{zone}{seed}")
    tz = ZoneInfo(zone)
    for _ in range(8):
        sop = sop_with(rng.choice(CRONS), rng.choice(DAYS), zone, rng.choice([None, "500d"]))
        step = sop.steps[0]
        start = date(2022, 1, 1) + timedelta(days=rng.randrange(900))
        group = Group("g", "群", start, ("t",), {})
        since = datetime.combine(start + timedelta(days=rng.randrange(1, 1400)), datetime.min.time(), tz) + \
            timedelta(minutes=rng.randrange(24 * 60))
        until = since + timedelta(days=rng.randrange(1, 40))
        whole = occurrence_anchors(sop, step, group, until)
        cut = sum(1 for a in whole if a < since)
        assert anchors_since(sop, step, group, since, until) == (cut, whole[cut:]), (step.cron, step.days, start)
