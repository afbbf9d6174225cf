"""The store's interfaces, in one place: :class:`DataStore`, what the daemon, the CLI, the
operators' workspace and plugins may ask of a ledger, and :class:`Planner`, what a ledger needs
of planning, handed to it from above.

The store persists and queries; it does not plan. Which actions a pair has is the planner's
(:class:`sopengine.planning.ledger_planner.LedgerPlanner`), given to the store when it is opened,
so the store imports nothing of planning and a test can hand it any planner it likes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Callable, Collection, Hashable, Iterable, Mapping, Protocol, Sequence
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # for annotations only: a command that only reads builds no SOP or step model
    from sopengine.kinds import StepBase
    from sopengine.model.actions import PlannedAction, Window
    from sopengine.model.group import Group
    from sopengine.model.members import Member
    from sopengine.model.notices import PlannedNotice
    from sopengine.model.operators import Operator, Roster
    from sopengine.model.sop import Sop
    from sopengine.store.apply import ApplyReport
    from sopengine.store.claims import ClaimedAction
    from sopengine.store.ledger import DueSoon
    from sopengine.store.notices import NoticeOutcome, StoredNotice
    from sopengine.store.outcomes import Outcome
    from sopengine.store.queries import ActionView, GroupView, Health, StoredAction, StoredGroup
    from sopengine.store.status import PairStatus, StatusSummary
    from sopengine.store.records import (
        AwaitingTask, Confirmation, DayStats, ExecutionRecord, ExecutionTally, HandedRecord, TokenGrant,
    )


class Planner(Protocol):
    """Planning as a ledger asks for it. Pure: no I/O, no clock (``now`` is always given).
    Every method that plans raises :class:`~sopengine.model.actions.PlanningError` naming the
    step when a step cannot be planned."""

    #: How far ahead of now a rolling pair (a persistent SOP, a long life) is kept planned.
    horizon: timedelta

    def matches(self, sop: Sop, group: Group) -> bool:
        """Whether ``sop`` applies to ``group`` (its selector)."""

    def first_window(self, sop: Sop, group: Group, now: datetime) -> Window:
        """The window a pair's plan covers as of ``now``."""

    def replanning_window(self, sop: Sop, window: Window, planned_until: datetime | None) -> Window:
        """The window a re-plan covers, given what the ledger already holds of the pair."""

    def life_end(self, sop: Sop, group: Group) -> datetime | None:
        """When the pair's last action can be due (None: never, a persistent SOP). A pair
        planned to an earlier instant rolls: the daemon plans it further as time passes."""

    def extension(self, sop: Sop, group: Group, planned_until: datetime, now: datetime) -> Window:
        """What a rolling pair planned up to ``planned_until`` plans next as of ``now``."""

    def plan(self, sop: Sop, group: Group, window: Window) -> list[PlannedAction]:
        """The pair's timed actions due in ``window``, unrendered, sorted by due."""

    def member_actions(self, sop: Sop, group: Group, member_id: str, joined: date, stage: str | None = None,
                       since: date | None = None, only_stage: bool = False,
                       member: Mapping[str, Any] | None = None) -> list[PlannedAction]:
        """The actions of ``sop``'s per-member steps for one member who joined on ``joined``
        (those of ``stage`` counted from ``since``; ``only_stage``: those alone; ``member``: their
        template view, for the steps' ``where``)."""

    def member_stage(self, sop: Sop, member: Mapping[str, Any]) -> str | None:
        """The stage of ``sop``'s ``stages`` a member (their template view) is at, or None."""

    def timing_of(self, sop: Sop, version_id: int, group: Group, window: Window) -> Hashable | None:
        """A key shared by every group whose plan differs from this one's only by the group id
        (the store then plans once and copies), or None."""

    def shared_timing(self, sop: Sop, version_id: int, group: Group, window: Window
                      ) -> tuple[Hashable, Mapping[str, Sequence[Any]]] | None:
        """For a first plan: a key shared by every group whose plan differs from this one's only by
        the group id and by the items its pick steps take, with those items (step id → the
        group's pool in pick order); None when the group's plan is its own."""

    def event_actions(self, sop: Sop, step: StepBase, step_index: int, group: Group, occurred_at: datetime,
                      first_due: datetime | None = None) -> list[PlannedAction]:
        """The actions an event at ``occurred_at`` triggers for the ``on:`` step ``step``
        (``first_due``: the first part joins an action already due then)."""


