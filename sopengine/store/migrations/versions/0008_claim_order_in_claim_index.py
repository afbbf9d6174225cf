"""claim order in claim index

``ix_actions_claim (state, next_attempt_at)`` becomes ``(state,
next_attempt_at, step_index, part_index, id)``: the whole order actions are
claimed in, after the state. A claim reads its batch off one index range in
order and stops, where before it read and sorted every action already due:
each batch of a burst of 10,000 sorted what was left of the 10,000.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 23:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_actions_claim', table_name='actions')
    op.create_index('ix_actions_claim', 'actions', ['state', 'next_attempt_at', 'step_index', 'part_index', 'id'])


def downgrade() -> None:
    op.drop_index('ix_actions_claim', table_name='actions')
    op.create_index('ix_actions_claim', 'actions', ['state', 'next_attempt_at'])
