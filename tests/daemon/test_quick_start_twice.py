"""The README's promise: running the quick start again changes nothing."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from sopengine.cli import main
from sopengine.store.tables import actions, attempts, audit, enrollments, events, groups, sop_versions, sops

QUICK_START = ["--now", "2026-09-19T00:00+08:00", "--until", "2026-10-12T00:00+08:00"]
LEDGER = (groups, sop_versions, sops, enrollments, actions, attempts, events, audit)


def ledger(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        whole = {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                 for t in LEDGER}
    engine.dispose()
    return whole


def test_the_quick_start_run_twice_leaves_the_ledger_unchanged(store_url, sops_dir):
    args = ["run", str(sops_dir), "--groups", str(sops_dir / "groups.yaml"), *QUICK_START, "--db", store_url]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    before = ledger(store_url)
    assert len(before["actions"]) > 700
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert "added 0, changed 0, cancelled 0" in second.output
    after = ledger(store_url)
    for table in before:
        assert after[table] == before[table], table
