"""``sopengine report`` against the ledger on SQLite and PostgreSQL, after a virtual life with
simulated operators: its totals equal what ``actions`` shows; one seed, one run; the HTML report
opened in headless Chromium."""

from __future__ import annotations

import json
from collections import Counter

from click.testing import CliRunner

from sopengine.cli import main

START, END = "2026-09-19T00:00+08:00", "2026-09-26T00:00+08:00"


def cli(*args: str, db: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [*args, "--db", db])


def simulated_life(db: str, sops_dir, seed: int = 3) -> None:  # type: ignore[no-untyped-def]
    result = cli("run", str(sops_dir / "learning-camp-21d.yaml"), str(sops_dir / "flash-sale-3d.yaml"), "--groups",
                 str(sops_dir / "groups.yaml"), "--now", START, "--until", END, "--simulate-operators", "--seed",
                 str(seed), "-q", db=db)
    assert result.exit_code == 0, result.output
    assert "simulated operators confirmed" in result.output


def report(db: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = cli("report", "--format", "json", *args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_report_totals_equal_the_ledger_and_simulated_operators_do_most_tasks(store_url, sops_dir):
    simulated_life(store_url, sops_dir)
    doc = report(store_url, "--from", "2026-09-19", "--to", "2026-09-25")
    total = doc["total"]
    rows = json.loads(cli("actions", "--format", "json", db=store_url).stdout)
    in_span = [r for r in rows if "2026-09-19" <= r["due"][:10] <= "2026-09-25"]
    states = Counter(r["state"] for r in in_span)
    assert total["done"] == states["done"] + states["sent"]
    assert total["overdue"] == states["overdue"] and total["skipped"] == states["skipped"]
    assert total["missed"] == states["missed"] and total["failed"] == states["failed"]
    assert total["assigned"] == sum(n for s, n in states.items() if s not in ("planned", "cancelled"))
    assert total["on_time"] + total["late"] == total["done"]
    assert 0.7 < total["execution_rate"] <= 1 and 0 < total["on_time_rate"] <= total["execution_rate"]
    assert {row["label"] for row in doc["rows"]} <= {"小雅", "阿杰", "（自动发送）"}
    assert sum(row["assigned"] for row in doc["rows"]) == total["assigned"]
    by_day = report(store_url, "--by", "day", "--from", "2026-09-19", "--to", "2026-09-25")
    assert [row["label"] for row in by_day["rows"]][0] == "2026-09-19"
    assert sum(row["done"] for row in by_day["rows"]) == total["done"]


def test_one_seed_one_run(tmp_path, sops_dir):
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        db = f"sqlite:///{tmp_path / name}.db"
        simulated_life(db, sops_dir, seed)
        runs.append(report(db)["total"])
    assert runs[0] == runs[1] and runs[0] != runs[2]


def test_the_html_report_has_its_table_and_charts(browser, tmp_path, sops_dir):
    from selenium.webdriver.common.by import By

    db = f"sqlite:///{tmp_path / 'r.db'}"
    simulated_life(db, sops_dir)
    html = cli("report", "--format", "html", db=db)
    assert html.exit_code == 0, html.output
    page = tmp_path / "report.html"
    page.write_text(html.stdout, encoding="utf-8")
    browser.get(page.as_uri())
    assert "执行报告" in browser.title
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#report tr.total td")]
    assert cells[0] == "合计" and int(cells[1]) == report(db)["total"]["assigned"]
    charts = browser.find_elements(By.CSS_SELECTOR, ".chart svg")
    assert len(charts) == 2 and all(c.size["width"] > 200 for c in charts)
    csv_text = cli("report", "--format", "csv", db=db).stdout
    assert csv_text.startswith("\ufeff") and "execution_rate" in csv_text.splitlines()[0]


def test_an_english_report(store_url, sops_dir):
    simulated_life(store_url, sops_dir)
    table = CliRunner().invoke(main, ["--lang", "en", "report", "--db", store_url])
    assert table.exit_code == 0, table.output
    assert "Execution report" in table.output and "assigned" in table.output and "应执行" not in table.output
    html = CliRunner().invoke(main, ["--lang", "en", "report", "--format", "html", "--db", store_url]).stdout
    assert '<html lang="en">' in html and "Executed = done / assigned" in html and "执行率" not in html


def test_a_virtual_life_ends_with_the_whole_ledgers_report(store_url, sops_dir):
    """What ``run`` prints at the end (counted in the database) is ``sopengine report`` of the
    whole ledger (read action by action), line for line."""
    life = cli("run", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml"), "--now",
               START, "--until", END, "--simulate-operators", "on_time=0.6,late=0.2,never=0.2", "--seed", "4", "-q",
               db=store_url)
    assert life.exit_code == 0, life.output
    whole = cli("report", db=store_url)
    assert whole.exit_code == 0, whole.output
    table = whole.stdout.strip()
    assert "小雅" in table and life.stdout.rstrip().endswith(table)
