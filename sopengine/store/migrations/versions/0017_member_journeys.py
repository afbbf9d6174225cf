"""member journeys

``member_journeys``: when each member started an SOP a ``then: {members_to: …}`` began for them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 18:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'member_journeys',
        sa.Column('sop_id', sa.String(length=80), nullable=False),
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('member_id', sa.String(length=200), nullable=False),
        sa.Column('since', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('sop_id', 'group_id', 'member_id'),
    )


def downgrade() -> None:
    op.drop_table('member_journeys')
