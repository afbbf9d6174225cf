"""Every file in tests/data/broken is refused with exit 1 at the right line and column.

Each file states what it expects in header comments: ``# expect: LINE:COL: text``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sopengine.cli import main

BROKEN = Path(__file__).parent / "data" / "broken"
EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$", re.M)
FILES = sorted(BROKEN.glob("*.yaml"))


def test_corpus_is_not_empty():
    assert len(FILES) >= 20


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_broken_file_reports_each_expected_problem(path: Path):
    expectations = EXPECT.findall(path.read_text(encoding="utf-8"))
    assert expectations, f"{path.name} states no expectation"
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), "a broken file must never raise"
    assert "Traceback" not in result.output
    lines = result.stdout.splitlines()
    for line, col, text in expectations:
        prefix = f"{path}:{line}:{col}: "
        assert any(out.startswith(prefix) and text in out for out in lines), (
            f"expected {prefix}…{text}… in:\n{result.stdout}")


def test_all_problems_of_all_files_at_once():
    result = CliRunner().invoke(main, ["validate", str(BROKEN)])
    assert result.exit_code == 1
    files_with_problems = {line.split(":", 1)[0] for line in result.stdout.splitlines()}
    assert files_with_problems == {str(p) for p in FILES}


def test_json_format_lists_problems():
    import json
    result = CliRunner().invoke(main, ["validate", "--format", "json", str(BROKEN / "timezone.yaml")])
    data = json.loads(result.stdout)
    assert data["ok"] is False
    assert data["problems"][0]["line"] == 3 and data["problems"][0]["col"] == 11
