"""key in group step index

The unique constraint on ``key`` and the index ``ix_actions_group_step
(group_id, step)`` become one unique index ``ux_actions_group_step_key
(group_id, step, key)``. A key names its step and its group, so the three are
unique exactly when the key is; every reader of the old index reads the new
one by the same prefix, and a lookup by key gives its group and step too
(``tables.by_key``). An apply writes one index fewer for every action.

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


def _key_constraint() -> str:
    # PostgreSQL named the constraint itself when 0001 created it
    return 'uq_actions_key' if op.get_bind().dialect.name == 'sqlite' else 'actions_key_key'


def upgrade() -> None:
    with op.batch_alter_table('actions', naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(_key_constraint(), type_='unique')
        batch_op.drop_index('ix_actions_group_step')
        batch_op.create_index('ux_actions_group_step_key', ['group_id', 'step', 'key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('actions', naming_convention=NAMING) as batch_op:
        batch_op.drop_index('ux_actions_group_step_key')
        batch_op.create_index('ix_actions_group_step', ['group_id', 'step'], unique=False)
        batch_op.create_unique_constraint(_key_constraint(), ['key'])
