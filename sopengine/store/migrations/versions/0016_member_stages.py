"""member stages

``member_stages``: the stage of an SOP's ``stages`` each member is at, and since when.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 18:15:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'member_stages',
        sa.Column('sop_id', sa.String(length=80), nullable=False),
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('member_id', sa.String(length=200), nullable=False),
        sa.Column('stage', sa.String(length=80), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('sop_id', 'group_id', 'member_id'),
    )


def downgrade() -> None:
    op.drop_table('member_stages')
