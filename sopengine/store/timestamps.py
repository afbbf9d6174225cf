"""How the ledger stores instants: naive UTC, and on SQLite as integer microseconds.

SQLAlchemy's SQLite ``DateTime`` writes 26-character text; an apply of 10,000
groups writes four instants per action into the table and its indexes, so text
costs about a quarter of the bytes written. Integers are compact, compare
correctly and round-trip exactly. The column's DDL stays ``DATETIME`` (so the
migrated schema is unchanged); PostgreSQL keeps its native ``timestamp``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

EPOCH = datetime(1970, 1, 1)


def to_micros(value: datetime) -> int:
    """A naive UTC datetime as integer microseconds since the Unix epoch."""
    delta = value - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@lru_cache(maxsize=65_536)  # a ledger holds few distinct instants: every group's 08:00 is the same one
def from_micros(value: int) -> datetime:
    """Inverse of :func:`to_micros`."""
    return EPOCH + timedelta(microseconds=value)


class _SqliteMicros(TypeEngine[Any]):
    """DDL ``DATETIME``, values passed to the driver as they are (integers)."""

    __visit_name__ = "DATETIME"


class UtcDateTime(TypeDecorator[datetime]):
    """A naive UTC ``datetime`` column (integer microseconds on SQLite, ``timestamp`` elsewhere)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return _SqliteMicros()
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return to_micros(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or dialect.name != "sqlite":
            return value
        if isinstance(value, str):  # written before migration 0004
            return datetime.fromisoformat(value)
        return from_micros(int(value))
