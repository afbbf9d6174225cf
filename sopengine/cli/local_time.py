"""Times as the people reading them live them: in the SOP's zone (its keys and sheets are too),
or ``--tz``; JSON keeps ISO 8601 with the offset."""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click


class Zone(click.ParamType):
    """An IANA timezone name (Asia/Shanghai)."""

    name = "zone"

    def convert(self, value: Any, param: Any, ctx: Any) -> ZoneInfo:
        if isinstance(value, ZoneInfo):
            return value
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.fail(f"unknown timezone {value!r} (an IANA name, e.g. Asia/Shanghai)", param, ctx)


TZ_OPTION = click.option("--tz", "tz", type=Zone(), default=None,
                         help="Show times in this zone (default: each SOP's own, as its keys are).")


def zone_of(sop_id: str | None, zones: Mapping[str, tzinfo], override: tzinfo | None) -> tzinfo:
    """The zone times of ``sop_id`` are shown in: ``override``, else the SOP's, else UTC."""
    return override or (zones.get(sop_id) if sop_id else None) or timezone.utc


def common_zone(zones: Mapping[str, tzinfo], override: tzinfo | None) -> tzinfo:
    """One zone for times that belong to no SOP: ``override``, else the SOPs' if they share one, else UTC."""
    if override is not None:
        return override
    distinct = {str(z) for z in zones.values()}
    return next(iter(zones.values())) if len(distinct) == 1 else timezone.utc


def local(instant: datetime | None, zone: tzinfo, fmt: str = "%m-%d %H:%M") -> str:
    """``instant`` in ``zone`` (empty for None)."""
    return instant.astimezone(zone).strftime(fmt) if instant else ""


def zone_name(zone: tzinfo) -> str:
    return "UTC" if zone is timezone.utc else str(zone)
