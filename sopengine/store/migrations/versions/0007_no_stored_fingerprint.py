"""no stored fingerprint

``actions.fingerprint`` goes. It was a function of the row's version and step
(``definition.step_fingerprint``), and an action keeps the version that
planned it, so re-plan works it out from the version instead: 33 bytes less
for every action an apply writes. A downgrade adds the column back empty, so
an older engine re-applying counts every future action as changed once.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 21:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('actions') as batch_op:
        batch_op.drop_column('fingerprint')


def downgrade() -> None:
    with op.batch_alter_table('actions') as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=False, server_default=''))
