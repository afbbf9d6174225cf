"""operators

The people who do manual tasks: the groups file's ``operators:`` (``operators``), who does each
group's tasks (``groups.operators``, indexed by person in ``group_operators``), and the personal
links to the workspace (``operator_tokens``: hashes only).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 14:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('operators', sa.JSON(), nullable=True))
    op.create_table(
        'group_operators',
        sa.Column('group_id', sa.String(length=120), nullable=False),
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('group_id', 'operator'),
    )
    op.create_index('ix_group_operators_operator', 'group_operators', ['operator'])
    op.create_table(
        'operators',
        sa.Column('id', sa.String(length=120), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=True),
        sa.Column('notify', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'operator_tokens',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('lead', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_operator_tokens_operator', 'operator_tokens', ['operator'])


def downgrade() -> None:
    op.drop_index('ix_operator_tokens_operator', table_name='operator_tokens')
    op.drop_table('operator_tokens')
    op.drop_table('operators')
    op.drop_index('ix_group_operators_operator', table_name='group_operators')
    op.drop_table('group_operators')
    with op.batch_alter_table('groups', schema=None) as batch_op:
        batch_op.drop_column('operators')
