"""The store's one front door: an interface in ``store/abc.py``, one implementation, domain
records out, and planning handed in from above (the store imports nothing of planning)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from sopengine.model.actions import PlannedAction, Window
from sopengine.model.group import Group
from sopengine.model.sop import Sop
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import ActionView, DataStore, Store, StoredGroup

from .camp_world import at, camp, groups

STORE = Path(__file__).resolve().parents[2] / "sopengine" / "store"


def test_the_store_imports_nothing_of_planning_or_rendering():
    for path in sorted(STORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("sopengine.planning", "sopengine.rendering")), \
                    f"{path.name} imports {node.module}"


def test_the_store_implements_every_method_of_the_interface_with_its_signature():
    assert issubclass(Store, DataStore) and not Store.__abstractmethods__
    abstract = {name for name, member in vars(DataStore).items() if getattr(member, "__isabstractmethod__", False)}
    assert {"apply", "claim_due", "record_outcomes", "mark_done", "groups_by_id", "heartbeat"} <= abstract
    for name in abstract:
        wanted, got = getattr(DataStore, name), getattr(Store, name)
        if isinstance(wanted, property):
            continue
        assert list(inspect.signature(got).parameters)[:len(inspect.signature(wanted).parameters)] == \
            list(inspect.signature(wanted).parameters), name


class EveryOtherAction(LedgerPlanner):
    """A planner of a test's own: the store writes what it is handed, and nothing else."""

    def __init__(self) -> None:
        self.planned: list[str] = []

    def plan(self, sop: Sop, group: Group, window: Window) -> list[PlannedAction]:
        self.planned.append(group.id)
        return super().plan(sop, group, window)[::2]


def test_a_store_writes_what_the_planner_it_was_given_plans(store_url, host):
    planner = EveryOtherAction()
    store = Store.open(store_url, host.kinds, planner=planner)
    try:
        store.apply([camp()], groups(1), at(0))
        whole = LedgerPlanner()
        everything = whole.plan(camp(), groups(1)[0], whole.first_window(camp(), groups(1)[0], at(0)))
        stored = store.list_actions()
        assert planner.planned == ["g0"]
        assert [a.key for a in stored] == [a.key for a in everything[::2] if a.due + a.grace >= at(0)]
    finally:
        store.close()


def test_a_store_opened_without_a_planner_reads_but_does_not_plan(store, store_url, host):
    store.apply([camp()], groups(1), at(0))
    reader = Store.open(store_url, host.kinds, create=False)
    try:
        assert reader.list_actions()
        with pytest.raises(TypeError, match="without a planner"):
            reader.apply([camp()], groups(1), at(0))
    finally:
        reader.close()


def test_reads_return_domain_records_not_rows(store):
    store.apply([camp()], groups(2), at(0))
    stored = store.groups_by_id({"g0", "nope"})
    assert set(stored) == {"g0"}
    assert isinstance(stored["g0"], StoredGroup) and isinstance(stored["g0"].group, Group)
    group, written = stored["g0"].group, groups(2)[0]
    assert (group.id, group.name, group.start, group.tags, group.facts, group.channels) == \
        (written.id, written.name, written.start, written.tags, written.facts, written.channels)
    assert stored["g0"].paused is False and stored["g0"].dissolved_at is None
    assert all(isinstance(a, ActionView) for a in store.list_actions(group="g0"))
