"""notices

``notices``: digests, reminders and escalations to operators, each planned once under its key and
sent once by the daemon; ``operators.notices``: each operator's resolved notice settings.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices', sa.JSON(), nullable=True))
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('channel', sa.String(length=40), nullable=False),
        sa.Column('due', sa.DateTime(), nullable=False),
        sa.Column('about', sa.DateTime(), nullable=False),
        sa.Column('deadline', sa.DateTime(), nullable=False),
        sa.Column('tasks', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('lease_owner', sa.String(length=120), nullable=True),
        sa.Column('lease_expires_at', sa.DateTime(), nullable=True),
        sa.Column('last_result', sa.Text(), nullable=True),
        sa.Column('provider_id', sa.String(length=200), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_notices_claim', 'notices', ['state', 'next_attempt_at'])
    op.create_index('ix_notices_due', 'notices', ['due'])


def downgrade() -> None:
    op.drop_index('ix_notices_due', table_name='notices')
    op.drop_index('ix_notices_claim', table_name='notices')
    op.drop_table('notices')
    with op.batch_alter_table('operators', schema=None) as batch_op:
        batch_op.drop_column('notices')
