"""Notices over a virtual life, on SQLite and PostgreSQL: each sent once at its local time,
through the daemon, retried; cancelled when the task is done early, skipped, paused or moved."""

from __future__ import annotations

import textwrap
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sopengine import load_workspace
from sopengine.channels import Retryable
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine_wechat import WeChatTaskChannel

from ..channels_for_tests import RecordingChannel, fail_times

SH = ZoneInfo("Asia/Shanghai")

SOP = """
sop: camp
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [camp]}
channel: wechat
steps:
  - {id: morning, kind: morning_post, cron: "{cron}", days: 1-3, text: 早安，今天也要加油}
"""

GROUPS = """
notices:
  digest: "07:30"
  workspace_url: https://ops.example.com/sop
operators:
  - {id: xiaoya, name: 小雅, notify: {channel: console}}
  - {id: nuannuan, name: 暖暖妈, role: lead, notify: {channel: console}, remind: "off", digest: "off"}
groups:
  - id: g1
    name: 一群
    start: 2026-09-30
    tags: [camp]
    channels: {wechat: {operator: 小雅}}
  - id: g2
    name: 二群
    start: 2026-09-30
    tags: [camp]
    channels: {wechat: {operator: 小雅}}
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=SH)


def apply(store, host, tmp_path, time="08:00", now=None):  # type: ignore[no-untyped-def]
    cron = f"{int(time[3:])} {int(time[:2])} * * *"
    (tmp_path / "camp.yaml").write_text(textwrap.dedent(SOP.replace("{cron}", cron)), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "camp.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    store.apply(ws.sops, ws.groups, now or at(1, 0), roster=ws.operators)


def run(store, pager, start, until):  # type: ignore[no-untyped-def]
    daemon = Daemon(store, {"wechat": WeChatTaskChannel(), "console": pager}, VirtualClock(start))
    daemon.run(until=until)
    return daemon.stats


def sent(pager):  # type: ignore[no-untyped-def]
    return [(key, payload["text"]) for key, payload in pager.sent]


def test_digest_and_reminder_each_sent_once_at_local_time_then_escalation(store, host, tmp_path):
    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console")
    run(store, pager, at(1, 0), at(1, 12))
    keys = [k for k, _ in sent(pager)]
    assert keys == ["digest/xiaoya/2026-10-01", "reminder/xiaoya/2026-10-01T08:00+08:00",
                    "escalation/nuannuan/2026-10-01T09:00+08:00"]
    digest, reminder, escalation = (text for _, text in sent(pager))
    assert digest.startswith("☀️ 小雅，10月1日 周四 有 2 项社群任务") and "08:00 一群 · 早报" in digest
    assert "https://ops.example.com/sop" in digest
    assert reminder.startswith("⏰ 小雅，10 分钟后（08:00）有 2 项任务要做")
    assert "https://ops.example.com/sop/?date=2026-10-01#task-" in reminder
    assert escalation.startswith("⚠️ 2 项社群任务已逾期未确认") and "小雅：" in escalation
    when = {n.key: n.finished_at for n in store.list_notices()}
    assert when["digest/xiaoya/2026-10-01"] == at(1, 7, 30)
    assert when["reminder/xiaoya/2026-10-01T08:00+08:00"] == at(1, 7, 50)
    # running the same span again sends nothing twice
    run(store, pager, at(1, 0), at(1, 12))
    assert [k for k, _ in sent(pager)] == keys
    assert {n.state for n in store.list_notices(until=at(1, 12))} == {"sent"}


def test_done_early_skip_and_pause_cancel_what_is_left_to_say(store, host, tmp_path):
    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console")
    run(store, pager, at(1, 0), at(1, 6))  # the day's notices are planned by now
    assert {n.key for n in store.list_notices(until=at(1, 12))} == {
        "digest/xiaoya/2026-10-01", "reminder/xiaoya/2026-10-01T08:00+08:00",
        "escalation/nuannuan/2026-10-01T09:00+08:00"}
    keys = {a.group: a.key for a in store.list_actions(since=at(1, 0), until=at(1, 12))}
    store.mark_done(keys["g1"], at(1, 6))  # done before anything was said
    store.skip(keys["g2"], "群里在直播，今天不发", at(1, 6))
    run(store, pager, at(1, 6), at(1, 12))
    assert sent(pager) == []
    assert {n.state for n in store.list_notices(until=at(1, 12))} == {"cancelled"}
    # a paused group's tasks are not reminded of; the planned notices are cancelled when due
    store.set_paused(group="g1", paused=True, now=at(1, 12))
    store.set_paused(group="g2", paused=True, now=at(1, 12))
    run(store, pager, at(1, 12), at(2, 12))
    assert sent(pager) == []
    assert {n.state for n in store.list_notices(since=at(2, 0), until=at(2, 12))} <= {"cancelled"}


def test_a_task_confirmed_between_digest_and_reminder_gets_no_reminder(store, host, tmp_path):
    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console")
    run(store, pager, at(1, 0), at(1, 7, 40))
    for a in store.list_actions(since=at(1, 0), until=at(1, 12)):
        store.mark_done(a.key, at(1, 7, 40))
    run(store, pager, at(1, 7, 40), at(1, 12))
    assert [k for k, _ in sent(pager)] == ["digest/xiaoya/2026-10-01"]
    reminder = {n.key: n for n in store.list_notices()}["reminder/xiaoya/2026-10-01T08:00+08:00"]
    assert reminder.state == "cancelled" and "done" in (reminder.reason or "")


def test_an_edit_moving_the_task_moves_its_reminder(store, host, tmp_path):
    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console")
    run(store, pager, at(1, 0), at(1, 6))
    apply(store, host, tmp_path, time="09:00", now=at(1, 6))
    run(store, pager, at(1, 6), at(1, 12))
    keys = [k for k, _ in sent(pager)]
    assert "reminder/xiaoya/2026-10-01T09:00+08:00" in keys
    assert "reminder/xiaoya/2026-10-01T08:00+08:00" not in keys
    old = {n.key: n for n in store.list_notices()}["reminder/xiaoya/2026-10-01T08:00+08:00"]
    assert old.state == "cancelled"


def test_a_failed_send_is_retried_and_recorded(store, host, tmp_path):
    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console", script=fail_times(2, Retryable("503", retry_after=timedelta(seconds=30))))
    run(store, pager, at(1, 0), at(1, 8))
    notice = {n.key: n for n in store.list_notices()}["digest/xiaoya/2026-10-01"]
    assert notice.state == "sent" and notice.attempts == 3
    assert pager.calls["digest/xiaoya/2026-10-01"] == 3
    assert len([k for k, _ in pager.sent if k == "digest/xiaoya/2026-10-01"]) == 1


@pytest.mark.parametrize("days", [3])
def test_a_whole_life_sends_each_notice_once(store, host, tmp_path, days):
    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console")
    stats = run(store, pager, at(1, 0), at(1 + days, 0))
    keys = [k for k, _ in sent(pager)]
    assert len(keys) == len(set(keys)) == 9  # a digest, a reminder and an escalation each day
    assert stats.notices_by_state == {"sent": 9}


BERLIN_SOP = """
sop: club
timezone: Europe/Berlin
lifetime: 4d
match: {tags: [club]}
channel: wechat
steps:
  - {id: noon, kind: message, cron: "0 12 * * *", days: 1-3, text: Mahlzeit}
