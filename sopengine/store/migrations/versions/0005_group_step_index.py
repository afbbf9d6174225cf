"""group step index

``ix_actions_group_due (group_id, due)`` becomes ``ix_actions_group_step
(group_id, step)``. A pair's actions are still found through it (a group has few
actions per SOP, and none of its readers needs them in due order from the
index), and now so are one step's actions of a group: re-applying an edit of
one step reads those alone instead of every action of every group, and an
event's same-minute lookup no longer filters the group's actions by step.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:30:00
"""
from __future__ import annotations

from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_actions_group_due', table_name='actions')
    op.create_index('ix_actions_group_step', 'actions', ['group_id', 'step'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_actions_group_step', table_name='actions')
    op.create_index('ix_actions_group_due', 'actions', ['group_id', 'due'], unique=False)
