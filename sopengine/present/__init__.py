"""Renderings of plans and ledgers for people (tables, calendars)."""
