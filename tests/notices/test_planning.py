"""Which notices tasks call for (pure): reminders and escalations shared by tasks of one moment,
digests per local day (right across a change of daylight saving time), only for people reached."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sopengine.model.notices import NoticeSettings
from sopengine.model.operators import Operator, Roster
from sopengine.notices.planning import LATE, TaskSlot, plan_notices

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
PAGER = {"channel": "console"}


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = SH) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=zone)


def slot(key: str, due: datetime, *who: str, grace: timedelta = timedelta(hours=1)) -> TaskSlot:
    return TaskSlot(key, due, due + grace, who)


XIAOYA = Operator("xiaoya", "小雅", notify=PAGER, notices=NoticeSettings(digest=time(7, 30)))
AJIE = Operator("ajie", "阿杰", notify=PAGER, notices=NoticeSettings(remind=timedelta(minutes=15), escalate=False))
LEAD = Operator("nuannuan", "暖暖妈", "lead", notify=PAGER, notices=NoticeSettings(remind=None))
SILENT = Operator("mute", "沉默", notices=NoticeSettings(digest=time(8)))  # no notify: told nothing
ROSTER = Roster((XIAOYA, AJIE, LEAD, SILENT))


def by_key(notices):  # type: ignore[no-untyped-def]
    return {n.key: n for n in notices}


def test_tasks_of_one_moment_share_a_reminder_and_each_person_gets_their_own():
    slots = [slot("s/morning/g1/2026-10-01T08:00", at(1, 8), "xiaoya", "ajie"),
             slot("s/morning/g2/2026-10-01T08:00", at(1, 8), "xiaoya")]
    found = by_key(plan_notices(slots, ROSTER, at(1, 0)))
    mine = found["reminder/xiaoya/2026-10-01T08:00+08:00"]
    assert mine.due == at(1, 7, 50) and mine.about == at(1, 8) and mine.channel == "console"
    assert set(mine.tasks) == {s.key for s in slots}
    his = found["reminder/ajie/2026-10-01T08:00+08:00"]
    assert his.due == at(1, 7, 45) and set(his.tasks) == {"s/morning/g1/2026-10-01T08:00"}
    assert not any(k.startswith(("reminder/nuannuan", "reminder/mute")) for k in found)  # off / not reached


def test_a_digest_per_person_per_local_day_at_their_time():
    slots = [slot("s/a/g1/x", at(1, 8), "xiaoya"), slot("s/b/g1/y", at(1, 20), "xiaoya"),
             slot("s/a/g1/z", at(2, 8), "xiaoya")]
    digests = [n for n in plan_notices(slots, ROSTER, at(1, 0)) if n.kind == "digest"]
    assert [(n.key, n.due, len(n.tasks)) for n in digests] == [
        ("digest/xiaoya/2026-10-01", at(1, 7, 30), 2), ("digest/xiaoya/2026-10-02", at(2, 7, 30), 1)]


def test_digest_time_stays_local_across_the_change_of_daylight_saving_time():
    berliner = Operator("lena", "Lena", notify=PAGER,
                        notices=NoticeSettings(digest=time(8), remind=None, timezone="Europe/Berlin"))
    slots = [slot(f"s/a/g1/{d}", at(d, 12, zone=BERLIN), "lena") for d in (24, 25, 26)]  # summer time ends 25th
    digests = [n for n in plan_notices(slots, Roster((berliner,)), at(24, 0, zone=BERLIN)) if n.kind == "digest"]
    assert [n.due.astimezone(BERLIN).strftime("%d %H:%M %Z") for n in digests] == [
        "24 08:00 CEST", "25 08:00 CET", "26 08:00 CET"]
    assert [n.due.utcoffset() for n in digests] == [timedelta(hours=2), timedelta(hours=1), timedelta(hours=1)]


def test_overdue_tasks_are_escalated_to_the_leads_with_whose_they_are():
    slots = [slot("s/a/g1/x", at(1, 8), "xiaoya"), slot("s/a/g2/x", at(1, 8), "ajie"),
             slot("s/a/g3/x", at(1, 8), "nuannuan")]
    found = by_key(plan_notices(slots, ROSTER, at(1, 0)))
    escalation = found["escalation/nuannuan/2026-10-01T09:00+08:00"]
    assert escalation.due == at(1, 9) and escalation.operator == "nuannuan"
    # 阿杰 does not escalate; the lead's own task is not escalated to herself
    assert dict(escalation.tasks) == {"s/a/g1/x": ("xiaoya",)}
    assert [k for k in found if k.startswith("escalation/")] == ["escalation/nuannuan/2026-10-01T09:00+08:00"]


def test_what_is_already_too_late_is_not_planned():
    slots = [slot("s/a/g1/x", at(1, 8), "xiaoya")]
    # at 08:00 the reminder's task is due: no reminder; the 07:30 digest is still worth sending
    assert {n.kind for n in plan_notices(slots, ROSTER, at(1, 8))} == {"digest", "escalation"}
    # more than LATE after 07:30 it is not
    assert {n.kind for n in plan_notices(slots, ROSTER, at(1, 7, 30) + LATE + timedelta(seconds=1))} == {"escalation"}


def test_nobody_reached_means_no_notices():
    quiet = Roster((Operator("xiaoya", "小雅"), Operator("nuannuan", "暖暖妈", "lead")))
    assert plan_notices([slot("s/a/g1/x", at(1, 8), "xiaoya")], quiet, at(1, 0)) == []
