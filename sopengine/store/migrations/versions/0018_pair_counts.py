"""pair counts

``pair_counts``: how many actions each (SOP, group) pair holds in each state, kept by triggers
(and, on SQLite, by the store's inserts); ``pair_count_deltas``: PostgreSQL's changes not yet
folded in. ``ix_actions_waiting``: a partial index of the actions still to be sent, by pair and
due. Together they let ``status`` read a ledger of ten million actions in well under a second.
The counts are filled from the actions already there.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 21:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sopengine.store import pair_counts


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_WAITING = "state IN ('planned', 'retrying')"


def upgrade() -> None:
    op.create_table(
        'pair_counts',
        sa.Column('sop_id', sa.String(length=80), nullable=False),
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('sop_id', 'group_id', 'state'),
    )
    op.create_table(
        'pair_count_deltas',
        sa.Column('sop_id', sa.String(length=80), nullable=False),
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
    )
    op.create_index('ix_actions_waiting', 'actions', ['sop_id', 'group_id', 'due'],
                    sqlite_where=sa.text(_WAITING), postgresql_where=sa.text(_WAITING))
    conn = op.get_bind()
    conn.exec_driver_sql("INSERT INTO pair_counts (sop_id, group_id, state, n)"
                         " SELECT sop_id, group_id, state, count(*) FROM actions GROUP BY sop_id, group_id, state")
    pair_counts.install(conn, sums=False)


def downgrade() -> None:
    conn = op.get_bind()
    for event in ("insert", "update", "delete"):
        if conn.dialect.name == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS actions_count_{event}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS actions_count_{event} ON actions")
            op.execute(f"DROP FUNCTION IF EXISTS sopengine_count_{event}d()")
    op.drop_index('ix_actions_waiting', table_name='actions')
    op.drop_table('pair_count_deltas')
    op.drop_table('pair_counts')
