"""The occurrence ledger: groups, SOP versions, timed actions, attempts, events, audit.

This module is the store's front door: the daemon, the CLI, the operators' sheets and plugins
use only what it lists; the modules behind it (SQL, tables, bulk paths) are private. One
SQLAlchemy implementation serves SQLite (embedded default) and PostgreSQL; modules are split
by concept: :mod:`.apply` (sync files in), :mod:`.claims`, :mod:`.outcomes` and :mod:`.ledger`
(the daemon's work), :mod:`.commands` (what people do), :mod:`.queries` (what people see),
:mod:`.workers` (daemons alive).
"""

from sopengine.store import states
from sopengine.store.core import Store
from sopengine.store.database import StoreUnavailable, default_path, default_url
from sopengine.store.apply import ApplyReport, apply, extend_horizons
from sopengine.store.claims import ClaimedAction, claim_due, release
from sopengine.store.commands import NotFound, import_facts, mark_done, record_event, retry, set_paused, skip
from sopengine.store.ledger import DueSoon, due_soon, group_from_row, next_wakeup, recent_sends, sweep_deadlines
from sopengine.store.outcomes import AttemptRecord, Outcome, record_outcomes
from sopengine.store.queries import (
    PairStatus, channel_actions, groups_by_id, health, list_actions, list_groups, running_groups, sop_zones, status,
)
from sopengine.store.workers import heartbeat, live_workers, register_worker, unregister_worker

__all__ = [
    "ApplyReport", "AttemptRecord", "ClaimedAction", "DueSoon", "NotFound", "Outcome", "PairStatus", "Store",
    "StoreUnavailable", "apply", "channel_actions", "claim_due", "default_path", "default_url", "due_soon",
    "extend_horizons", "group_from_row", "groups_by_id", "health", "heartbeat", "import_facts",
    "list_actions", "list_groups", "live_workers", "mark_done", "next_wakeup", "recent_sends", "record_event",
    "record_outcomes", "register_worker", "release", "retry", "running_groups", "set_paused", "skip", "sop_zones",
    "states", "status", "sweep_deadlines", "unregister_worker",
]
