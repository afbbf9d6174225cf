"""leaner action indexes

Every index on ``actions`` is paid for by every planned action an apply writes
(10,000 groups x a 21-day camp is about a million rows). Two were redundant:
the deadline sweep reads ``ix_actions_claim`` (a waiting action's next attempt
is never after its deadline), and a pair's actions are read through
``ix_actions_group_due`` (a group has few actions per SOP).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:40:00
"""
from __future__ import annotations

from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_actions_deadline', table_name='actions')
    op.drop_index('ix_actions_pair', table_name='actions')


def downgrade() -> None:
    op.create_index('ix_actions_pair', 'actions', ['sop_id', 'group_id'], unique=False)
    op.create_index('ix_actions_deadline', 'actions', ['state', 'deadline'], unique=False)
