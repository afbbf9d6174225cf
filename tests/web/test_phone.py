"""The workspace as an operator uses it: headless Chromium at a phone's size, on SQLite and
PostgreSQL: open the link, copy a text, tap ✓, and the ledger says done by them; another
operator's link neither sees nor confirms it."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

from .conftest import NOON

CAPTURE = """
window.__copied = [];
Object.defineProperty(navigator, 'clipboard', {configurable: true,
  value: {writeText: function (t) { window.__copied.push(t); return Promise.resolve(); }}});
Object.defineProperty(window, 'isSecureContext', {configurable: true, value: true});
"""
PHONE = (390, 844)


def open_link(browser, workspace, who):  # type: ignore[no-untyped-def]
    browser.set_window_size(*PHONE)
    browser.delete_all_cookies()
    browser.get(f"{workspace.url}/t/{workspace.tokens[who]}")
    browser.get(f"{workspace.url}/?date={NOON.date().isoformat()}")


def test_open_copy_confirm_on_a_phone(browser, workspace):
    open_link(browser, workspace, "xiaoya")
    assert "我的任务" in browser.title and "小雅" in browser.find_element(By.CSS_SELECTOR, ".bar .who").text
    # nothing is wider than the phone: no sideways scrolling
    assert browser.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    task = browser.find_element(By.CSS_SELECTOR, "#section-now article.task")
    key = task.get_attribute("data-key")
    text = task.find_element(By.CSS_SELECTOR, ".copy-text").text
    browser.execute_script(CAPTURE)
    copy = task.find_element(By.CSS_SELECTOR, "button.copy")
    assert copy.size["height"] >= 44  # a thumb's tap target
    copy.click()
    assert browser.execute_script("return window.__copied") == [text.strip()] or \
        browser.execute_script("return window.__copied")[0].strip() == text.strip()
    assert "已复制" in copy.text
    task.find_element(By.CSS_SELECTOR, "button.done").click()
    # as a person sees it: once the page has come back (the list's own refresh may get there first)
    confirmed = f'#section-done article[data-key="{key}"] .confirmed'
    WebDriverWait(browser, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda b: "小雅" in b.find_element(By.CSS_SELECTOR, confirmed).text)
    # can be taken back for a few minutes
    assert browser.find_elements(By.CSS_SELECTOR, f'#section-done article[data-key="{key}"] button.undo')
    assert workspace.store.list_actions(key=key)[0].state == "done"
    assert workspace.store.confirmations([key])[key].actor == "operator:xiaoya"


def test_another_operators_link_neither_sees_nor_confirms_it(browser, workspace):
    open_link(browser, workspace, "xiaoya")
    mine = {e.get_attribute("data-key") for e in browser.find_elements(By.CSS_SELECTOR, "article.task")}
    open_link(browser, workspace, "ajie")
    theirs = {e.get_attribute("data-key") for e in browser.find_elements(By.CSS_SELECTOR, "article.task")}
    assert mine and theirs and not mine & theirs
    key = sorted(mine)[0]
    # a forged form of 阿杰's session for 小雅's task: refused, nothing changes
    csrf = browser.find_element(By.CSS_SELECTOR, 'input[name="csrf"]').get_attribute("value")
    status = browser.execute_script("""
        const body = new URLSearchParams({csrf: arguments[1], back: "/"});
        return fetch("/tasks/" + arguments[0] + "/done", {method: "POST", body: body}).then(r => r.status);
    """, key, csrf)
    assert status == 404 and workspace.store.list_actions(key=key)[0].state != "done"


def test_yesterday_and_tomorrow_are_one_tap_away(browser, workspace):
    open_link(browser, workspace, "xiaoya")
    browser.find_element(By.ID, "tomorrow").click()
    assert browser.find_element(By.ID, "the-day").text.startswith("2026-09-20")
    browser.find_element(By.ID, "yesterday").click()
    browser.find_element(By.ID, "yesterday").click()
    assert browser.find_element(By.ID, "the-day").text.startswith("2026-09-18")


def test_a_group_calendar_and_the_lead_view(browser, workspace):
    from sopengine.web.tokens import new_token, token_hash

    open_link(browser, workspace, "xiaoya")
    browser.find_element(By.CSS_SELECTOR, "article.task a.group").click()
    assert "群日历" in browser.find_element(By.TAG_NAME, "h1").text
    assert browser.find_elements(By.CSS_SELECTOR, ".calendar-day li")
    lead = new_token()
    workspace.store.add_token(token_hash(lead), "nuannuan", True, NOON, None)
    workspace.tokens["lead"] = lead
    open_link(browser, workspace, "lead")
    browser.find_element(By.LINK_TEXT, "团队").click()
    names = [td.text for td in browser.find_elements(By.CSS_SELECTOR, ".team tbody td:first-child")]
    assert {"小雅", "阿杰", "暖暖妈"} <= set(names)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.execution tbody tr")
    assert rows and rows[-1].find_element(By.TAG_NAME, "td").text == "合计"  # the report's figures, same code
    calendars = browser.find_elements(By.CSS_SELECTOR, "ul.calendars a")
    assert len(calendars) == 10  # every group's calendar, one tap away
    calendars[0].click()
    assert "群日历" in browser.find_element(By.TAG_NAME, "h1").text


def test_tasks_coming_due_appear_without_a_reload(browser, workspace):
    import time as clock

    open_link(browser, workspace, "xiaoya")
    browser.execute_script("window.__same_page = true;")  # a reload would lose it
    before = {e.get_attribute("data-key") for e in browser.find_elements(By.CSS_SELECTOR, "article.task")}
    # a newcomer joins: the welcome step is planned and comes due on this page
    keys = workspace.store.record_event("ppt-camp-2026-09-a", "member_joined", NOON, {"member": {"name": "小明"}})
    assert keys and not set(keys) & before
    deadline = clock.monotonic() + 10
    while clock.monotonic() < deadline:  # read in one script: the list may be replaced meanwhile
        now_keys = set(browser.execute_script(
            "return [...document.querySelectorAll('article.task')].map(e => e.dataset.key)"))
        if set(keys) & now_keys:
            break
        clock.sleep(0.2)
    assert set(keys) & now_keys, "the new task did not appear"
    assert browser.execute_script("return window.__same_page") is True
