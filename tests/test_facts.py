"""Facts the engine reads are typed where they are written: groups files and facts imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sopengine import load_groups
from sopengine.cli import main
from sopengine.loading.facts_file import load_facts
from sopengine.model.problems import SopFileError


def test_imported_cells_are_parsed_to_their_types_with_row_and_column(tmp_path):
    path = tmp_path / "facts.csv"
    path.write_text("id,members,active_members,last_message_at,city\n"
                    "a,186,64,2026-09-20T14:50:00+08:00,深圳\n"
                    "b,abc,1.5,yesterday,广州\n", encoding="utf-8")
    with pytest.raises(SopFileError) as caught:
        load_facts(path)
    where = [(p.line, p.col) for p in caught.value.problems]
    assert where == [(3, 2), (3, 3), (3, 4)]
    assert "fact 'members' must be a whole number of members: 'abc'" in caught.value.problems[0].message
    good = tmp_path / "good.csv"
    good.write_text("id,members,last_message_at\na,1,200,2026-09-20T14:50:00+08:00\n".replace("1,200", '"1,200"'),
                    encoding="utf-8")
    assert load_facts(good) == {"a": {"members": 1200, "last_message_at": "2026-09-20T14:50:00+08:00"}}


def test_a_csv_saved_by_chinese_excel_reads_as_gbk(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("id,members,城市\na,12,深圳\n".encode("gbk"))
    assert load_facts(path) == {"a": {"members": 12, "城市": "深圳"}}


def test_a_failed_import_changes_nothing(tmp_path, sops_dir):
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    runner = CliRunner()
    assert runner.invoke(main, ["apply", str(sops_dir), "--db", db, "--now", "2026-09-19T00:00+08:00"]).exit_code == 0
    before = runner.invoke(main, ["groups", "--format", "json", "--db", db]).stdout
    bad = tmp_path / "facts.csv"
    bad.write_text("id,members\nppt-camp-2026-09-a,200\nppt-camp-2026-09-b,abc\n", encoding="utf-8")
    result = runner.invoke(main, ["groups", "import", str(bad), "--db", db])
    assert result.exit_code == 1 and f"{bad}:3:2: " in result.output
    assert runner.invoke(main, ["groups", "--format", "json", "--db", db]).stdout == before


def test_a_groups_file_refuses_a_mistyped_fact_a_mapping_and_a_misspelt_key(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text("groups:\n"
                    "  - id: a\n    name: A\n    start: 2026-09-19\n"
                    "    chanels: {wechat: {operator: 小雅}}\n"
                    "    active_members: lots\n"
                    "    profile: {city: 深圳}\n"
                    "    city: 深圳\n", encoding="utf-8")
    with pytest.raises(SopFileError) as caught:
        load_groups(path)
    assert [(p.line, p.col) for p in caught.value.problems] == [(5, 5), (6, 21), (7, 14)]
    messages = [p.message for p in caught.value.problems]
    assert "unknown key 'chanels' (did you mean 'channels'?)" in messages[0]
    assert "fact 'active_members' must be a whole number" in messages[1]
    assert "fact 'profile' is a mapping" in messages[2]


def test_facts_in_a_groups_file_are_stored_typed(tmp_path):
    path = Path(tmp_path / "groups.yaml")
    path.write_text("groups:\n  - {id: a, name: A, start: 2026-09-19, active_members: '30'}\n", encoding="utf-8")
    (group,) = load_groups(path)
    assert group.facts == {"active_members": 30}


def test_a_cell_that_is_not_a_finite_number_stays_text(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("id,amt,n\na,NaN,inf\n", encoding="utf-8")
    assert load_facts(path) == {"a": {"amt": "NaN", "n": "inf"}}
    yaml_groups = tmp_path / "groups.yaml"
    yaml_groups.write_text("groups:\n  - {id: a, name: A, start: 2026-09-19, amt: .nan}\n", encoding="utf-8")
    with pytest.raises(SopFileError, match="not a finite number"):
        load_groups(yaml_groups)


def test_a_fact_named_like_a_plural_of_a_key_is_a_fact(tmp_path):
    path = tmp_path / "groups.yaml"
    path.write_text("groups:\n  - {id: a, name: A, start: 2026-09-19, names: [小雅, 阿杰], tag: camp}\n",
                    encoding="utf-8")
    with pytest.raises(SopFileError) as caught:
        load_groups(path)
    assert [p.message for p in caught.value.problems] == [
        "group 'a': unknown key 'tag' (did you mean 'tags'?); other keys are facts"]
