"""Notice settings in groups files: a file's ``notices:`` defaults under each operator's own, and
every mistake (where notices go, a time, a template) an error at its line at validate time."""

from __future__ import annotations

import textwrap
from datetime import time, timedelta

from sopengine import load_workspace

SOP = """
sop: camp
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [camp]}
channel: wechat
steps:
  - {id: morning, kind: morning_post, cron: "0 8 * * *", days: 1-3, text: 早安}
"""

GROUPS = """
notices:
  digest: "07:30"
  remind: 15m
  timezone: Asia/Shanghai
  templates:
    reminder: "{{ operator }} 还有 {{ minutes }} 分钟：{% for t in tasks %}{{ t.group }}{% endfor %}"
operators:
  - {id: xiaoya, name: 小雅, notify: {channel: email, to: xiaoya@example.com}}
  - {id: ajie, name: 阿杰, notify: {channel: console}, remind: "off", digest: "09:00", timezone: Europe/Berlin}
  - {id: nuannuan, name: 暖暖妈, role: lead, notify: {channel: console}, escalate: false}
groups:
  - {id: g1, name: 一群, start: 2026-09-30, tags: [camp], channels: {wechat: {operators: [小雅, 阿杰]}}}
"""


def load(tmp_path, host, groups):  # type: ignore[no-untyped-def]
    (tmp_path / "camp.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(groups), encoding="utf-8")
    return load_workspace([tmp_path / "camp.yaml"], [tmp_path / "groups.yaml"], host.load_options())


def errors(ws):  # type: ignore[no-untyped-def]
    return [(p.line, p.message) for p in ws.problems if p.severity == "error"]


def test_file_defaults_then_each_operator_own(tmp_path, host):
    ws = load(tmp_path, host, GROUPS)
    assert errors(ws) == []
    xiaoya, ajie, lead = ws.operators
    assert (xiaoya.notices.digest, xiaoya.notices.remind) == (time(7, 30), timedelta(minutes=15))
    assert "还有" in xiaoya.notices.templates["reminder"]
    assert (ajie.notices.digest, ajie.notices.remind, ajie.notices.timezone) == (time(9), None, "Europe/Berlin")
    assert lead.notices.escalate is False and xiaoya.notices.escalate is True
    assert xiaoya.notify_channel == "email" and xiaoya.notify_settings == {"to": "xiaoya@example.com"}


def test_where_notices_go_is_checked_at_its_line(tmp_path, host):
    groups = GROUPS.replace("{channel: email, to: xiaoya@example.com}", "{channel: pigeon}")
    groups = groups.replace("notify: {channel: console}, remind", "notify: {channel: wechat}, remind")
    groups = groups.replace("notify: {channel: console}, escalate", "notify: {channel: email}, escalate")
    found = errors(load(tmp_path, host, groups))
    assert [line for line, _ in found] == [9, 10, 11]
    assert "notify channel 'pigeon' is not installed" in found[0][1]
    assert "hands work to people" in found[1][1]
    assert "notify (email): needs to" in found[2][1] and "operator 'nuannuan'" in found[2][1]


def test_a_notify_without_a_channel_is_an_error(tmp_path, host):
    found = errors(load(tmp_path, host, GROUPS.replace("{channel: console}, remind", "{webhook_env: HOOK}, remind")))
    assert found == [(10, "operator 'ajie': notify needs `channel:` (where notices reach them) and that "
                          "channel's settings")]


def test_bad_times_durations_zones_and_templates_are_errors_at_their_line(tmp_path, host):
    groups = (GROUPS.replace('digest: "07:30"', 'digest: "早上8点"').replace("remind: 15m", "remind: 15 minutes")
              .replace("timezone: Europe/Berlin", "timezone: Mars/Olympus"))
    found = errors(load(tmp_path, host, groups))
    assert sorted(line for line, _ in found) == [3, 4, 10], found
    text = " ".join(message for _, message in found)
    assert "HH:MM" in text and "15 minutes" in text and "Mars/Olympus" in text
    broken = errors(load(tmp_path, host, GROUPS.replace("{% for t in tasks %}", "{% for t in tasks %")))
    assert [line for line, _ in broken] == [7] and "reminder template" in broken[0][1]
    unknown = errors(load(tmp_path, host, GROUPS.replace("{{ minutes }}", "{{ minutes_left }}")))
    assert [line for line, _ in unknown] == [7] and "minutes_left" in unknown[0][1]
