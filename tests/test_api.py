"""The public API is pinned: changing it is a deliberate act."""

import sopengine


def test_public_api_is_pinned():
    assert sorted(sopengine.__all__) == [
        "Group", "LoadOptions", "PlannedAction", "Problem", "Sop", "SopFileError", "Window",
        "Workspace", "__version__", "date_window", "life_window", "load_groups", "load_sop",
        "load_workspace", "matches", "plan", "plan_workspace", "sop_json_schema",
    ]
    for name in sopengine.__all__:
        assert hasattr(sopengine, name)


def test_workspace_keeps_good_files_when_one_is_broken(spec_dir, tmp_path):
    (tmp_path / "broken.yaml").write_text("sop: broken\nsteps: [\n", encoding="utf-8")
    ws = sopengine.load_workspace([spec_dir, tmp_path / "broken.yaml"])
    assert [s.id for s in ws.sops] == ["learning-camp-21d"]
    assert not ws.ok
    assert {p.file for p in ws.problems if p.severity == "error"} == {str(tmp_path / "broken.yaml")}
    assert sopengine.plan_workspace(ws.sops, ws.groups)


def test_duplicate_sop_ids_across_files(spec_dir, tmp_path):
    text = (spec_dir / "learning-camp.yaml").read_text(encoding="utf-8")
    (tmp_path / "pools").mkdir()
    (tmp_path / "pools" / "ppt-lessons.yaml").write_text("- a\n" * 20, encoding="utf-8")
    (tmp_path / "copy.yaml").write_text(text, encoding="utf-8")
    ws = sopengine.load_workspace([spec_dir / "learning-camp.yaml", tmp_path / "copy.yaml"])
    assert any("already used by" in p.message and p.line == 1 for p in ws.problems)


def test_groups_files_named_replace_the_groups_files_among_the_paths(sops_dir, tmp_path):
    few = tmp_path / "g2.yaml"
    few.write_text("groups:\n  - {id: only-one, name: 唯一的群, start: 2026-09-19, tags: [fans]}\n", encoding="utf-8")
    ws = sopengine.load_workspace([sops_dir], [few])
    assert [g.id for g in ws.groups] == ["only-one"]
    assert len(sopengine.load_workspace([sops_dir]).groups) == 10  # without a name, the folder's own
