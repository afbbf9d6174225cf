"""Pure planning: SOP + group + window → timed actions; time arithmetic and work calendars."""
