"""A realistic fleet as an agency's files hold it: the shipped SOPs, and a groups file of N
groups whose starts spread over a year, each with its own pool of topics, many in several SOPs.

Unlike the clones of section 1 (one timing, one plan copied N times), every group here has its
own dates and its own texts, so nothing can be planned once and copied.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from .fixtures import ROOT

FIRST_START = date(2026, 1, 5)
SPREAD_DAYS = 365
#: (tags, share of the fleet): camps and courses also belong to the brand's fan community.
MIX = [
    (["learning", "camp", "fans"], 0.35),
    (["course", "learning"], 0.15),
    (["flash-sale"], 0.20),
    (["fission"], 0.10),
    (["learning", "camp"], 0.20),
]
OPERATORS = [("xiaoya", "小雅"), ("ajie", "阿杰"), ("nuannuan", "暖暖妈")]
TOPICS = ["你做的第一款烘焙作品是什么？", "晒晒你家的烤箱，用了几年了？", "你心中排名第一的面包是哪一款？",
          "烘焙路上你踩过最大的坑是什么？", "低糖配方怎么减糖还好吃？", "只能推荐一件工具，你推荐什么？"]
#: The SOP files the fleet runs: four with a lifetime, and the persistent fan group.
SOP_FILES = ["learning-camp-21d.yaml", "course-weekly-live.yaml", "flash-sale-3d.yaml", "lead-magnet-fission.yaml",
             "fan-group.yaml"]


def write_fleet(folder: Path, n: int, seed: int = 20) -> tuple[Path, Path]:
    """SOP folder and groups file for ``n`` groups under ``folder``; the same ``seed``, the same files."""
    sops = folder / "sops"
    if sops.exists():
        shutil.rmtree(sops)
    sops.mkdir(parents=True)
    for name in SOP_FILES:
        shutil.copy(ROOT / "sops" / name, sops / name)
    shutil.copytree(ROOT / "sops" / "pools", sops / "pools")
    rng = random.Random(seed)
    lines = ["# 一年里陆续开的群：开营日各不相同，每个群有自己的话题池。", "operators:"]
    lines += [f"  - {{id: {i}, name: {name}}}" for i, name in OPERATORS]
    lines.append("groups:")
    weights = [w for _, w in MIX]
    for i in range(n):
        tags = rng.choices([t for t, _ in MIX], weights)[0]
        start = FIRST_START + timedelta(days=rng.randrange(SPREAD_DAYS))
        operator = OPERATORS[i % len(OPERATORS)][1]
        topics = rng.sample(TOPICS, 3)
        lines += [
            f"  - id: g{i:06d}",
            f"    name: 第{i + 1}群·{start:%m月%d日}开营",
            f"    start: {start.isoformat()}",
            f"    tags: [{', '.join(tags)}]",
            f"    members: {rng.randrange(20, 480)}",
            "    channels:",
            f"      wechat: {{operator: {operator}}}",
            "    pools:",
            "      topics:",
            *[f"        - {t}" for t in topics],
        ]
    groups = folder / "groups.yaml"
    groups.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sops, groups
