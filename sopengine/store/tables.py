"""The ledger's tables (SQLAlchemy Core). Times are naive UTC everywhere (see :mod:`.timestamps`).

The migrations under ``migrations/`` create exactly these; a test checks that
the migrated schema and this metadata agree.
"""

from __future__ import annotations

from typing import Collection

from sqlalchemy import (
    JSON, Boolean, Column, ColumnElement, Computed, Date, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
    Table, Text, UniqueConstraint, and_, false,
)

from sopengine.store import states
from sopengine.store.timestamps import UtcDateTime

metadata = MetaData()

groups = Table(
    "groups", metadata,
    Column("id", String(120), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("start", Date, nullable=False),
    Column("tags", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("facts_updated_at", UtcDateTime),
    Column("channels", JSON, nullable=False),
    Column("vars", JSON, nullable=False),
    Column("pools", JSON, nullable=False),
    Column("quiet", String(20)),
    Column("paused", Boolean, nullable=False, default=False),
    Column("dissolved_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
    #: Who does the group's manual tasks, as the groups file names them (ids or names).
    Column("operators", JSON),
    #: Role → operator, for steps naming a role (``operator: 群主``).
    Column("roles", JSON),
    #: Tags an SOP's ``then:`` added and removed (``{"add": [...], "remove": [...]}``): kept over
    #: the groups file's tags at every apply, so a moved group stays moved.
    Column("then_tags", JSON),
)

#: The same, by person: the workspace finds an operator's groups without reading every group.
group_operators = Table(
    "group_operators", metadata,
    Column("group_id", String(120), primary_key=True),
    Column("operator", String(120), primary_key=True),
)
Index("ix_group_operators_operator", group_operators.c.operator)

#: The groups file's ``operators:`` (people named only in a group have no row: known by that name).
operators = Table(
    "operators", metadata,
    Column("id", String(120), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("role", String(40)),
    Column("notify", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    #: When and how they are told (:class:`~sopengine.model.notices.NoticeSettings`, resolved).
    Column("notices", JSON),
)

#: Personal links into the workspace: only a SHA-256 of each token is kept.
operator_tokens = Table(
    "operator_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("operator", String(120), nullable=False),
    Column("lead", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)
Index("ix_operator_tokens_operator", operator_tokens.c.operator)

sop_versions = Table(
    "sop_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sop_id", String(80), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("definition", JSON, nullable=False),
    Column("path", Text),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("sop_id", "content_hash", name="uq_sop_versions_hash"),
)

sops = Table(
    "sops", metadata,
    Column("id", String(80), primary_key=True),
    Column("version_id", Integer, ForeignKey("sop_versions.id"), nullable=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

enrollments = Table(
    "enrollments", metadata,
    Column("sop_id", String(80), primary_key=True),
    Column("group_id", String(120), primary_key=True),
    Column("planned_until", UtcDateTime, nullable=False),
    Column("version_id", Integer, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    #: Planned only up to ``planned_until``, which the daemon moves ahead as time passes (a
    #: persistent SOP, or a life reaching beyond the horizon); else planned to the life's end.
    Column("rolling", Boolean, nullable=False, default=False),
    #: When the SOP's ``then:`` was carried out for this group (once).
    Column("then_done_at", UtcDateTime),
)
#: When the first rolling pair is next due for planning further: a range, not every enrollment.
Index("ix_enrollments_rolling", enrollments.c.rolling, enrollments.c.active, enrollments.c.planned_until)

#: An action's key from its columns: ``sop/step/`` and the stored tail (no id contains a slash).
KEY_EXPRESSION = "sop_id || '/' || step || '/' || key_tail"

actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    #: What follows the SOP and step in the key (``[part/][m.ID/]group/local due``): only this is
    #: stored, and the key is worked out from it (virtual on SQLite). The SOP and step are columns
    #: anyway, so storing them again in every key cost each action about 60 bytes, index included.
    #: A migration that rebuilds this table on SQLite (alembic's batch mode) must drop ``key`` and
    #: add it again in the same batch: the copy of the rows cannot write a generated column.
    Column("key_tail", String(400), nullable=False),
    Column("key", String(400), Computed(KEY_EXPRESSION), nullable=False),
    Column("sop_id", String(80), nullable=False),
    Column("step", String(80), nullable=False),
    Column("part", String(40)),
    Column("group_id", String(120), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("due", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("progress", Integer, nullable=False, default=0),
    Column("occurrence", Integer, nullable=False, default=0),
    Column("day", Integer, nullable=False, default=0),
    Column("step_index", Integer, nullable=False, default=0),
    Column("part_index", Integer, nullable=False, default=0),
    Column("item", JSON),
    Column("data", JSON),
    Column("version_id", Integer, nullable=False),
    Column("lease_owner", String(120)),
    Column("lease_expires_at", UtcDateTime),
    Column("last_result", Text),
    Column("provider_id", String(200)),
    Column("reason", Text),
    Column("dispatched_at", UtcDateTime),
    Column("finished_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)
# Each index costs every planned action an apply writes, so there are few. Claiming, waking and
# the deadline sweep read the first (a waiting action's next attempt is never after its deadline);
# the second keeps keys unique and serves anything per group, per (SOP, group) pair or per
# (group, step). A key names its step and its group, so (group, step, key) is unique exactly when
# the key is, and one index does the work of two.
#: The order actions are claimed in, within a state; the claim index holds it after the state, so a
#: claim reads its batch off one index range in order instead of sorting every due action.
CLAIM_ORDER = (actions.c.next_attempt_at, actions.c.step_index, actions.c.part_index, actions.c.id)
Index("ix_actions_claim", actions.c.state, *CLAIM_ORDER)
KEY_INDEX = ("group_id", "step", "key_tail", "sop_id")
Index("ux_actions_group_step_key", *(actions.c[name] for name in KEY_INDEX), unique=True)
#: The states of an action still to be sent (what a pair's next due is the earliest of), in the
#: order the partial index's condition names them: a query must say the same to be served by it.
WAITING_STATES = (states.PLANNED, states.RETRYING)
# A third index, partial: only actions still to be sent, by pair and due. It gives each pair's
# next due, and how many of its actions are late, in a seek per pair: what ``status`` reports for
# ten million actions. A sent action leaves it, so it stays the size of what is still to come.
# PostgreSQL's copy has the same condition, written by its migrations (0018, 0022) and checked by
# a test: naming it here as ``postgresql_where`` would load SQLAlchemy's PostgreSQL dialect in
# every command on SQLite, a fifth of ``status``'s start-up. Queries never read it from here.
Index("ix_actions_waiting", actions.c.sop_id, actions.c.group_id, actions.c.due,
      sqlite_where=actions.c.state.in_(WAITING_STATES))

# A fourth, on the due time alone: a day's actions of every group (a lead's view, the day's
# execution figures) read as one range of it, not as a scan of the whole ledger.
Index("ix_actions_due", actions.c.due)

#: How many actions each (SOP, group) pair holds in each state (:mod:`.pair_counts` keeps it).
#: Without a rowid on SQLite: its rows are its key, read in key order as one b-tree.
pair_counts = Table(
    "pair_counts", metadata,
    Column("sop_id", String(80), primary_key=True),
    Column("group_id", String(120), primary_key=True),
    Column("state", String(16), primary_key=True),
    Column("n", Integer, nullable=False),
    sqlite_with_rowid=False,
)
Index("ix_pair_counts_group", pair_counts.c.group_id)
#: How many actions each SOP holds in each state: :data:`pair_counts` summed by SOP, kept as it
#: changes (see :mod:`.pair_counts`), so a fleet's status reads a row per SOP and state.
sop_counts = Table(
    "sop_counts", metadata,
    Column("sop_id", String(80), primary_key=True),
    Column("state", String(16), primary_key=True),
    Column("n", Integer, nullable=False),
    sqlite_with_rowid=False,
)
#: Changes to :data:`pair_counts` not yet folded into it (PostgreSQL's triggers append them).
pair_count_deltas = Table(
    "pair_count_deltas", metadata,
    Column("sop_id", String(80), nullable=False),
    Column("group_id", String(120), nullable=False),
    Column("state", String(16), nullable=False),
    Column("n", Integer, nullable=False),
)


def key_tail(key: str) -> str:
    """What the ledger stores of an action key: all after its SOP and step (see :data:`KEY_EXPRESSION`)."""
    return key.split("/", 2)[2]


def around_group(tail: str) -> tuple[str, str]:
    """A key tail's text before and after its group segment: the tail is ``before + group + after``
    (``before`` is empty or ends in a slash; ``after`` is the slash and the local due)."""
    *before, _group, due = tail.split("/")
    return "".join(f"{segment}/" for segment in before), f"/{due}"


def by_key(key: str) -> ColumnElement[bool]:
    """The condition that finds the action ``key`` through the unique (group, step, tail, SOP) index.

    A key is ``sop/step[/part]/group/local due``, and no id contains a slash. Text that is not
    shaped like a key matches nothing.
    """
    return among_keys([key])


def among_keys(keys: Collection[str]) -> ColumnElement[bool]:
    """The condition that finds the actions of ``keys`` (any number; see :func:`by_key`) through
    the unique index: their groups, steps, tails and SOPs, then the keys themselves. Text not
    shaped like a key matches nothing."""
    shaped = sorted(k for k in keys if k.count("/") >= 3)
    if not shaped:
        return false()
    segments = [k.split("/") for k in shaped]
    return and_(actions.c.group_id.in_(sorted({s[-2] for s in segments})),
                actions.c.step.in_(sorted({s[1] for s in segments})),
                actions.c.key_tail.in_(sorted({key_tail(k) for k in shaped})),
                actions.c.sop_id.in_(sorted({s[0] for s in segments})), actions.c.key.in_(shaped))


attempts = Table(
    "attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("action_key", String(400), nullable=False),
    Column("attempt_no", Integer, nullable=False),
    Column("target", String(200), nullable=False),
    Column("owner", String(120), nullable=False),
    Column("idempotency_key", String(420), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime),
    Column("outcome", String(16)),
    Column("provider_id", String(200)),
    Column("detail", Text),
    Column("retry_after_s", Integer),
)
Index("ix_attempts_target", attempts.c.target, attempts.c.started_at)
Index("ix_attempts_action", attempts.c.action_key)

#: Each group's members, as imported from a group tool or learned from member events.
members = Table(
    "members", metadata,
    Column("group_id", String(120), primary_key=True),
    Column("member_id", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("joined_at", UtcDateTime),
    Column("left_at", UtcDateTime),
    Column("tags", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

#: The stage of an SOP's ``stages`` each member is at, and since when (steps with ``stage:`` follow it).
member_stages = Table(
    "member_stages", metadata,
    Column("sop_id", String(80), primary_key=True),
    Column("group_id", String(120), primary_key=True),
    Column("member_id", String(200), primary_key=True),
    Column("stage", String(80), nullable=False),
    Column("since", UtcDateTime, nullable=False),
)

#: When each member started an SOP that a ``then: {members_to: …}`` began for them: its
#: ``audience: member`` steps count from then rather than from their join.
member_journeys = Table(
    "member_journeys", metadata,
    Column("sop_id", String(80), primary_key=True),
    Column("group_id", String(120), primary_key=True),
    Column("member_id", String(200), primary_key=True),
    Column("since", UtcDateTime, nullable=False),
)

#: Every import of a member's facts, stamped: their numbers over time (messages a week…).
member_history = Table(
    "member_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(120), nullable=False),
    Column("member_id", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("facts", JSON, nullable=False),
)
Index("ix_member_history_member", member_history.c.group_id, member_history.c.member_id, member_history.c.at)

#: The files steps carry (posters, handouts), by the SHA-256 of their bytes: every version and
#: every daemon reads the same bytes, whatever is on the disk where it runs.
media = Table(
    "media", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("type", String(120), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

#: What operators are told (digests, reminders, escalations), each sent once like an action.
notices = Table(
    "notices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),
    Column("operator", String(120), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("due", UtcDateTime, nullable=False),
    Column("about", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=False),
    #: Task key → whose task it is (operator ids): what the notice is about.
    Column("tasks", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    #: Bodies already sent (a long digest a channel splits): a retry sends only the rest.
    Column("progress", Integer, nullable=False, default=0),
    Column("lease_owner", String(120)),
    Column("lease_expires_at", UtcDateTime),
    Column("last_result", Text),
    Column("provider_id", String(200)),
    Column("reason", Text),
    Column("finished_at", UtcDateTime),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_notices_claim", notices.c.state, notices.c.next_attempt_at)
Index("ix_notices_due", notices.c.due)

#: Every facts import as it came (``groups import``), stamped: a group's numbers over time.
fact_history = Table(
    "fact_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(120), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("facts", JSON, nullable=False),
)
Index("ix_fact_history_group", fact_history.c.group_id, fact_history.c.at)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("group_id", String(120), nullable=False),
    Column("name", String(80), nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("data", JSON, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action_key", String(400)),
    Column("group_id", String(120)),
    Column("sop_id", String(80)),
    Column("from_state", String(16)),
    Column("to_state", String(16)),
    Column("detail", Text),
)
Index("ix_audit_action", audit.c.action_key)

meta = Table(
    "meta", metadata,
    Column("key", String(80), primary_key=True),
    Column("value", Text, nullable=False),
)

workers = Table(
    "workers", metadata,
    Column("id", String(120), primary_key=True),
    Column("host", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("heartbeat_at", UtcDateTime, nullable=False),
    Column("stopped_at", UtcDateTime),
    Column("stats", JSON, nullable=False),
)
