"""rolling enrollments

``enrollments.persistent`` becomes ``enrollments.rolling``: whether the daemon keeps planning
the pair further ahead as time passes. That was true of persistent SOPs only; a lifetime SOP
whose life reaches beyond the planning horizon now rolls too, planned a horizon ahead rather
than to its last day. Pairs planned before keep what they hold (fully planned: not rolling).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 22:30:00
"""
from __future__ import annotations

from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enrollments') as batch:
        batch.alter_column('persistent', new_column_name='rolling')


def downgrade() -> None:
    with op.batch_alter_table('enrollments') as batch:
        batch.alter_column('rolling', new_column_name='persistent')
