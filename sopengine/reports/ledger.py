"""Execution figures read from a store: the records of a span, and who each counts for."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Collection

from sopengine.reports.execution import who_did
from sopengine.store import DataStore, ExecutionRecord


def figures(store: DataStore, manual: Collection[str], since: datetime | None,
            until: datetime | None) -> tuple[list[ExecutionRecord], Callable[[ExecutionRecord], str]]:
    """The span's records, and who each counts for (by name), read from ``store``."""
    records = store.execution_records(since, until)
    group_ops = store.group_operators_of(live=False)
    roster = store.roster()

    def operator_of(record: ExecutionRecord) -> str:
        return who_did(record, lambda g: group_ops.get(g, ()), manual.__contains__,
                       lambda ref: roster.resolve(ref).name)

    return records, operator_of
