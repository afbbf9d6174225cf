"""Execution figures from records (pure): what each state counts as, rates, delays, grouping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from sopengine.operators.simulation import SimulationSpec
from sopengine.reports.execution import execution_report, who_did
from sopengine.words import say
from sopengine.store import ExecutionRecord

T = datetime(2026, 9, 20, 0, tzinfo=timezone.utc)


def record(key: str, state: str, finished: timedelta | None = None, *, group: str = "g1", channel: str = "wechat",
           by: str | None = None, sop: str = "camp") -> ExecutionRecord:
    return ExecutionRecord(key, sop, group, "s", channel, T, T + timedelta(hours=1), state,
                           T + finished if finished is not None else None, by)


def test_states_count_as_documented_and_rates_are_shares_of_assigned():
    records = [record("a", "done", timedelta(minutes=10), by="operator:xiaoya"),
               record("b", "done", timedelta(hours=2), by="operator:xiaoya"),
               record("c", "sent", timedelta(0), channel="wecom"), record("d", "overdue"), record("e", "missed"),
               record("f", "failed"), record("g", "skipped"), record("h", "due"), record("i", "planned"),
               record("j", "cancelled")]
    lines, total = execution_report(records, "sop", timezone.utc, lambda r: "x")
    assert [line.label for line in lines] == ["camp"]
    t = total.to_json()
    assert (t["assigned"], t["done"], t["on_time"], t["late"], t["overdue"], t["missed"], t["failed"], t["skipped"],
            t["open"]) == (8, 3, 2, 1, 1, 1, 1, 1, 1)
    assert t["execution_rate"] == pytest.approx(3 / 8) and t["on_time_rate"] == pytest.approx(2 / 8)
    assert t["median_delay_minutes"] == 10.0


def test_by_operator_is_who_confirmed_else_the_groups_operator_else_automatic():
    ops = {"g1": ("小雅",), "g2": ()}
    names = {"xiaoya": "小雅", "小雅": "小雅", "ajie": "阿杰"}
    manual = {"wechat"}.__contains__

    def who(r):  # type: ignore[no-untyped-def]
        return who_did(r, lambda g: ops.get(g, ()), manual, names.get)

    assert who(record("a", "done", by="operator:ajie")) == "阿杰"
    assert who(record("b", "overdue")) == "小雅"
    assert who(record("c", "sent", channel="wecom")) == say("who.automatic")
    assert who(record("d", "due", group="g2")) == "（未分配）"
    lines, _ = execution_report([record("x", "done", timedelta(0), group=g) for g in ("g2", "g1")], "group",
                                timezone.utc, lambda r: "-")
    assert [line.label for line in lines] == ["g1", "g2"]


def test_simulation_specs_parse_as_shares_or_percentages():
    assert SimulationSpec.parse("on_time=80,late=15,never=5") == SimulationSpec(0.8, 0.15, 0.05)
    assert SimulationSpec.parse("on_time=1") == SimulationSpec(1.0, 0.0, 0.0)
    for bad in ("sometimes=1", "on_time=x", "on_time=0.5,late=0.1", ""):
        with pytest.raises(ValueError):
            SimulationSpec.parse(bad)
