"""A camp SOP whose step carries a poster and a link card, in a folder of its own: what the
content tests (loading, channels, the workspace page) share."""

from __future__ import annotations

import base64
import textwrap
from zoneinfo import ZoneInfo

from sopengine import load_workspace

SH = ZoneInfo("Asia/Shanghai")
#: The smallest PNG there is: one transparent pixel.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg"
                       "AAAABJRU5ErkJggg==")

SOP = """
sop: camp
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [camp]}
channel: {channel}
steps:
  - id: poster
    kind: message
    at: day 1 08:00
    text: 今晚8点直播，海报见下图
    image: {image}
    link: {title: 第1课回放, url: "https://example.com/replay/1", description: 45分钟, picture: "https://example.com/c.jpg"}
"""

GROUPS = """
groups:
  - id: g1
    name: 一群
    start: 2026-09-30
    tags: [camp]
    channels: {wechat: {operator: 小雅}, wecom: {webhook_env: K}, dingtalk: {webhook_env: D}, feishu: {webhook_env: F}}
"""


def workspace(tmp_path, host, channel="wechat", image="posters/day1.png", extra=""):  # type: ignore[no-untyped-def]
    (tmp_path / "posters").mkdir(exist_ok=True)
    (tmp_path / "posters" / "day1.png").write_bytes(PNG)
    (tmp_path / "camp.yaml").write_text(textwrap.dedent(SOP).replace("{channel}", channel)
                                        .replace("{image}", image) + extra, encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    return load_workspace([tmp_path / "camp.yaml"], [tmp_path / "groups.yaml"], host.load_options())
