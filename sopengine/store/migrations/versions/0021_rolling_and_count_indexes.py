"""rolling and count indexes

``ix_enrollments_rolling (rolling, active, planned_until)``: the daemon asks, every time it goes
to sleep, when the first rolling pair is next due for planning further (and every step, which
pairs are due): a range of this index, not a scan of every enrollment. ``ix_pair_counts_group
(group_id)``: a group's counts, read or recounted without scanning every pair's.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 23:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_enrollments_rolling', 'enrollments', ['rolling', 'active', 'planned_until'])
    op.create_index('ix_pair_counts_group', 'pair_counts', ['group_id'])


def downgrade() -> None:
    op.drop_index('ix_pair_counts_group', table_name='pair_counts')
    op.drop_index('ix_enrollments_rolling', table_name='enrollments')
