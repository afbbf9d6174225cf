"""group roles

``groups.roles``: role → the operator who holds it in the group (群主: 暖暖妈), for steps that
name a role (``operator: 群主``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('roles', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('roles')
