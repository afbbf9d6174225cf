"""The lead's figures are counted in SQL, not from a rendered board: they must say the same."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sopengine.model.operators import Operator
from sopengine.operators.board import NEEDS_A_PERSON, Viewer, build_board, day_span, task_tally, team_counts
from sopengine.plugins import load_plugins

from .conftest import NOON, SH

LEAD = Viewer(Operator("-", "-", "lead"), lead=True)


def board_team(board, roster, group_ops):  # type: ignore[no-untyped-def]
    """The team table as the board's sections give it, task by task (what it was built from)."""
    tally: Counter[tuple[str, int]] = Counter()
    for t in board.tasks:
        column = {"now": 0, "next": 0, "overdue": 1, "done": 2}.get(t.section)
        for ref in group_ops.get(t.row.task.group_id, ()) if column is not None else ():
            tally[roster.resolve(ref).id, column] += 1
    return {op: [tally[op, c] for c in range(3)] for op in {roster.resolve(r).id for refs in group_ops.values()
                                                             for r in refs}}


def test_the_team_table_counted_in_sql_matches_the_board_task_by_task(workspace):
    store, readers = workspace.store, load_plugins().operator_readers()
    day = NOON.astimezone(SH).date()
    handed = [t for t in build_board(store, readers, LEAD, day, SH, NOON).tasks if t.row.state == "due"]
    assert len(handed) >= 4
    store.mark_done(handed[0].row.task.key, NOON, "operator:xiaoya")
    store.skip(handed[1].row.task.key, "群里在忙", NOON)
    store.sweep_deadlines(NOON + timedelta(days=1), ["wechat"], "test")  # the rest of the morning: overdue

    later = NOON + timedelta(days=1)
    board = build_board(store, readers, LEAD, day, SH, later)
    roster, group_ops = store.roster(), store.group_operators_of()
    lines = team_counts(task_tally(store.execution_tally(*day_span(day, SH)), readers), roster, group_ops)

    assert {line.operator.id: [line.open, line.overdue, line.done] for line in lines} == board_team(
        board, roster, group_ops)
    assert any(line.overdue for line in lines) and any(line.done for line in lines)


def test_the_lead_page_lists_the_tasks_needing_someone_and_counts_them_all(workspace):
    store = workspace.store
    store.sweep_deadlines(NOON + timedelta(days=1), ["wechat"], "test")
    readers = load_plugins().operator_readers()
    day = NOON.astimezone(SH).date()
    needing = [t for t in build_board(store, readers, LEAD, day, SH, NOON).tasks if t.row.state in NEEDS_A_PERSON]
    assert needing

    listed = build_board(store, readers, LEAD, day, SH, NOON, in_states=NEEDS_A_PERSON, limit=2).tasks

    assert [t.row.task.key for t in listed] == [t.row.task.key for t in needing][:2]
    assert sum(n for (_, state), n in task_tally(store.execution_tally(*day_span(day, SH)), readers).items()
               if state in NEEDS_A_PERSON) == len(needing)


def test_the_days_execution_counted_in_sql_matches_the_report_of_its_records(workspace):
    from datetime import datetime

    from sopengine.reports.execution import COUNTS, execution_report
    from sopengine.reports.ledger import figures, tally_figures

    store, readers = workspace.store, load_plugins().operator_readers()
    day = NOON.astimezone(SH).date()
    handed = [t for t in build_board(store, readers, LEAD, day, SH, NOON).tasks if t.row.state == "due"]
    store.mark_done(handed[0].row.task.key, NOON, "operator:ajie")  # not the group's first operator
    store.mark_done(handed[1].row.task.key, NOON + timedelta(days=1), "operator:xiaoya")  # after its grace
    store.skip(handed[2].row.task.key, "群里在忙", NOON)
    start = datetime.combine(day, datetime.min.time(), tzinfo=SH)
    end = start + timedelta(days=1)

    records, operator_of = figures(store, readers, start, end)
    expected, expected_total = execution_report(records, "operator", SH, operator_of)
    lines, total = tally_figures(store.execution_tally(start, end), readers,
                                 store.group_operators_of(live=False), store.roster())

    def figures_of(line):  # type: ignore[no-untyped-def]
        return [line.label, *(getattr(line, name) for name in COUNTS)]

    assert [figures_of(line) for line in lines] == [figures_of(line) for line in expected]
    assert figures_of(total) == figures_of(expected_total)
    assert total.done >= 2 and total.late >= 1 and total.skipped >= 1
