"""``sopengine diff OLD NEW --groups G``: two versions of the SOP files compared as plans."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from sopengine.cli import main


def edited_copy(sops_dir, tmp_path):  # type: ignore[no-untyped-def]
    new = tmp_path / "new"
    shutil.copytree(sops_dir, new)
    camp = new / "learning-camp-21d.yaml"
    text = camp.read_text(encoding="utf-8")
    assert 'cron: "30 20 * * *"' in text and "早安" in text
    camp.write_text(text.replace('cron: "30 20 * * *"', 'cron: "0 21 * * *"').replace("早安", "早上好"),
                    encoding="utf-8")
    return new


def test_a_text_edit_is_changed_and_a_time_edit_is_moved(sops_dir, tmp_path):
    new = edited_copy(sops_dir, tmp_path)
    args = ["diff", str(sops_dir), str(new), "--groups", str(sops_dir / "groups.yaml")]
    result = CliRunner().invoke(main, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["added"] == 0 and doc["removed"] == 0 and doc["changed"] > 0 and doc["moved"] > 0
    assert {p["sop"] for p in doc["pairs"]} == {"learning-camp-21d"}
    moved = next(s for p in doc["pairs"] for s in p["samples"] if s["what"] == "moved")
    assert moved["before"]["due"].endswith("20:30:00+08:00") and moved["after"]["due"].endswith("21:00:00+08:00")
    changed = next(s for p in doc["pairs"] for s in p["samples"] if s["what"] == "changed")
    assert "早安" in changed["before"]["text"] and "早上好" in changed["after"]["text"]
    md = CliRunner().invoke(main, [*args, "--format", "markdown"])
    assert md.stdout.startswith("### sopengine diff") and "| learning-camp-21d | ppt-camp-2026-09-a |" in md.stdout
    table = CliRunner().invoke(main, args)
    assert table.exit_code == 0 and "改时间" in table.output


def test_the_same_files_make_no_differences(sops_dir):
    result = CliRunner().invoke(main, ["diff", str(sops_dir), str(sops_dir), "--groups", str(sops_dir / "groups.yaml"),
                                       "--format", "markdown"])
    assert result.exit_code == 0 and "No differences" in result.stdout


def test_a_broken_version_is_reported_and_exits_1(sops_dir, tmp_path):
    new = edited_copy(sops_dir, tmp_path)
    (new / "fan-group.yaml").write_text("sop: fans\nsteps: [}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["diff", str(sops_dir), str(new), "--groups", str(sops_dir / "groups.yaml")])
    assert result.exit_code == 1 and "fan-group.yaml:" in result.output
