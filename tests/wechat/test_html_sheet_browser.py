"""The HTML task sheet opens in headless Chromium and every copy button copies its message."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo


from sopengine_wechat.command import build_sheet
from sopengine_wechat.sheet import html_page


CAPTURE = """
window.__copied = [];
Object.defineProperty(navigator, 'clipboard', {configurable: true,
  value: {writeText: function (t) { window.__copied.push(t); return Promise.resolve(); }}});
document.execCommand = function () { window.__copied.push(document.activeElement.value); return true; };
"""


def test_copy_buttons_copy_their_message(browser, camp_db, tmp_path):  # noqa: F811
    from selenium.webdriver.common.by import By

    rows = build_sheet(camp_db, date(2026, 9, 19), ZoneInfo("Asia/Shanghai"), "小雅")
    page = tmp_path / "sheet.html"
    page.write_text(html_page(rows, "运营任务单 2026-09-19"), encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.title == "运营任务单 2026-09-19"
    browser.execute_script(CAPTURE)
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.copy")
    expected = [r.task.copy_text for r in rows if r.task.copy_text]
    assert len(buttons) == len(expected) > 0
    for button in buttons:
        button.click()
    browser.implicitly_wait(2)
    copied = browser.execute_script("return window.__copied;")
    assert copied == expected
    assert all(b.text == "已复制" for b in buttons)
