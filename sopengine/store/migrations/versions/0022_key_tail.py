"""key tail

``actions.key`` is no longer stored: ``actions.key_tail`` holds what follows the SOP and step
(``[part/][m.ID/]group/local due``) and ``key`` is generated from the three (virtual on SQLite,
stored on PostgreSQL, which has no virtual columns before 18). The unique index becomes
``(group_id, step, key_tail, sop_id)``: unique exactly when the key is, read by the same
(group, step) prefix. Every action is about 60 bytes smaller on SQLite (its key in the table and
in the index), a tenth of a fleet's store.

The actions' other indexes are dropped first and built again once the rows are rewritten.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 00:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

_KEY = "sop_id || '/' || step || '/' || key_tail"
_TAIL = "substr(key, length(sop_id) + length(step) + 3)"
_WAITING = "state IN ('planned', 'retrying')"
#: The actions' indexes other than the unique one, as 0008, 0018 and 0019 left them.
_INDEXES = {
    'ix_actions_claim': (['state', 'next_attempt_at', 'step_index', 'part_index', 'id'], None),
    'ix_actions_waiting': (['sop_id', 'group_id', 'due'], _WAITING),
    'ix_actions_due': (['due'], None),
}


def _drop_indexes() -> None:
    op.drop_index('ux_actions_group_step_key', table_name='actions')
    for name in _INDEXES:
        op.drop_index(name, table_name='actions')


def _create_indexes(unique: list[str]) -> None:
    op.create_index('ux_actions_group_step_key', 'actions', unique, unique=True)
    for name, (columns, where) in _INDEXES.items():
        condition = None if where is None else sa.text(where)
        op.create_index(name, 'actions', columns, sqlite_where=condition, postgresql_where=condition)


def _columns(drop: list[str], add: list[sa.Column], not_null: str, rename: str | None = None) -> None:
    """Drop ``drop``, add ``add``, make ``not_null`` NOT NULL (renamed to ``rename``). SQLite
    rebuilds the table once for all of it."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('actions', recreate='always') as batch_op:
            for name in drop:
                batch_op.drop_column(name)
            batch_op.alter_column(not_null, existing_type=sa.String(length=400), nullable=False,
                                  new_column_name=rename)
            for column in add:
                batch_op.add_column(column)
        return
    for name in drop:
        op.drop_column('actions', name)
    op.alter_column('actions', not_null, existing_type=sa.String(length=400), nullable=False, new_column_name=rename)
    for column in add:
        op.add_column('actions', column)


def upgrade() -> None:
    _drop_indexes()
    op.add_column('actions', sa.Column('key_tail', sa.String(length=400)))
    op.execute(f"UPDATE actions SET key_tail = {_TAIL}")
    persisted = None if op.get_bind().dialect.name == 'sqlite' else True
    _columns(['key'], [sa.Column('key', sa.String(length=400), sa.Computed(_KEY, persisted=persisted),
                                 nullable=False)], not_null='key_tail')
    _create_indexes(['group_id', 'step', 'key_tail', 'sop_id'])


def downgrade() -> None:
    _drop_indexes()
    op.add_column('actions', sa.Column('key_text', sa.String(length=400)))
    op.execute(f"UPDATE actions SET key_text = {_KEY}")
    _columns(['key', 'key_tail'], [], not_null='key_text', rename='key')
    _create_indexes(['group_id', 'step', 'key'])
