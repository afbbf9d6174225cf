"""An operator's day, as the workspace shows it: their tasks in sections (now, overdue, next,
done, needs attention), each with who confirmed it; and the lead's counts per operator.

Read through the store's front door and the core sheet, so the page, the API and ``tasks``
word every task alike. The clock is given (``now``), never read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Collection, Iterable, Mapping
from zoneinfo import ZoneInfo

from sopengine.channels import OperatorsOf
from sopengine.model.operators import Operator, Roster
from sopengine.operators.sheet import RenderCache, build_sheet
from sopengine.operators.tasks import SheetRow
from sopengine.store import Confirmation, DataStore, ExecutionTally

#: The board's sections, in the order a page shows them.
SECTIONS = ("now", "overdue", "attention", "next", "done")
#: How long a confirmation can be taken back.
UNDO_WINDOW = timedelta(minutes=5)
#: States that need a person (a lead's list): failed, missed, or waiting past their grace.
NEEDS_A_PERSON = frozenset({"failed", "missed", "overdue"})


@dataclass(frozen=True)
class Viewer:
    """Who is looking: an operator, who sees their groups' tasks, or a lead, who sees all."""

    operator: Operator
    lead: bool = False

    @property
    def actor(self) -> str:
        """What the ledger records as who did it."""
        return f"operator:{self.operator.id}"


@dataclass(frozen=True)
class BoardTask:
    """A sheet row with where it goes on the board and who confirmed it."""

    row: SheetRow
    section: str
    confirmation: Confirmation | None = None
    can_undo: bool = False
    #: Who confirmed it, as people know them (an operator's id in the ledger, their name here).
    confirmer: Operator | None = None

    @property
    def key(self) -> str:
        return self.row.task.key

    def to_json(self) -> dict[str, Any]:
        """The fields of ``tasks --format json``, plus where it stands and who confirmed it."""
        c = self.confirmation
        return {**self.row.task.as_dict(), "state": self.row.state, "time": self.row.local_time.isoformat(),
                "note": self.row.note, "section": self.section,
                "confirmed_by": c.actor.removeprefix("operator:") if c else None,
                "confirmed_at": c.at.isoformat() if c else None}


@dataclass
class Board:
    """One viewer's day."""

    day: date
    zone: ZoneInfo
    viewer: Viewer
    sections: dict[str, list[BoardTask]] = field(default_factory=lambda: {s: [] for s in SECTIONS})

    @property
    def tasks(self) -> list[BoardTask]:
        return [t for s in SECTIONS for t in self.sections[s]]


def section_of(row: SheetRow, now: datetime, day: date) -> str:
    """Where a task goes: by its state, and for one still to do, by its time against ``now``."""
    if row.state in ("done", "sent"):
        return "done"
    if row.state == "overdue":
        return "overdue"
    if row.state in ("failed", "missed", "skipped", "cancelled") or row.note:
        return "attention"
    if row.local_time <= now or row.state == "due" or day < now.astimezone(row.local_time.tzinfo).date():
        return "now"
    return "next"


def viewer_groups(store: DataStore, viewer: Viewer) -> set[str] | None:
    """The groups a viewer may see (None: all, for a lead)."""
    return None if viewer.lead else store.groups_of_operator(viewer.operator.refs)


def build_board(store: DataStore, readers: Mapping[str, OperatorsOf], viewer: Viewer, day: date, zone: ZoneInfo,
                now: datetime, *, undo_window: timedelta = UNDO_WINDOW, cache: RenderCache | None = None,
                in_states: Collection[str] | None = None, limit: int | None = None) -> Board:
    """``viewer``'s tasks due on ``day`` in ``zone`` on every channel people work (``readers``: a
    channel's way of naming who does a group's tasks); a lead's board holds everyone's. A
    confirmation the viewer made less than ``undo_window`` ago can be taken back. ``in_states``,
    ``limit``: only tasks in those states, the first ``limit`` of each channel by time."""
    board = Board(day, zone, viewer)
    group_ids = viewer_groups(store, viewer)
    if group_ids is not None and not group_ids:
        return board
    refs: Collection[str] | None = None if viewer.lead else viewer.operator.refs
    rows: list[SheetRow] = []
    for channel, read in sorted(readers.items()):
        rows += build_sheet(store, channel, day, zone, read, operator=refs, group_ids=group_ids, cache=cache,
                            in_states=in_states, limit=limit)
    rows.sort(key=lambda r: r.local_time)
    done_keys = [r.task.key for r in rows if r.state == "done"]
    confirmed = store.confirmations(done_keys) if done_keys else {}
    roster = store.roster() if confirmed else Roster()
    for row in rows:
        c = confirmed.get(row.task.key)
        undo = c is not None and c.actor == viewer.actor and c.at >= now - undo_window
        who = roster.resolve(c.actor.removeprefix("operator:")) if c is not None else None
        section = section_of(row, now, day)
        board.sections[section].append(BoardTask(row, section, c, undo, who))
    return board


#: The column of a lead's team table (open, overdue, done) a task in each state counts in, as the
#: board's sections place them; the other states (failed, missed, skipped, cancelled) need
#: attention instead and are not counted there.
TEAM_COLUMN = {"planned": 0, "due": 0, "retrying": 0, "overdue": 1, "done": 2, "sent": 2}


@dataclass(frozen=True)
class TeamLine:
    """One operator's day at a glance, for the lead."""

    operator: Operator
    open: int
    overdue: int
    done: int


def team_counts(tally: Mapping[tuple[str, str], int], roster: Roster,
                group_operators: Mapping[str, tuple[str, ...]]) -> list[TeamLine]:
    """Per operator (declared, or named in a group): their open, overdue and done counts among a
    day's tasks (``tally``: :func:`task_tally`), a task of a group with several operators counting
    for each. Counted from the ledger, not from a rendered board, so a fleet's day costs a count
    per group: a task whose ``when:`` turns out false counts as open until its time, when the
    daemon skips it."""
    lines: dict[str, list[int]] = {}
    people = {op.id: op for op in roster.everyone(ref for refs in group_operators.values() for ref in refs)}
    for (group_id, state), n in tally.items():
        column = TEAM_COLUMN.get(state)
        if column is None:
            continue
        for ref in group_operators.get(group_id, ()):
            lines.setdefault(roster.resolve(ref).id, [0, 0, 0])[column] += n
    return [TeamLine(op, *lines.get(op.id, [0, 0, 0])) for op in people.values()]


def task_tally(tallies: Iterable[ExecutionTally], readers: Mapping[str, OperatorsOf]) -> dict[tuple[str, str], int]:
    """(group, state) → how many of ``tallies`` (a day's :meth:`DataStore.execution_tally`) are
    tasks, on the channels people work (``readers``): what :func:`team_counts` counts."""
    out: dict[tuple[str, str], int] = {}
    for t in tallies:
        if t.channel in readers:
            out[t.group_id, t.state] = out.get((t.group_id, t.state), 0) + t.n
    return out


def day_span(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends at."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)
