"""then

``groups.then_tags``: the tags an SOP's ``then:`` added and removed, kept over the groups file's;
``enrollments.then_done_at``: when ``then:`` was carried out for the pair (once).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 18:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('then_tags', sa.JSON(), nullable=True))
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('then_done_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('then_done_at')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('then_tags')