class DataStore(ABC):
    """A ledger of groups, SOP versions, timed actions, attempts, events and audit.

    Every method is one transaction. Times in and out are timezone-aware. Reads return domain
    records (dataclasses of this package), never driver rows. Commands on one action by key raise
    :class:`~sopengine.store.commands.NotFound` for an unknown key and return the state reached.
    """

    # --- files in -------------------------------------------------------------------------------
    @abstractmethod
    def apply(self, sop_list: Sequence[Sop], group_list: Sequence[Group], now: datetime,
              *, actor: str = "apply", dry_run: bool = False, roster: Sequence[Operator] = ()) -> ApplyReport:
        """Sync SOPs, groups and the declared operators (``roster``) in; re-plans only the future;
        the same files twice change nothing."""

    @abstractmethod
    def extend_horizons(self, now: datetime) -> int:
        """Plan rolling pairs (persistent SOPs, lives longer than the horizon) further ahead as
        time passes; returns actions added."""

    # --- the daemon's work ---------------------------------------------------------------------
    @abstractmethod
    def claim_due(self, now: datetime, owner: str, limit: int, lease: timedelta) -> list[ClaimedAction]:
        """Lease up to ``limit`` due actions to ``owner``; no two owners hold one action."""

    @abstractmethod
    def release(self, claimed: Sequence[ClaimedAction], now: datetime, owner: str,
                detail: str = "lease released at shutdown") -> None:
        """Give leases back unsent (a clean shutdown)."""

    @abstractmethod
    def record_outcomes(self, outcomes: Sequence[Outcome], now: datetime, owner: str) -> list[Outcome]:
        """Write what dispatching did; returns the outcomes written (a lease lost is not)."""

    @abstractmethod
    def due_soon(self, start: datetime, end: datetime, limit: int) -> DueSoon:
        """What the next actions will need (group ids, versions), to prepare while idle."""

    @abstractmethod
    def next_wakeup(self, now: datetime) -> datetime | None:
        """When something next needs the daemon."""

    @abstractmethod
    def sweep_deadlines(self, now: datetime, manual_channels: Iterable[str], actor: str) -> list[tuple[str, str, str]]:
        """Mark actions past due + grace missed (operator channels: overdue); returns what changed."""

    @abstractmethod
    def recent_sends(self, targets: Iterable[str], since: datetime) -> dict[str, list[datetime]]:
        """Send times per rate-limit target since ``since``."""

    # --- what people do ------------------------------------------------------------------------
    @abstractmethod
    def mark_done(self, key: str, now: datetime, actor: str = "operator") -> str:
        """An operator confirms a task."""

    @abstractmethod
    def mark_done_many(self, done: Sequence[tuple[str, datetime, str]]) -> dict[str, str]:
        """Confirm many tasks at once, each (key, when, actor), in one transaction; returns key →
        previous state for those confirmed (unknown keys and states that cannot be confirmed are
        left out, and left alone)."""

    @abstractmethod
    def confirm_tasks(self, done: Sequence[tuple[AwaitingTask, datetime, str]]) -> dict[str, str]:
        """:meth:`mark_done_many` for tasks read by :meth:`awaiting_confirmation`, each (task, when,
        actor), found by their ledger rows."""

    @abstractmethod
    def skip(self, key: str, reason: str, now: datetime, actor: str = "cli") -> str:
        """Skip an action, with the reason."""

    @abstractmethod
    def retry(self, key: str, now: datetime, grace: timedelta = timedelta(hours=1), actor: str = "cli") -> str:
        """Try a failed, missed or overdue action again now."""

    @abstractmethod
    def set_paused(self, *, group: str | None = None, sop: str | None = None, paused: bool,
                   now: datetime, actor: str = "cli") -> None:
        """Pause or resume a group or an SOP."""

    @abstractmethod
    def record_event(self, group_id: str, name: str, occurred_at: datetime, data: Mapping[str, Any],
                     *, actor: str = "cli") -> list[str]:
        """Record an event and plan the steps it triggers; returns the keys planned or merged."""

    @abstractmethod
    def import_facts(self, facts_by_group: Mapping[str, Mapping[str, Any]], now: datetime,
                     actor: str = "cli") -> tuple[list[str], list[str]]:
        """Merge facts into groups; returns (updated ids, unknown ids)."""

    # --- what people see -----------------------------------------------------------------------
    @abstractmethod
    def list_actions(self, *, group: str | None = None, sop: str | None = None, state: str | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     limit: int | None = None, key: str | None = None) -> list[ActionView]:
        """Stored actions, filtered, in due order (``key``: that one action, or none)."""

    @abstractmethod
    def channel_actions(self, channel: str, since: datetime, until: datetime,
                        group_ids: Collection[str] | None = None,
                        in_states: Collection[str] | None = None, limit: int | None = None) -> list[StoredAction]:
        """A channel's actions due in ``[since, until)`` (of ``group_ids`` only, in ``in_states``
        only, the first ``limit`` by due time, when given), with what rendering them needs."""

    @abstractmethod
    def awaiting_confirmation(self, channels: Collection[str], since: datetime, until: datetime,
                              handed_since: datetime | None = None) -> list[AwaitingTask]:
        """Operator tasks of ``channels`` due in ``[since, until)``, handed over or overdue and not
        yet confirmed (key, group, due, deadline and row only: a confirmation is decided on those);
        with ``handed_since``, only those handed over at or after it."""

    @abstractmethod
    def groups_by_id(self, ids: set[str]) -> dict[str, StoredGroup]:
        """The stored groups of ``ids`` (current facts, dissolution)."""

    @abstractmethod
    def list_groups(self) -> list[GroupView]:
        """Every stored group with its SOPs."""

    @abstractmethod
    def running_groups(self, ids: set[str] | None = None) -> list[tuple[Group, list[Sop]]]:
        """Groups not dissolved, each with the current versions of the SOPs it is enrolled in."""

    @abstractmethod
    def sop_zones(self) -> dict[str, ZoneInfo]:
        """Each stored SOP's timezone."""

    @abstractmethod
    def status(self, now: datetime) -> list[PairStatus]:
        """Per (SOP, group): counts by state, next due, late (still to be sent, or handed over,
        past its due; every overdue task is late, being past its deadline)."""

    @abstractmethod
    def status_lines(self, now: datetime, zone_of: Callable[[str], tzinfo | None]) -> list[str]:
        """:meth:`status` as JSON, a pair a line in (SOP, group) order: each line is
        ``json.dumps(pair.to_json(zone_of(pair.sop)), ensure_ascii=False)`` (the counts in the
        order of the states' names), put together by the database without an object per pair."""

    @abstractmethod
    def status_summary(self, now: datetime, limit: int) -> StatusSummary:
        """:meth:`status` summed by SOP, with the ``limit`` pairs needing someone most (late,
        overdue, missed, failed), worked out in the database: a fleet's status at a glance."""

    @abstractmethod
    def health(self, now: datetime, alive_within: float = 60.0) -> Health:
        """Workers alive, late, failed and missed counts."""

    # --- the people ----------------------------------------------------------------------------
    @abstractmethod
    def roster(self) -> Roster:
        """The operators the groups files declared (``operators:``), found by id or name."""

    @abstractmethod
    def group_operators_of(self, group_ids: Collection[str] | None = None, *,
                           live: bool = True) -> dict[str, tuple[str, ...]]:
        """Group id → who does its manual tasks, as written (ids or names); live groups only
        unless ``live`` is false."""

    @abstractmethod
    def groups_of_operator(self, refs: Iterable[str]) -> set[str]:
        """The live groups whose tasks the person with these refs (id, name) does."""

    @abstractmethod
    def add_token(self, token_hash: str, operator: str, lead: bool, now: datetime,
                  expires_at: datetime | None) -> None:
        """Keep the hash of a new workspace link of ``operator`` (an id)."""

    @abstractmethod
    def revoke_tokens(self, operator: str, now: datetime) -> int:
        """End every live link of ``operator``; returns how many."""

    @abstractmethod
    def token_grant(self, token_hash: str, now: datetime) -> TokenGrant | None:
        """Who the link with this hash lets in now (None: unknown, revoked or expired)."""

    @abstractmethod
    def confirmations(self, keys: Collection[str]) -> dict[str, Confirmation]:
        """Action key → who confirmed it done, and when."""

    @abstractmethod
    def undo_done(self, key: str, now: datetime, actor: str, within: timedelta) -> str:
        """Take back ``actor``'s own confirmation made less than ``within`` ago; returns the state
        the action is back in. TransitionError when there is none to take back."""

    @abstractmethod
    def execution_records(self, since: datetime | None, until: datetime | None) -> list[ExecutionRecord]:
        """Every action due in ``[since, until)`` with its state, finish and who confirmed it."""

    @abstractmethod
    def execution_tally(self, since: datetime, until: datetime) -> list[ExecutionTally]:
        """:meth:`execution_records` of ``[since, until)`` counted in the database, alike ones
        together: what a day's figures of a whole fleet are read from."""

    @abstractmethod
    def group_days(self, group_id: str, first: date, last: date, zone: tzinfo) -> list[DayStats]:
        """A group's members, active members, messages and joins per local day (imports kept
        as history, carried forward)."""

    @abstractmethod
    def apply_thens(self, now: datetime, actor: str) -> tuple[list[str], datetime | None]:
        """Carry out, once, every SOP's ``then:`` whose group's life has ended by ``now``; returns
        (a line per one carried out, when the next is due)."""

    @abstractmethod
    def import_members(self, rows: Iterable[Member], now: datetime, actor: str = "cli") -> tuple[int, list[str]]:
        """Upsert members (as a members file gives them: group, id, name, joined, left, tags, facts), their
        facts kept as history; returns (written, unknown group ids)."""

    @abstractmethod
    def list_members(self, group_ids: Collection[str] | None = None, *, present: bool = False,
                     member_id: str | None = None) -> list[Member]:
        """Members of these groups (all when None); ``present``: only those still in their group;
        ``member_id``: that member only."""

    @abstractmethod
    def update_member_stages(self, now: datetime, actor: str) -> list[str]:
        """Move members whose stage changed by ``now`` (old stage's steps cancelled, new one's
        planned); a line per move."""

    @abstractmethod
    def member_facts_at(self, group_id: str, at: datetime) -> dict[str, dict[str, Any]]:
        """Member id → their facts as of the latest import at or before ``at``."""

    @abstractmethod
    def handed_over(self, channels: Collection[str], limit: int) -> list[HandedRecord]:
        """Actions of ``channels`` handed to a person to send, still waiting for the provider's word."""

    @abstractmethod
    def settle(self, key: str, to_state: str, reason: str, now: datetime, actor: str) -> str:
        """A handed-over action becomes what the provider says (``sent``, ``failed``); the state before."""

    @abstractmethod
    def note_reminded(self, key: str, now: datetime, actor: str) -> None:
        """Record that the sender of a handed-over action was reminded."""

    @abstractmethod
    def media(self, sha256: str) -> bytes | None:
        """The bytes of a file a step carries (an image, a handout), by SHA-256; None if not kept."""

    # --- notices to operators ------------------------------------------------------------------
    @abstractmethod
    def plan_notices(self, planned: Sequence[PlannedNotice], now: datetime, actor: str) -> int:
        """Keep these notices: new keys inserted, ones not yet sent moved to their new time,
        channel and tasks. Returns rows written (0 when all were known as they are)."""

    @abstractmethod
    def claim_notices(self, now: datetime, owner: str, limit: int, lease: timedelta) -> list[StoredNotice]:
        """Lease up to ``limit`` notices due at ``now``, oldest first (one sender each)."""

    @abstractmethod
    def record_notice(self, outcome: NoticeOutcome, now: datetime, owner: str) -> bool:
        """Record what sending a claimed notice came to; False when the lease was lost."""

    @abstractmethod
    def release_notices(self, claimed: Sequence[StoredNotice], now: datetime, owner: str) -> None:
        """Hand back the leases of claimed notices not sent."""

    @abstractmethod
    def next_notice(self, now: datetime) -> datetime | None:
        """When a notice is next due, or None."""

    @abstractmethod
    def list_notices(self, *, since: datetime | None = None, until: datetime | None = None,
                     operator: str | None = None, state: str | None = None,
                     limit: int | None = None) -> list[StoredNotice]:
        """Notices due in ``[since, until)`` by due time, of one operator (id) or in one state."""

    @abstractmethod
    def open_tasks(self, keys: Collection[str]) -> list[StoredAction]:
        """The actions of ``keys`` someone can still do (open state, live unpaused group and SOP)."""

    # --- daemons alive -------------------------------------------------------------------------
    @abstractmethod
    def register_worker(self, worker_id: str, host: str, pid: int, now: datetime) -> None: ...

    @abstractmethod
    def heartbeat(self, worker_id: str, now: datetime, stats: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def unregister_worker(self, worker_id: str, now: datetime, stats: Mapping[str, Any]) -> None: ...

    @abstractmethod
    def live_workers(self, now: datetime, within: timedelta) -> int: ...

    # --- bookkeeping ---------------------------------------------------------------------------
    @abstractmethod
    def sop_version(self, version_id: int) -> Sop:
        """The SOP of a stored version (versions never change)."""

    @abstractmethod
    def revision(self) -> int:
        """A change counter: it moves whenever anything but dispatching changes the ledger."""

    @abstractmethod
    def setup_revision(self) -> int:
        """Counter of changes to what is planned (applies, events, imports, pauses): it does not
        move when a person confirms or skips a task."""

    @abstractmethod
    def checkpoint(self) -> None:
        """Tidy the database's own files when idle (SQLite's write-ahead log); may do nothing."""

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the store is, fit for a log line (a URL with any password hidden)."""

    @abstractmethod
    def close(self) -> None:
        """Close the store's connections (SQLite then folds its write-ahead log into the file).
        Closing a closed store does nothing."""
