"""sop counts

``sop_counts``: how many actions each SOP holds in each state, the sums of ``pair_counts`` kept as
they change (on SQLite by the actions' count triggers, which gain a statement, and the store's
inserts; on PostgreSQL by each fold of the deltas), so a fleet's ``status`` reads a row per SOP
and state instead of a row per pair and state. On
SQLite ``pair_counts`` becomes a table without rowid: its rows are its key, and what reads it in
key order (how many groups each SOP runs in, the pairs in trouble) reads one b-tree, not two. The
sums are filled from the counts already there.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def _rebuild_pair_counts(rowid: bool) -> None:
    """SQLite: ``pair_counts`` again, with or without its rowid. The triggers on ``actions`` name
    it, and SQLite refuses to rename a table while a trigger names one that is gone: they are
    dropped first and installed again after, keeping the sums (``not rowid``: after the upgrade)
    or not (after the downgrade)."""
    from sopengine.store import pair_counts

    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS actions_count_{event}")
    op.execute("CREATE TABLE pair_counts_0023 (sop_id VARCHAR(80) NOT NULL, group_id VARCHAR(120) NOT NULL,"
               " state VARCHAR(16) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (sop_id, group_id, state))"
               + ("" if rowid else " WITHOUT ROWID"))
    op.execute("INSERT INTO pair_counts_0023 (sop_id, group_id, state, n)"
               " SELECT sop_id, group_id, state, n FROM pair_counts")
    op.drop_table('pair_counts')
    op.rename_table('pair_counts_0023', 'pair_counts')
    op.create_index('ix_pair_counts_group', 'pair_counts', ['group_id'])
    pair_counts.install(op.get_bind(), sums=not rowid)


def upgrade() -> None:
    op.create_table(
        'sop_counts',
        sa.Column('sop_id', sa.String(length=80), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('sop_id', 'state'),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO sop_counts (sop_id, state, n) SELECT sop_id, state, sum(n) FROM pair_counts"
               " GROUP BY sop_id, state")
    if op.get_bind().dialect.name == 'sqlite':  # the table is there before the triggers name it
        _rebuild_pair_counts(rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        _rebuild_pair_counts(rowid=True)
    op.drop_table('sop_counts')
