"""The occurrence ledger: groups, SOP versions, timed actions, attempts, events, audit.

This module is the store's front door: the daemon, the CLI, the operators' sheets and plugins
use only what it lists. :class:`DataStore` (in :mod:`.abc`) is the interface, :class:`Store` its
one SQLAlchemy implementation for SQLite (embedded default) and PostgreSQL; what its reads return
are the domain records below. The modules behind it (SQL, tables, bulk paths) are private; they
are split by concept: :mod:`.apply` (sync files in), :mod:`.claims`, :mod:`.outcomes` and
:mod:`.ledger` (the daemon's work), :mod:`.commands` (what people do), :mod:`.queries` (what
people see), :mod:`.workers` (daemons alive). The store persists and queries; what a pair's
actions are is decided by the :class:`Planner` it is opened with.
"""

from sopengine.store import states
from sopengine.store.abc import DataStore, Planner
from sopengine.store.apply import ApplyReport
from sopengine.store.claims import ClaimedAction
from sopengine.store.commands import NotFound
from sopengine.store.core import DeferredKinds
from sopengine.store.database import StoreUnavailable, default_path, default_url
from sopengine.store.ledger import DueSoon
from sopengine.store.notices import NoticeOutcome, StoredNotice
from sopengine.store.outcomes import AttemptRecord, Outcome
from sopengine.store.queries import ActionView, GroupView, Health, StoredAction
from sopengine.store.status import PairStatus, StatusSummary
from sopengine.store.records import (
    ActionRecord, AwaitingTask, Confirmation, DayStats, ExecutionRecord, ExecutionTally, StoredGroup, TokenGrant,
)
from sopengine.store.sql import Store

__all__ = [
    "ActionRecord", "ActionView", "ApplyReport", "AttemptRecord", "AwaitingTask", "ClaimedAction", "Confirmation",
    "DataStore", "DeferredKinds",
    "DayStats", "default_path", "default_url", "DueSoon", "ExecutionRecord", "ExecutionTally", "GroupView", "Health",
    "NotFound",
    "NoticeOutcome", "Outcome", "PairStatus", "Planner", "StatusSummary", "states", "Store", "StoredAction",
    "StoredGroup",
    "StoredNotice", "StoreUnavailable", "TokenGrant",
]
