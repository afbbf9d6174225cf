"""The SQLAlchemy :class:`Store`: one implementation of :class:`~.abc.DataStore` for SQLite (the
embedded default) and PostgreSQL. Each method is the concept module's function of the same name
(:mod:`.apply`, :mod:`.claims`, :mod:`.outcomes`, :mod:`.ledger`, :mod:`.commands`,
:mod:`.queries`, :mod:`.workers`), where the SQL and its reasons are."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Callable, Collection, Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo

from sopengine.model.group import Group
from sopengine.model.members import Member
from sopengine.model.notices import PlannedNotice
from sopengine.model.operators import Operator, Roster
from sopengine.model.sop import Sop
from sopengine.store.records import (
    AwaitingTask, Confirmation, DayStats, ExecutionRecord, ExecutionTally, HandedRecord, TokenGrant,
)
from sopengine.store import apply as _apply, claims as _claims, commands as _commands, ledger as _ledger
from sopengine.store import handover as _handover, media as _media, members as _members, notices as _notices
from sopengine.store import status as _status, status_lines as _status_lines, thens as _thens
from sopengine.store import outcomes as _outcomes, people as _people, queries as _queries, workers as _workers
from sopengine.store.abc import DataStore
from sopengine.store.core import Database


class Store(Database, DataStore):
    """A ledger in one database: ``Store.open(url, kinds, planner=LedgerPlanner())``."""

    def apply(self, sop_list: Sequence[Sop], group_list: Sequence[Group], now: datetime,
              *, actor: str = "apply", dry_run: bool = False, roster: Sequence[Operator] = ()) -> _apply.ApplyReport:
        return _apply.apply(self, sop_list, group_list, now, actor=actor, dry_run=dry_run, roster=roster)

    def extend_horizons(self, now: datetime) -> int:
        return _apply.extend_horizons(self, now)

    def claim_due(self, now: datetime, owner: str, limit: int, lease: timedelta) -> list[_claims.ClaimedAction]:
        return _claims.claim_due(self, now, owner, limit, lease)

    def release(self, claimed: Sequence[_claims.ClaimedAction], now: datetime, owner: str,
                detail: str = "lease released at shutdown") -> None:
        _claims.release(self, claimed, now, owner, detail)

    def record_outcomes(self, outcomes: Sequence[_outcomes.Outcome], now: datetime,
                        owner: str) -> list[_outcomes.Outcome]:
        return _outcomes.record_outcomes(self, outcomes, now, owner)

    def due_soon(self, start: datetime, end: datetime, limit: int) -> _ledger.DueSoon:
        return _ledger.due_soon(self, start, end, limit)

    def next_wakeup(self, now: datetime) -> datetime | None:
        return _ledger.next_wakeup(self, now)

    def sweep_deadlines(self, now: datetime, manual_channels: Iterable[str], actor: str) -> list[tuple[str, str, str]]:
        return _ledger.sweep_deadlines(self, now, manual_channels, actor)

    def recent_sends(self, targets: Iterable[str], since: datetime) -> dict[str, list[datetime]]:
        return _ledger.recent_sends(self, targets, since)

    def mark_done(self, key: str, now: datetime, actor: str = "operator") -> str:
        return _commands.mark_done(self, key, now, actor)

    def mark_done_many(self, done: Sequence[tuple[str, datetime, str]]) -> dict[str, str]:
        return _commands.mark_done_many(self, done)

    def confirm_tasks(self, done: Sequence[tuple[AwaitingTask, datetime, str]]) -> dict[str, str]:
        return _commands.confirm_tasks(self, done)

    def skip(self, key: str, reason: str, now: datetime, actor: str = "cli") -> str:
        return _commands.skip(self, key, reason, now, actor)

    def retry(self, key: str, now: datetime, grace: timedelta = timedelta(hours=1), actor: str = "cli") -> str:
        return _commands.retry(self, key, now, grace, actor)

    def set_paused(self, *, group: str | None = None, sop: str | None = None, paused: bool,
                   now: datetime, actor: str = "cli") -> None:
        _commands.set_paused(self, group=group, sop=sop, paused=paused, now=now, actor=actor)

    def record_event(self, group_id: str, name: str, occurred_at: datetime, data: Mapping[str, Any],
                     *, actor: str = "cli") -> list[str]:
        return _commands.record_event(self, group_id, name, occurred_at, data, actor=actor)

    def import_facts(self, facts_by_group: Mapping[str, Mapping[str, Any]], now: datetime,
                     actor: str = "cli") -> tuple[list[str], list[str]]:
        return _commands.import_facts(self, facts_by_group, now, actor)

    def list_actions(self, *, group: str | None = None, sop: str | None = None, state: str | None = None,
                     since: datetime | None = None, until: datetime | None = None,
                     limit: int | None = None, key: str | None = None) -> list[_queries.ActionView]:
        return _queries.list_actions(self, group=group, sop=sop, state=state, since=since, until=until,
                                     limit=limit, key=key)

    def channel_actions(self, channel: str, since: datetime, until: datetime,
                        group_ids: Collection[str] | None = None,
                        in_states: Collection[str] | None = None,
                        limit: int | None = None) -> list[_queries.StoredAction]:
        return _queries.channel_actions(self, channel, since, until, group_ids, in_states, limit)

    def awaiting_confirmation(self, channels: Collection[str], since: datetime, until: datetime,
                              handed_since: datetime | None = None) -> list[AwaitingTask]:
        return _queries.awaiting_confirmation(self, channels, since, until, handed_since)

    def groups_by_id(self, ids: set[str]) -> dict[str, _queries.StoredGroup]:
        return _queries.groups_by_id(self, ids)

    def list_groups(self) -> list[_queries.GroupView]:
        return _queries.list_groups(self)

    def running_groups(self, ids: set[str] | None = None) -> list[tuple[Group, list[Sop]]]:
        return _queries.running_groups(self, ids)

    def sop_zones(self) -> dict[str, ZoneInfo]:
        return _queries.sop_zones(self)

    def status(self, now: datetime) -> list[_status.PairStatus]:
        return _status.status(self, now)

    def status_lines(self, now: datetime, zone_of: Callable[[str], tzinfo | None]) -> list[str]:
        return _status_lines.status_lines(self, now, zone_of)

    def status_summary(self, now: datetime, limit: int) -> _status.StatusSummary:
        return _status.status_summary(self, now, limit)

    def health(self, now: datetime, alive_within: float = 60.0) -> _queries.Health:
        return _queries.health(self, now, alive_within)

    def roster(self) -> Roster:
        return _people.roster(self)

    def group_operators_of(self, group_ids: Collection[str] | None = None, *,
                           live: bool = True) -> dict[str, tuple[str, ...]]:
        return _people.group_operators_of(self, group_ids, live=live)

    def groups_of_operator(self, refs: Iterable[str]) -> set[str]:
        return _people.groups_of_operator(self, refs)

    def add_token(self, token_hash: str, operator: str, lead: bool, now: datetime,
                  expires_at: datetime | None) -> None:
        _people.add_token(self, token_hash, operator, lead, now, expires_at)

    def revoke_tokens(self, operator: str, now: datetime) -> int:
        return _people.revoke_tokens(self, operator, now)

    def token_grant(self, token_hash: str, now: datetime) -> TokenGrant | None:
        return _people.token_grant(self, token_hash, now)

    def confirmations(self, keys: Collection[str]) -> dict[str, Confirmation]:
        return _people.confirmations(self, keys)

    def undo_done(self, key: str, now: datetime, actor: str, within: timedelta) -> str:
        return _people.undo_done(self, key, now, actor, within)

    def execution_records(self, since: datetime | None, until: datetime | None) -> list[ExecutionRecord]:
        return _people.execution_records(self, since, until)

    def execution_tally(self, since: datetime, until: datetime) -> list[ExecutionTally]:
        return _people.execution_tally(self, since, until)

    def group_days(self, group_id: str, first: date, last: date, zone: tzinfo) -> list[DayStats]:
        return _people.group_days(self, group_id, first, last, zone)

    def apply_thens(self, now: datetime, actor: str) -> tuple[list[str], datetime | None]:
        return _thens.apply_thens(self, now, actor)

    def import_members(self, rows: Iterable[Member], now: datetime, actor: str = "cli") -> tuple[int, list[str]]:
        return _members.import_members(self, rows, now, actor)

    def list_members(self, group_ids: Collection[str] | None = None, *, present: bool = False,
                     member_id: str | None = None) -> list[Member]:
        return _members.list_members(self, group_ids, present=present, member_id=member_id)

    def update_member_stages(self, now: datetime, actor: str) -> list[str]:
        return _members.update_member_stages(self, now, actor)

    def member_facts_at(self, group_id: str, at: datetime) -> dict[str, dict[str, Any]]:
        return _members.member_facts_at(self, group_id, at)

    def handed_over(self, channels: Collection[str], limit: int) -> list[HandedRecord]:
        return _handover.handed_over(self, channels, limit)

    def settle(self, key: str, to_state: str, reason: str, now: datetime, actor: str) -> str:
        return _handover.settle(self, key, to_state, reason, now, actor)

    def note_reminded(self, key: str, now: datetime, actor: str) -> None:
        _handover.note_reminded(self, key, now, actor)

    def media(self, sha256: str) -> bytes | None:
        return _media.media_bytes(self, sha256)

    def plan_notices(self, planned: Sequence[PlannedNotice], now: datetime, actor: str) -> int:
        return _notices.plan_notices(self, planned, now, actor)

    def claim_notices(self, now: datetime, owner: str, limit: int,
                      lease: timedelta) -> list[_notices.StoredNotice]:
        return _notices.claim_notices(self, now, owner, limit, lease)

    def record_notice(self, outcome: _notices.NoticeOutcome, now: datetime, owner: str) -> bool:
        return _notices.record_notice(self, outcome, now, owner)

    def release_notices(self, claimed: Sequence[_notices.StoredNotice], now: datetime, owner: str) -> None:
        _notices.release_notices(self, claimed, now, owner)

    def next_notice(self, now: datetime) -> datetime | None:
        return _notices.next_notice(self, now)

    def list_notices(self, *, since: datetime | None = None, until: datetime | None = None,
                     operator: str | None = None, state: str | None = None,
                     limit: int | None = None) -> list[_notices.StoredNotice]:
        return _notices.list_notices(self, since=since, until=until, operator=operator, state=state, limit=limit)

    def open_tasks(self, keys: Collection[str]) -> list[_queries.StoredAction]:
        return _notices.open_tasks(self, keys)

    def register_worker(self, worker_id: str, host: str, pid: int, now: datetime) -> None:
        _workers.register_worker(self, worker_id, host, pid, now)

    def heartbeat(self, worker_id: str, now: datetime, stats: Mapping[str, Any]) -> None:
        _workers.heartbeat(self, worker_id, now, stats)

    def unregister_worker(self, worker_id: str, now: datetime, stats: Mapping[str, Any]) -> None:
        _workers.unregister_worker(self, worker_id, now, stats)

    def live_workers(self, now: datetime, within: timedelta) -> int:
        return _workers.live_workers(self, now, within)
