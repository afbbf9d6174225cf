"""Execution figures read from a store: the records of a span, and who each counts for."""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Collection, Iterable, Mapping

from sopengine.reports.execution import ExecutionLine, operator_execution, who_did
from sopengine.model.operators import Roster
from sopengine.store import DataStore, ExecutionRecord, ExecutionTally


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


def tally_figures(tallies: Iterable[ExecutionTally], manual: Collection[str],
                  group_ops: Mapping[str, tuple[str, ...]], roster: Roster
                  ) -> tuple[list[ExecutionLine], ExecutionLine]:
    """Execution by operator of ``tallies`` (:meth:`DataStore.execution_tally`), each counted for
    who confirmed it, else its group's first operator (``group_ops``) on a channel people work
    (``manual``): what a lead's page shows of a fleet's day."""
    def operator_of(tally: ExecutionTally) -> str:
        return who_did(tally, lambda g: group_ops.get(g, ()), manual.__contains__,
                       lambda ref: roster.resolve(ref).name)

    return operator_execution(tallies, operator_of)
