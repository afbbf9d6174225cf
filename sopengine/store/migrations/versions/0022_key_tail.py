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


def _check_keys() -> None:
    """Every stored key starts with its SOP and step, or the generated one would differ from it
    (and from the audit and attempts that name it): then nothing is changed."""
    odd = op.get_bind().exec_driver_sql(
        "SELECT key FROM actions WHERE substr(key, 1, length(sop_id) + length(step) + 2)"
        " <> sop_id || '/' || step || '/' LIMIT 3").scalars().all()
    if odd:
        raise RuntimeError(f"actions whose key does not start with their SOP and step, e.g. {odd}: "
                           "migration 0022 cannot store them as tails")


def upgrade() -> None:
    _check_keys()
    sqlite = op.get_bind().dialect.name == 'sqlite'
    _drop_indexes()
    op.add_column('actions', sa.Column('key_tail', sa.String(length=400)))
    if not sqlite:  # the count trigger would compare every row's old and new state, all unchanged
        op.execute("ALTER TABLE actions DISABLE TRIGGER actions_count_update")
    op.execute(f"UPDATE actions SET key_tail = {_TAIL}")
    if not sqlite:
        op.execute("ALTER TABLE actions ENABLE TRIGGER actions_count_update")
    persisted = None if sqlite else True
    _columns(['key'], [sa.Column('key', sa.String(length=400), sa.Computed(_KEY, persisted=persisted),
                                 nullable=False)], not_null='key_tail')
    _create_indexes(['group_id', 'step', 'key_tail', 'sop_id'])


def downgrade() -> None:
    _drop_indexes()
    op.add_column('actions', sa.Column('key_text', sa.String(length=400)))
    op.execute(f"UPDATE actions SET key_text = {_KEY}")
    _columns(['key', 'key_tail'], [], not_null='key_text', rename='key')
    _create_indexes(['group_id', 'step', 'key'])
    if op.get_bind().dialect.name == 'sqlite':
        _restore_after_rebuild()


#: SQLite's planner statistics for the actions' indexes as 0021 left them (``database.migrate``
#: writes them after an upgrade; after a downgrade nothing else does).
_STATISTICS_0021 = {"ix_actions_claim": "1000000 200000 20 10 10 1", "ux_actions_group_step_key": "1000000 100 10 1",
                    "ix_actions_waiting": "500000 50000 50 1", "ix_actions_due": "1000000 20"}


def _restore_after_rebuild() -> None:
    """The count triggers and planner statistics a SQLite table rebuild dropped."""
    from sopengine.store import pair_counts

    conn = op.get_bind()
    pair_counts.install(conn, sums=False)
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # creates sqlite_stat1 if missing
    conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'actions'")
    conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                         [("actions", index, stat) for index, stat in _STATISTICS_0021.items()])