"""

BERLIN_GROUPS = """
operators:
  - {id: lena, name: Lena, notify: {channel: console}, digest: "08:00", remind: 30m, timezone: Europe/Berlin}
groups:
  - {id: b1, name: Berlin 1, start: 2026-10-23, tags: [club], channels: {wechat: {operator: lena}}}
"""


def test_digests_and_reminders_keep_local_time_across_the_end_of_summer_time(store, host, tmp_path):
    (tmp_path / "club.yaml").write_text(textwrap.dedent(BERLIN_SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(BERLIN_GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "club.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 23, tzinfo=berlin)
    store.apply(ws.sops, ws.groups, start, roster=ws.operators)
    pager = RecordingChannel(name="console")
    run(store, pager, start, datetime(2026, 10, 27, tzinfo=berlin))
    sent_at = {n.key: n.finished_at.astimezone(berlin) for n in store.list_notices() if n.state == "sent"}
    assert sorted(t.strftime("%d %H:%M %Z") for k, t in sent_at.items() if k.startswith("digest/")) == [
        "24 08:00 CEST", "25 08:00 CET", "26 08:00 CET"]  # summer time ends on the 25th at 03:00
    assert sorted(t.strftime("%d %H:%M %Z") for k, t in sent_at.items() if k.startswith("reminder/")) == [
        "24 11:30 CEST", "25 11:30 CET", "26 11:30 CET"]


def test_notices_speak_the_teams_language(store, host, tmp_path):
    from sopengine.words import speaking

    apply(store, host, tmp_path)
    pager = RecordingChannel(name="console")
    with speaking("en"):
        run(store, pager, at(1, 0), at(1, 8))
    digest, reminder = (text for _, text in sent(pager))
    assert digest.startswith("☀️ 小雅, 2 group tasks on 10/1 Thu:") and "08:00 一群 · morning post" in digest
    assert reminder.startswith("⏰ 小雅, 2 tasks in 10 minutes (08:00):")
