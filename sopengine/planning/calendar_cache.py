"""An on-disk cache of what the ``holidays`` package says, per installed version of it.

Asking ``holidays`` for one country imports every country module it has
(about 140 ms here, most of a ``sopengine plan``), because its ``countries``
package imports them all. What a calendar needs from it is small and fixed
for a given version: each year's holidays (with names) and working days. So
that is kept in one JSON file per ``holidays`` version under
``$XDG_CACHE_HOME/sopengine`` (``~/.cache/sopengine``), and the package is
imported only for something not cached yet. A new version is a new file;
an unreadable file counts as empty; a cache that cannot be written is
simply not written (it only ever saves time).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Mapping

#: Bumped when the file's layout changes (old files are then ignored).
FORMAT = 2


def default_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CACHE_HOME/sopengine`` (``~/.cache/sopengine`` when unset)."""
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sopengine"


def holidays_version() -> str:
    """The installed ``holidays`` version (read from its metadata, without importing it)."""
    try:
        return version("holidays")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class YearDays:
    """One country's year: holiday names by ISO date, ``workdays[n]`` == "1" when day ``n``
    (0 = 1 January) is a working day (make-up weekend workdays included), and ``breaks[n]`` ==
    "1" when it is a day of an official break (放假: the days off around a holiday, weekends in
    it included)."""

    holidays: dict[str, str]
    workdays: str
    breaks: str = ""


@dataclass
class CalendarCache:
    """The cache file for one ``holidays`` version (loaded on first use, rewritten on each addition)."""

    path: Path
    _data: dict[str, Any] | None = field(default=None, repr=False)

    @classmethod
    def default(cls) -> "CalendarCache":
        return cls(default_dir() / f"calendars-holidays-{holidays_version()}.json")

    def supported(self) -> list[str] | None:
        """The country codes, if cached."""
        value = self._load().get("supported")
        return list(value) if isinstance(value, list) else None

    def set_supported(self, codes: list[str]) -> None:
        self._load()["supported"] = sorted(codes)
        self._save()

    def year(self, country: str, year: int) -> YearDays | None:
        """One country's year, if cached."""
        entry = self._load().get("countries", {}).get(country, {}).get(str(year))
        if not isinstance(entry, dict):
            return None
        return YearDays(dict(entry.get("holidays", {})), str(entry.get("workdays", "")), str(entry.get("breaks", "")))

    def set_year(self, country: str, year: int, days: YearDays) -> None:
        countries = self._load().setdefault("countries", {})
        countries.setdefault(country, {})[str(year)] = {"holidays": days.holidays, "workdays": days.workdays,
                                                        "breaks": days.breaks}
        self._save()

    def published(self, country: str) -> tuple[bool, int | None] | None:
        """(cached, last year whose official schedule ``holidays`` has, or None: the country's
        days follow fixed rules), if cached."""
        entry = self._load().get("published", {})
        if country not in entry:
            return None
        value = entry[country]
        return True, int(value) if isinstance(value, int) else None

    def set_published(self, country: str, last: int | None) -> None:
        self._load().setdefault("published", {})[country] = last
        self._save()

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = None
            valid = isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("countries"), dict)
            self._data = data if valid else {"format": FORMAT, "countries": {}}
        return self._data

    def _save(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=".calendars-", suffix=".json")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self._data, out, ensure_ascii=False)
            os.replace(temp, self.path)  # readers see the old file or the new one, never half of one
        except OSError:
            Path(temp).unlink(missing_ok=True)
