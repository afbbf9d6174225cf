"""Plans as an iCalendar file operators can import into their calendar."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Sequence

from icalendar import Calendar, Event

from sopengine.planning.planner import PlannedAction
from sopengine.present.labels import kind_label

EVENT_LENGTH = timedelta(minutes=15)


def plan_ics(actions: Sequence[PlannedAction], name: str = "sopengine") -> bytes:
    """A VCALENDAR with one VEVENT per action (UID = action key; deterministic output)."""
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
        event.add("summary", f"【{kind_label(action.kind, action.part)}】{action.group} · {action.step}")
        description = str(action.payload.get("text", ""))
        if action.when:
            description += f"\n\n条件：{action.when}"
        event.add("description", description)
        event.add("categories", [action.kind])
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
