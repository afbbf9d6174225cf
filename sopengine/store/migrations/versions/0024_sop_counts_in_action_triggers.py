"""sop counts in the action triggers

A SQLite store first migrated to 0023 before its sums moved into the actions' count triggers kept
them with triggers of its own on ``pair_counts``; with the store now adding its inserts to the sums
itself, those would count every insert twice. Their triggers are dropped, the actions' count
triggers installed again as 0023 now leaves them, and the sums counted again from the counts. A
store migrated to 0023 as it is now only has its sums counted again. PostgreSQL is unchanged.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 03:30:00
"""
from __future__ import annotations

from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_OLD_SUM_TRIGGERS = ("pair_counts_sum_insert", "pair_counts_sum_update", "pair_counts_sum_delete")


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != 'sqlite':
        return
    from sopengine.store import pair_counts

    for name in (*_OLD_SUM_TRIGGERS, "actions_count_update", "actions_count_delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    pair_counts.install(conn, sums=True)
    op.execute("DELETE FROM sop_counts")
    op.execute("INSERT INTO sop_counts (sop_id, state, n) SELECT sop_id, state, sum(n) FROM pair_counts"
               " GROUP BY sop_id, state")


def downgrade() -> None:
    pass  # 0023 as it is now: the triggers and sums this leaves
