"""bulk: many actions updated in one statement, values as SQLAlchemy binds them, on every backend."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from sopengine.store import states
from sopengine.store.apply import apply
from sopengine.store.bulk import update_actions
from sopengine.store.tables import actions

from .camp_world import at, camp, groups, rows


def test_update_actions_writes_each_rows_values_and_the_fixed_ones_where_the_state_still_holds(store):
    apply(store, [camp()], groups(1), at(0))
    first, second, third = sorted(rows(store).values(), key=lambda r: r.id)[:3]
    with store.engine.begin() as conn:
        conn.execute(actions.update().where(actions.c.id == third.id).values(state=states.CANCELLED))
    later = datetime(2026, 9, 30, 1, 2, 3)
    with store.engine.begin() as conn:
        update_actions(conn, [
            {"id": first.id, "item": {"text": "话题一", "n": [1, 2]}, "deadline": later, "occurrence": 7},
            {"id": second.id, "item": None, "deadline": later, "occurrence": 8},
            {"id": third.id, "item": "skipped", "deadline": later, "occurrence": 9},
        ], {"version_id": 5, "reason": None}, state=states.PLANNED)
    after = rows(store)
    assert (after[first.key].item, after[first.key].deadline, after[first.key].occurrence) == (
        {"text": "话题一", "n": [1, 2]}, later, 7)
    assert (after[second.key].item, after[second.key].occurrence, after[second.key].version_id) == (None, 8, 5)
    assert after[third.key].occurrence == third.occurrence and after[third.key].version_id == third.version_id
    untouched = [r for r in after.values() if r.id not in {first.id, second.id, third.id}]
    assert all(r.version_id == first.version_id for r in untouched)


def test_update_actions_without_a_state_writes_every_row_and_keeps_the_counts(store):
    apply(store, [camp()], groups(1), at(0))
    ids = sorted(r.id for r in rows(store).values())[:4]
    done_at = datetime(2026, 9, 20, 2, 0)
    with store.engine.begin() as conn:
        update_actions(conn, [{"id": i, "updated_at": done_at, "finished_at": done_at} for i in ids],
                       {"state": states.DONE, "reason": "confirmed by operator"})
        done = conn.execute(select(actions.c.id, actions.c.finished_at).where(actions.c.state == states.DONE)).all()
    assert sorted(done) == [(i, done_at) for i in ids]  # the store fixture checks the kept counts after


def test_update_actions_with_fixed_values_alone_writes_them_to_every_row(store):
    apply(store, [camp()], groups(1), at(0))
    ids = sorted(r.id for r in rows(store).values())[:3]
    with store.engine.begin() as conn:
        update_actions(conn, [{"id": i} for i in ids], {"reason": "checked"}, state=states.PLANNED)
        update_actions(conn, [{"id": i} for i in ids], {})  # nothing to write: nothing happens
        reasons = conn.execute(select(actions.c.id, actions.c.reason).where(actions.c.reason == "checked")).all()
    assert sorted(reasons) == [(i, "checked") for i in ids]
