"""due index

``ix_actions_due (due)``: the actions due in a span (a day of every group: the lead's view, the
day's execution figures) read as one range of an index instead of a scan of the ledger.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_actions_due', 'actions', ['due'])


def downgrade() -> None:
    op.drop_index('ix_actions_due', table_name='actions')
