"""Pool files: the formats ops teams keep content in, and the header rule of a CSV pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from sopengine.loading.pools import load_pool

from .helpers import group, sop_from_text
from sopengine import plan


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_a_csv_pools_first_row_is_its_header_whatever_it_says(tmp_path):
    topics = load_pool(write(tmp_path, "t.csv", "topic\n周末烤什么？\n\n最爱的面包店\n"))
    assert topics == ["周末烤什么？", "最爱的面包店"]
    assert load_pool(write(tmp_path, "z.csv", "话题\n第一条\n")) == ["第一条"]


def test_a_csv_saved_by_excel_with_a_bom_reads_the_same(tmp_path):
    assert load_pool(write(tmp_path, "b.csv", "\ufefftopic\n周末烤什么？\n")) == ["周末烤什么？"]


def test_a_csv_with_several_columns_gives_one_mapping_per_row(tmp_path):
    items = load_pool(write(tmp_path, "p.csv", "title,price\n蛋黄酥,39\n凤梨酥\n"))
    assert items == [{"title": "蛋黄酥", "price": "39"}, {"title": "凤梨酥", "price": ""}]
    with pytest.raises(ValueError, match="the first row is the header"):
        load_pool(write(tmp_path, "q.csv", "title,title\na,b\n"))


def test_the_header_never_reaches_a_post(tmp_path):
    write(tmp_path, "topics.csv", "topic\n周末烤什么？\n最爱的面包店\n")
    sop = sop_from_text("""
        sop: talk
        match: {tags: [camp]}
        lifetime: 2d
        pools: {topics: {file: topics.csv}}
        steps:
          - {id: topic, kind: topic, cron: "0 20 * * *", days: 1-2, pick: topics, text: "今晚话题：{{ item }}"}
    """, path=str(tmp_path / "talk.yaml"))
    assert [a.payload["text"] for a in plan(sop, group())] == ["今晚话题：周末烤什么？", "今晚话题：最爱的面包店"]


def test_markdown_and_yaml_pools(tmp_path):
    assert load_pool(write(tmp_path, "m.md", "# 话题\n- 一\n* 二\n1. 三\n正文不是条目\n")) == ["一", "二", "三"]
    assert load_pool(write(tmp_path, "y.yaml", "topics:\n  - 一\n  - 二\n")) == ["一", "二"]
    with pytest.raises(ValueError, match="unsupported pool file type"):
        load_pool(write(tmp_path, "x.txt", "a\n"))


def test_a_yaml_pool_is_read_as_sop_files_are(tmp_path):
    """Dates stay text, a syntax error names its line, and aliases are bounded as in SOP files."""
    assert load_pool(write(tmp_path, "d.yaml", "- 2026-10-01\n- {day: 2026-10-02, text: 国庆}\n")) == [
        "2026-10-01", {"day": "2026-10-02", "text": "国庆"}]
    with pytest.raises(ValueError, match=r"bad\.yaml:3:\d+: YAML syntax error"):
        load_pool(write(tmp_path, "bad.yaml", "- 一\n- 二\n三: 四\n"))
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n" for p, n in zip("abcdef", "bcdefg"))
    with pytest.raises(ValueError, match="aliases expand to"):
        load_pool(write(tmp_path, "laughs.yaml", laughs + "items: [*g]\n"))


@pytest.mark.parametrize("where", ["absolute", "parent", "symlink"])
def test_a_pool_file_outside_the_sop_files_folder_is_refused(tmp_path, where):
    from sopengine.model.problems import SopFileError

    secret = tmp_path / "secret.csv"
    secret.write_text("item\n不该被读到的内容\n", encoding="utf-8")
    folder = tmp_path / "sops"
    folder.mkdir()
    (folder / "link.csv").symlink_to(secret)
    path = {"absolute": str(secret), "parent": "../secret.csv", "symlink": "link.csv"}[where]
    with pytest.raises(SopFileError) as caught:
        sop_from_text(f"""
            sop: leak
            match: {{tags: [camp]}}
            pools: {{p: {{file: "{path}"}}}}
            steps:
              - {{id: t, kind: topic, at: day 1 20:00, pick: p, text: "{{{{ item }}}}"}}
        """, path=str(folder / "leak.yaml"))
    (problem,) = caught.value.problems
    assert problem.line == 4 and ("outside the SOP file's folder" in problem.message
                                  or "absolute path" in problem.message)


def test_a_pool_file_in_a_subfolder_is_read(tmp_path):
    (tmp_path / "pools").mkdir()
    (tmp_path / "pools" / "t.yaml").write_text("- 一\n", encoding="utf-8")
    sop = sop_from_text("""
        sop: ok
        match: {tags: [camp]}
        pools: {p: {file: pools/t.yaml}}
        steps:
          - {id: t, kind: topic, at: day 1 20:00, pick: p, text: "{{ item }}"}
    """, path=str(tmp_path / "ok.yaml"))
    assert sop.pools["p"] == ["一"]


def test_a_pool_saved_by_chinese_excel_or_as_a_workbook_reads_like_any_csv(tmp_path):
    from sopengine.loading.pools import load_pool
    from sopengine.operators.xlsx import workbook_bytes

    gbk = tmp_path / "topics.csv"
    gbk.write_bytes("话题\n你最头疼的是什么？\n分享一页作品\n".encode("gbk"))
    assert load_pool(gbk) == ["你最头疼的是什么？", "分享一页作品"]
    book = tmp_path / "lessons.xlsx"
    book.write_bytes(workbook_bytes("pool", ["title", "tip"], [["结构", "先定结构"], ["字体", 2]]))
    assert load_pool(book) == [{"title": "结构", "tip": "先定结构"}, {"title": "字体", "tip": "2"}]
    junk = tmp_path / "bad.xlsx"
    junk.write_text("no", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable XLSX workbook"):
        load_pool(junk)
