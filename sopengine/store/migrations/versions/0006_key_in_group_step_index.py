"""key in group step index

The unique constraint on ``key`` and the index ``ix_actions_group_step
(group_id, step)`` become one unique index ``ux_actions_group_step_key
(group_id, step, key)``. A key names its step and its group, so the three are
unique exactly when the key is; every reader of the old index reads the new
one by the same prefix, and a lookup by key gives its group and step too
(``tables.by_key``). An apply writes one index fewer for every action.

On SQLite it also tells the query planner what a ledger looks like (the rows
``ANALYZE`` would write into ``sqlite_stat1``). Without them the planner takes
"this state" to be as selective as "this group", and reads every planned
action through the claim index to find one group's.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 21:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

#: Names the unnamed unique constraint of 0001 on SQLite, where a table rebuild drops it.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
#: sqlite_stat1 rows for a million actions: a state matches a fifth of them (and a state and an
#: instant about twenty), a group about a hundred, a step of a group about ten, a key one.
PLANNER_STATS = {'ix_actions_claim': '1000000 200000 20', 'ux_actions_group_step_key': '1000000 100 10 1'}


def _key_constraint() -> str:
    # PostgreSQL named the constraint itself when 0001 created it
    return 'uq_actions_key' if op.get_bind().dialect.name == 'sqlite' else 'actions_key_key'


def upgrade() -> None:
    with op.batch_alter_table('actions', naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(_key_constraint(), type_='unique')
        batch_op.drop_index('ix_actions_group_step')
        batch_op.create_index('ux_actions_group_step_key', ['group_id', 'step', 'key'], unique=True)
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("ANALYZE sqlite_schema")  # creates sqlite_stat1 when missing, and nothing else
        op.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'actions'")
        for index, stat in PLANNER_STATS.items():
            op.execute(f"INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('actions', '{index}', '{stat}')")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'actions'")
    with op.batch_alter_table('actions', naming_convention=NAMING) as batch_op:
        batch_op.drop_index('ux_actions_group_step_key')
        batch_op.create_index('ix_actions_group_step', ['group_id', 'step'], unique=False)
        batch_op.create_unique_constraint(_key_constraint(), ['key'])
