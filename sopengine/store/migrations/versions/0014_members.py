"""members

``members``: each group's members (imported, or learned from member events); ``member_history``:
every import of their facts, stamped.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'members',
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('member_id', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('joined_at', sa.DateTime(), nullable=True),
        sa.Column('left_at', sa.DateTime(), nullable=True),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('group_id', 'member_id'),
    )
    op.create_table(
        'member_history',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('member_id', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_member_history_member', 'member_history', ['group_id', 'member_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_member_history_member', table_name='member_history')
    op.drop_table('member_history')
    op.drop_table('members')
