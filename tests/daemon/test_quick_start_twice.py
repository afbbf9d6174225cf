"""The README's promise: running the quick start again changes nothing."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner
from sqlalchemy import create_engine, select

from sopengine.cli import main
from sopengine.store.tables import (
    actions, attempts, audit, enrollments, events, group_operators, groups, operators, sop_versions, sops,
)

QUICK_START = ["--now", "2026-09-19T00:00+08:00", "--until", "2026-10-12T00:00+08:00", "--simulate-operators"]
LEDGER = (groups, sop_versions, sops, enrollments, actions, attempts, events, audit, operators, group_operators)


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
    state = [c.name for c in actions.columns].index("state")
    moved = sum(1 for row in before["actions"] if row[state] not in ("planned", "cancelled"))
    assert f"this run: {moved} actions dispatched (" in first.output  # actions, not state changes
    assert "; later, operator tasks not confirmed by due + grace (overdue)" in first.output
    assert "simulated operators confirmed" in first.output and "合计" in first.output  # the execution report
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    assert "added 0, changed 0, cancelled 0" in second.output
    after = ledger(store_url)
    for table in before:
        assert after[table] == before[table], table


def test_apply_dry_run_shows_the_change_and_leaves_the_ledger_as_it_was(store_url, sops_dir, tmp_path):
    import json
    import shutil

    runner = CliRunner()
    first = runner.invoke(main, ["apply", str(sops_dir), "--now", "2026-09-19T00:00+08:00", "--db", store_url])
    assert first.exit_code == 0, first.output
    before = ledger(store_url)
    edited = tmp_path / "sops"
    shutil.copytree(sops_dir, edited)
    camp = edited / "learning-camp-21d.yaml"
    camp.write_text(camp.read_text(encoding="utf-8").replace('cron: "30 20 * * *"', 'cron: "0 21 * * *"'),
                    encoding="utf-8")
    args = ["apply", str(edited), "--now", "2026-09-25T00:00+08:00", "--db", store_url, "--dry-run"]
    as_json = runner.invoke(main, [*args, "--format", "json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.stdout)
    assert report["dry_run"] is True and report["added"] > 0 and report["cancelled"] > 0
    pair = next(p for p in report["pairs"] if p["group"] == "ppt-camp-2026-09-a")
    assert pair["samples"]["added"][0].endswith("T21:00") and pair["samples"]["cancelled"][0].endswith("T20:30")
    as_markdown = runner.invoke(main, [*args, "--format", "markdown"])
    assert as_markdown.stdout.startswith("### sopengine apply --dry-run")
    assert "| learning-camp-21d | ppt-camp-2026-09-a |" in as_markdown.stdout
    table = runner.invoke(main, args)
    assert "dry run: nothing was written" in table.output
    assert ledger(store_url) == before
