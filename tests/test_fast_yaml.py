"""The fast reading gives exactly what the round-trip loader gives, or leaves the file to it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sopengine.loading import fast_yaml
from sopengine.loading.source import MAX_DEPTH, SopFileError, load_yaml, new_yaml, to_plain

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(p for folder in ("sops", "tests", "docs") for p in (ROOT / folder).rglob("*.y*ml"))


def exact(text: str) -> object:
    return to_plain(new_yaml().load(text))


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(CORPUS) > 30
    assert fast_yaml.AVAILABLE, "PyYAML was built without libyaml"


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_in_the_repository_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    fast = fast_yaml.plain_or_none(text, MAX_DEPTH)
    if fast is None:
        return  # left to the exact loader: nothing to compare
    assert fast == exact(text)


SAME = [
    "on: 08:00\noff: yes\nno: n\n",  # YAML 1.2: no sexagesimal, no yes/no/on/off booleans
    "a: [1, -2, +3, 0, 1.5, -.5, 1e3, 2., .inf, -.Inf, true, False, ~, null, '', \"x\"]\n",
    "d: 2026-09-19\nt: 2026-09-19T08:00:00+08:00\nbad: 2026-02-30\n",  # dates stay text
    "text: |\n  第一行\n  第二行\n\nfold: >-\n  a\n  b\nkeep: |+\n  x\n\n",
    "? plain\n: value\n1: int key\n1.5: float key\nfalse: bool key\n~: null key\n",
    "msg: 红包！ Q&A 50% #1 \"quoted\"\nurl: https://example.com/a?b=c#d  # comment\n",
    "groups:\n- id: g1\n  tags: [fans]\n  vars: {host: 麦麦, n: 3}\n",
    "empty_map: {}\nempty_seq: []\nnested: [[1, [2]], {a: {b: c}}]\n",
    "'quoted key': 1\n\"08:00\": 2\n",
]


@pytest.mark.parametrize("text", SAME)
def test_plain_documents_read_the_same(text: str) -> None:
    fast = fast_yaml.plain_or_none(text, MAX_DEPTH)
    assert fast is not None
    assert fast == exact(text)


LEFT_TO_THE_EXACT_LOADER = [
    "a: 1\na: 2\n",  # a duplicate key: the exact loader reports it at its line
    "a: &x {b: 1}\nc: *x\n",  # aliases
    "<<: {a: 1}\nb: 2\n",  # merge keys
    "a: !!str 1\n", "a: !custom x\n", "%YAML 1.1\n---\na: yes\n",  # tags and directives
    "a: 0o17\n", "a: 0x1F\n", "a: 017\n", "a: 1_000\n", "a: 1_0.5\n",  # numbers not plain decimal
    "? [a, b]\n: 1\n",  # a key that is not a scalar
    "a: [\n", "a: b: c\n", "a:\n\tb: 1\n",  # syntax errors
    "a: 1\n---\nb: 2\n", "", "# only a comment\n",
]


@pytest.mark.parametrize("text", LEFT_TO_THE_EXACT_LOADER)
def test_anything_less_plain_is_left_to_the_exact_loader(text: str) -> None:
    assert fast_yaml.plain_or_none(text, MAX_DEPTH) is None


def test_nesting_deeper_than_the_limit_is_left_to_the_exact_loader() -> None:
    deep = "".join("  " * i + f"k{i}:\n" for i in range(70)) + "  " * 70 + "v\n"
    assert fast_yaml.plain_or_none(deep, MAX_DEPTH) is None
    shallow = "".join("  " * i + f"k{i}:\n" for i in range(10)) + "  " * 10 + "v\n"
    assert fast_yaml.plain_or_none(shallow, MAX_DEPTH) == exact(shallow)


def test_nan_reads_as_nan() -> None:
    fast = fast_yaml.plain_or_none("a: .nan\n", MAX_DEPTH)
    assert fast is not None and math.isnan(fast["a"])


def test_positions_are_found_only_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "groups.yaml"
    path.write_text("groups:\n  - id: g1\n    tags: [fans]\n    start: 2026-09-19\n", encoding="utf-8")
    doc = load_yaml(path)
    assert doc._tree is None and not doc._exact  # read by libyaml: no tree yet
    assert doc.plain()["groups"][0]["start"] == "2026-09-19"
    assert doc.position(["groups", 0, "start"]) == (4, 12)
    assert doc.position(["groups", 0, "tags"], key=True) == (3, 5)


def test_a_valid_sop_is_loaded_without_its_positions_and_finds_them_when_a_problem_needs_one(tmp_path: Path) -> None:
    from sopengine.loading.loader import load_sop
    from sopengine.model.sop import MATCH_POSITION

    path = tmp_path / "sop.yaml"
    path.write_text("sop: s\ntitle: t\ntimezone: Asia/Shanghai\nmatch: {tags: [fans]}\nsteps:\n"
                    "  - id: hello\n    kind: message\n    at: day 1 09:00\n    text: 你好\n"
                    "  - id: bye\n    kind: message\n    at: day 2 09:00\n    text: 再见\n", encoding="utf-8")
    sop = load_sop(path)
    doc = sop.positions._doc  # type: ignore[attr-defined]
    assert doc._tree is None  # nothing asked for a position: the file was read once, by libyaml
    assert sop.problem("bye", "x").line == 10 and sop.positions[MATCH_POSITION] == (4, 8)
    assert dict(sop.positions) == {":match": (4, 8), ":calendar": (1, 1), ":then": (1, 1), "hello": (6, 5),
                                   "bye": (10, 5)}


def test_syntax_errors_keep_their_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("sop:\n  id: x\n  name: a: b\n", encoding="utf-8")
    with pytest.raises(SopFileError) as caught:
        load_yaml(path)
    assert (caught.value.problems[0].line, caught.value.problems[0].col) == (3, 10)


@pytest.mark.parametrize("text", [
    "- " * 200_000 + "x\n",  # block nesting on one line
    "x: [a 'b, " + "[" * 300_000 + "]" * 300_000 + "]\n",  # flow nesting the bracket count misses
    'x: ["a\\" ", ' + "[" * 300_000 + "]" * 300_000 + "]\n",  # after an escaped quote
], ids=["block", "flow-after-quote", "flow-after-escaped-quote"])
def test_nesting_of_any_depth_is_reported_never_a_crash(tmp_path: Path, text: str) -> None:
    """libyaml's composer would recurse in C (and crash the process) on these. The fast reading
    builds from events with its own stack and stops at the limit; the exact reading reports
    the file as too deep or broken. Run in a subprocess, so a crash fails this test instead of
    ending the run."""
    import subprocess
    import sys

    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    assert fast_yaml.plain_or_none(text, MAX_DEPTH) is None
    script = ("import sys; from pathlib import Path; from sopengine.loading.source import load_yaml, SopFileError\n"
              "try:\n    load_yaml(Path(sys.argv[1]))\nexcept SopFileError as e:\n    print(e.problems[0].message)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nested deeper than" in done.stdout or "YAML syntax error" in done.stdout


@pytest.mark.parametrize("text", ["a:\tb\n", "a: b\t\n", "a: b\t# c\n", '["a":b]\n', "['a':b]\n",
                                  "\ufeff%YAML 1.1\n---\non: yes\n"])
def test_what_ruamel_reads_otherwise_is_left_to_it(text: str) -> None:
    """Tabs ruamel rejects, quoted keys glued to their colon, a directive behind a BOM."""
    assert fast_yaml.plain_or_none(text, MAX_DEPTH) is None


def test_equal_texts_are_one_string_so_a_fleets_repeats_cost_nothing() -> None:
    text = "groups:\n" + "".join(f"  - {{id: g{i}, tags: [camp, 训练营], pools: {{topics: [今天吃什么？]}}}}\n"
                                 for i in range(3))
    groups = fast_yaml.plain_or_none(text, MAX_DEPTH)["groups"]
    assert groups[0]["tags"][1] is groups[2]["tags"][1]
    assert groups[0]["pools"]["topics"][0] is groups[1]["pools"]["topics"][0]
    assert list(groups[0]) == ["id", "tags", "pools"] and [g["id"] for g in groups] == ["g0", "g1", "g2"]
