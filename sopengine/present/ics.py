"""Plans as an iCalendar file operators can import into their calendar."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Mapping, Sequence

from icalendar import Alarm, Calendar, Event

from sopengine.words import say
from sopengine.planning.planner import PlannedAction
from sopengine.present.labels import kind_label

EVENT_LENGTH = timedelta(minutes=15)
#: How long before each action the operator's phone rings (a VALARM), unless told otherwise.
DEFAULT_ALARM = timedelta(minutes=10)


def plan_ics(actions: Sequence[PlannedAction], name: str = "sopengine", *,
             group_names: Mapping[str, str] | None = None, alarm: timedelta | None = DEFAULT_ALARM) -> bytes:
    """A VCALENDAR with one VEVENT per action (UID = action key), titled with the group's name
    (``group_names``), each with a display alarm ``alarm`` before it (None: none). Deterministic:
    the same plan gives byte-identical files (time zones in a fixed order)."""
    cal = Calendar()
    cal.add("prodid", "-//sopengine//plan//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    for action in actions:
        event = Event()
        event.add("uid", f"{action.key}@sopengine")
        # DTSTAMP is required; the due time keeps the file reproducible (no clock).
        event.add("dtstamp", action.due.astimezone(timezone.utc))
        event.add("dtstart", action.due)
        event.add("dtend", action.due + EVENT_LENGTH)
        group = (group_names or {}).get(action.group, action.group)
        event.add("summary", f"【{kind_label(action.kind, action.part)}】{group} · {action.step}")
        description = str(action.payload.get("text", ""))
        if action.when:
            description += "\n\n" + say("ics.when", when=action.when)
        event.add("description", description)
        event.add("categories", [action.kind])
        if alarm is not None:
            reminder = Alarm()
            reminder.add("action", "DISPLAY")
            reminder.add("description", f"{group}：{kind_label(action.kind, action.part)}")
            reminder.add("trigger", -alarm)
            event.add_component(reminder)
        cal.add_component(event)
    cal.add_missing_timezones()
    # VTIMEZONE blocks first, sorted by TZID, then the events in plan order: two exports of one plan
    # are byte-identical whatever order the zones were met in
    zones = sorted((c for c in cal.subcomponents if c.name == "VTIMEZONE"), key=lambda c: str(c.get("tzid")))
    events = [c for c in cal.subcomponents if c.name != "VTIMEZONE"]
    cal.subcomponents[:] = [*zones, *events]
    return cal.to_ical()
