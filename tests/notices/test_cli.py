"""Notices end to end through the CLI, on SQLite and PostgreSQL: a simulated life of the sample
SOPs with everyone reached on the console channel; what was written out is what the ledger says
was sent, once each, and ``actions --notices`` and ``report`` agree."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner

from sopengine.cli import main

START, END = "2026-09-19T00:00+08:00", "2026-09-23T00:00+08:00"
REACHED = """operators:
  - {id: xiaoya, name: 小雅, notify: {channel: console}, digest: "07:30"}
  - {id: ajie, name: 阿杰, notify: {channel: console}, remind: 15m}
  - {id: nuannuan, name: 暖暖妈, role: lead, notify: {channel: console}}
"""


def cli(*args: str, db: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--db", db])


def test_a_simulated_life_tells_each_notice_once_and_the_ledger_agrees(store_url, sops_dir, tmp_path):
    sample = (sops_dir / "groups.yaml").read_text(encoding="utf-8")
    head, _, rest = sample.partition("operators:\n")
    groups = tmp_path / "groups.yaml"
    groups.write_text(head + REACHED + "\ngroups:" + rest.partition("\ngroups:")[2], encoding="utf-8")
    told_file = tmp_path / "told.jsonl"
    result = cli("run", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(groups), "--now", START,
                 "--until", END, "--simulate-operators", "on_time=0.6,late=0.2,never=0.2", "--seed", "7",
                 "--channel-option", f"console.path={told_file}", "-q", db=store_url)
    assert result.exit_code == 0, result.output
    assert "notices to operators: " in result.output
    told = [json.loads(line) for line in told_file.read_text(encoding="utf-8").splitlines()]
    keys = [t["key"] for t in told]
    assert len(keys) == len(set(keys)) > 0
    assert {k.split("/")[0] for k in keys} == {"digest", "reminder", "escalation"}
    assert all(t["text"] for t in told) and any(t["text"].startswith("⚠️") for t in told)

    listed = json.loads(cli("actions", "--notices", "--format", "json", db=store_url).stdout)
    assert sorted(n["key"] for n in listed if n["state"] == "sent") == sorted(keys)
    assert {n["operator"] for n in listed if n["kind"] == "escalation"} == {"nuannuan"}
    assert all(n["due"].endswith("+08:00") for n in listed)
    reminders = [n for n in listed if n["kind"] == "reminder" and n["operator"] == "ajie"]
    assert reminders and all(n["tasks"] for n in reminders)

    report = json.loads(cli("report", "--format", "json", db=store_url).stdout)
    counted = Counter((n["kind"], n["state"]) for n in listed)
    assert {(k, s): n for k, by in report["notices"].items() for s, n in by.items()} == dict(counted)

    again = cli("run", "--now", START, "--until", END, "-q", "--channel-option", f"console.path={told_file}",
                db=store_url)
    assert again.exit_code == 0, again.output
    assert len(told_file.read_text(encoding="utf-8").splitlines()) == len(keys)  # nothing told twice


def test_actions_notices_options_are_checked(store_url):
    result = cli("actions", "--notices", "--group", "g1", db=store_url)
    assert result.exit_code == 2 and "--operator" in result.output
    result = cli("actions", "--operator", "xiaoya", db=store_url)
    assert result.exit_code == 2 and "--notices" in result.output
