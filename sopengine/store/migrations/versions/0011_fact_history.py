"""fact history

``fact_history``: every facts import, stamped, kept (members, active members, messages per day),
so reports and group calendars can show a group's numbers day by day.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fact_history',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_fact_history_group', 'fact_history', ['group_id', 'at'])


def downgrade() -> None:
    op.drop_index('ix_fact_history_group', table_name='fact_history')
    op.drop_table('fact_history')
