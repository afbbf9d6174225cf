"""sqlite integer times

On SQLite, instants are now stored as integer microseconds since the Unix
epoch (see ``sopengine.store.timestamps``) instead of 26-character text. The
columns keep their ``DATETIME`` declaration; this converts the values already
stored. Nothing changes on PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 17:00:00
"""
from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: Every DateTime column, by table.
TIME_COLUMNS = {
    'groups': ('facts_updated_at', 'dissolved_at', 'updated_at'),
    'sop_versions': ('created_at',),
    'sops': ('updated_at',),
    'enrollments': ('planned_until',),
    'actions': ('due', 'deadline', 'next_attempt_at', 'lease_expires_at', 'dispatched_at', 'finished_at',
                'updated_at'),
    'attempts': ('started_at', 'finished_at'),
    'events': ('occurred_at', 'recorded_at'),
    'audit': ('at',),
    'workers': ('started_at', 'heartbeat_at', 'stopped_at'),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, columns in TIME_COLUMNS.items():
        for column in columns:
            # 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, microseconds from characters 21-26
            op.execute(f"UPDATE {table} SET {column} = CAST(strftime('%s', {column}) AS INTEGER) * 1000000"
                       f" + CAST(substr({column}, 21, 6) AS INTEGER) WHERE typeof({column}) = 'text'")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table, columns in TIME_COLUMNS.items():
        for column in columns:
            op.execute(f"UPDATE {table} SET {column} = strftime('%Y-%m-%d %H:%M:%S', {column} / 1000000, 'unixepoch')"
                       f" || '.' || printf('%06d', {column} % 1000000) WHERE typeof({column}) = 'integer'")
