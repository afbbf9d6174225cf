"""The workspace's JSON API against a real server: who gets in, who sees what, confirming,
skipping and undoing, and that nothing of another operator or any secret leaks."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from .conftest import NOON

GROUP_A, GROUP_B = "ppt-camp-2026-09-a", "ppt-camp-2026-09-b"


def tasks(ws, who, day="2026-09-19"):  # type: ignore[no-untyped-def]
    with ws.client(who) as c:
        r = c.get("/api/tasks", params={"date": day})
    assert r.status_code == 200, r.text
    return r.json()["tasks"]


def test_no_token_or_a_wrong_one_is_401(workspace):
    with workspace.client(None) as c:
        assert c.get("/api/tasks").status_code == 401
        assert c.get("/api/tasks", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert c.get("/").status_code == 401


def test_an_operator_sees_only_their_groups_tasks_with_the_sheets_fields(workspace):
    mine = tasks(workspace, "xiaoya")
    assert mine and {t["group_id"] for t in mine} >= {GROUP_A} and GROUP_B not in {t["group_id"] for t in mine}
    first = mine[0]
    assert {"key", "operator", "group_id", "group_name", "due", "kind", "instruction", "copy_text", "details",
            "state", "time", "note", "section", "confirmed_by"} <= set(first)
    both = {t["group_id"] for t in tasks(workspace, "ajie")} & {t["group_id"] for t in tasks(workspace, "nuannuan")}
    assert GROUP_B in both  # a group with two admins: each of them sees its tasks


def test_confirming_records_who_and_another_operators_key_is_404(workspace):
    key = next(t["key"] for t in tasks(workspace, "xiaoya") if t["state"] == "due" and t["group_id"] == GROUP_A)
    with workspace.client("ajie") as c:
        assert c.post(f"/api/tasks/{key}/done").status_code == 404  # not theirs: as if it did not exist
        assert c.post("/api/tasks/no/such/key/2026-09-19T12:00/done").status_code == 404
    with workspace.client("xiaoya") as c:
        r = c.post(f"/api/tasks/{key}/done")
        assert r.status_code == 200 and r.json() == {"key": key, "state": "done", "was": "due", "by": "xiaoya"}
        assert c.post(f"/api/tasks/{key}/done").status_code == 409  # once
    [stored] = workspace.store.list_actions(key=key)
    assert stored.state == "done"
    assert workspace.store.confirmations([key])[key].actor == "operator:xiaoya"
    assert next(t for t in tasks(workspace, "xiaoya") if t["key"] == key)["confirmed_by"] == "xiaoya"


def test_skip_needs_a_reason_and_undo_works_for_a_few_minutes_only(workspace):
    due = [t["key"] for t in tasks(workspace, "xiaoya") if t["state"] == "due"]
    with workspace.client("xiaoya") as c:
        assert c.post(f"/api/tasks/{due[0]}/skip", json={"reason": ""}).status_code == 422
        r = c.post(f"/api/tasks/{due[0]}/skip", json={"reason": "群主今天已经发过了"})
        assert r.status_code == 200 and r.json()["state"] == "skipped"
        assert c.post(f"/api/tasks/{due[1]}/done").status_code == 200
        assert c.post(f"/api/tasks/{due[1]}/undo").json()["state"] == "due"
        assert c.post(f"/api/tasks/{due[1]}/done").status_code == 200
        workspace.clock.at = NOON + timedelta(minutes=10)
        assert c.post(f"/api/tasks/{due[1]}/undo").status_code == 409
    with workspace.client("nuannuan") as c:  # someone else's confirmation is not theirs to undo
        assert c.post(f"/api/tasks/{due[1]}/undo").status_code in (404, 409)
    states = {a.key: a.state for a in workspace.store.list_actions()}
    assert states[due[0]] == "skipped" and states[due[1]] == "done"


def test_a_lead_sees_every_group_and_a_revoked_or_expired_link_is_401(workspace):
    from sopengine.web.tokens import new_token, token_hash

    lead = new_token()
    workspace.store.add_token(token_hash(lead), "nuannuan", True, NOON, None)
    workspace.tokens["lead"] = lead
    everyone = {t["group_id"] for t in tasks(workspace, "lead")}
    assert {GROUP_A, GROUP_B} <= everyone
    with workspace.client("lead") as c:
        assert c.get("/api/me").json() == {"operator": "nuannuan", "name": "暖暖妈", "lead": True}
    assert workspace.store.revoke_tokens("xiaoya", NOON) == 1
    with workspace.client("xiaoya") as c:
        assert c.get("/api/tasks").status_code == 401
    workspace.clock.at = NOON + timedelta(days=31)
    with workspace.client("ajie") as c:
        assert c.get("/api/tasks").status_code == 401


def test_other_days_are_one_parameter_away(workspace):
    assert {t["time"][:10] for t in tasks(workspace, "xiaoya", "2026-09-20")} == {"2026-09-20"}
    with workspace.client("xiaoya") as c:
        assert c.get("/api/tasks", params={"date": "20-09-2026"}).status_code == 422


def test_pages_carry_security_headers_and_forms_need_the_csrf_value(workspace):
    import httpx

    key = next(t["key"] for t in tasks(workspace, "xiaoya") if t["state"] == "due")
    with httpx.Client(base_url=workspace.url, timeout=10) as c:
        r = c.get(f"/t/{workspace.tokens['xiaoya']}", follow_redirects=False)
        assert r.status_code == 303 and "httponly" in r.headers["set-cookie"].lower()
        page = c.get("/?date=2026-09-19")
        assert page.status_code == 200
        for name in ("content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"):
            assert name in page.headers
        assert page.headers["cache-control"] == "no-store"
        assert workspace.tokens["xiaoya"] not in page.text  # the token never reaches a page
        assert c.post(f"/tasks/{key}/done", data={"csrf": "forged"}).status_code == 403
        import re

        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = c.post(f"/tasks/{key}/done", data={"csrf": csrf, "back": "/?date=2026-09-19"}, follow_redirects=False)
        assert r.status_code == 303
    assert workspace.store.list_actions(key=key)[0].state == "done"


def test_no_secret_or_token_reaches_a_page_or_a_log(workspace, monkeypatch, caplog):
    with caplog.at_level(logging.INFO, logger="sopengine.web"):
        with workspace.client("xiaoya") as c:
            body = c.get("/?date=2026-09-19", headers={"Cookie": f"sopengine_token={workspace.tokens['xiaoya']}"}).text
            c.get(f"/t/{workspace.tokens['xiaoya']}", follow_redirects=False)
    assert "WECOM_KEY" not in body and "webhook" not in body
    logged = "\n".join(str(getattr(r, "fields", "")) + r.getMessage() for r in caplog.records)
    assert "/t/…" in logged and workspace.tokens["xiaoya"] not in logged


@pytest.mark.slow
def test_a_browser_confirmation_and_a_cli_done_at_once_end_in_one_done(workspace):
    import subprocess
    import sys
    import threading

    key = next(t["key"] for t in tasks(workspace, "xiaoya") if t["state"] == "due")
    results: dict[str, object] = {}

    def cli() -> None:
        results["cli"] = subprocess.run([sys.executable, "-m", "sopengine", "done", key, "--db", workspace.store_url],
                                        capture_output=True, text=True).returncode

    import re

    import httpx

    browser = httpx.Client(base_url=workspace.url, timeout=30)  # as the page's ✓ does: cookie, form, CSRF
    browser.get(f"/t/{workspace.tokens['xiaoya']}")
    page = browser.get("/?date=2026-09-19").text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page).group(1)  # type: ignore[union-attr]

    def web() -> None:
        r = browser.post(f"/tasks/{key}/done", data={"csrf": csrf, "back": "/"}, follow_redirects=False)
        results["web"] = 200 if r.status_code == 303 else r.status_code

    threads = [threading.Thread(target=cli), threading.Thread(target=web)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted([results["cli"] == 0, results["web"] == 200]) == [False, True], results
    assert results["web"] in (200, 409) and results["cli"] in (0, 1)
    with workspace.store.engine.connect() as conn:
        done_rows = conn.exec_driver_sql(
            "SELECT count(*) FROM audit WHERE action_key = %s AND to_state = 'done'" % _quote(key)).scalar_one()
    browser.close()
    assert done_rows == 1 and workspace.store.list_actions(key=key)[0].state == "done"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_the_lead_page_shows_the_days_notices_and_the_ones_that_failed(workspace):
    from sopengine.model.notices import PlannedNotice
    from sopengine.store import NoticeOutcome, states
    from sopengine.web.tokens import new_token, token_hash

    task = tasks(workspace, "xiaoya")[0]
    store, at = workspace.store, NOON - timedelta(hours=1)
    store.plan_notices([PlannedNotice(f"reminder/xiaoya/{n}", "reminder", "xiaoya", "wecom", at, at, NOON, {
        task["key"]: ("xiaoya",)}) for n in ("a", "b")], at, "test")
    first, second = store.claim_notices(NOON, "test", 10, timedelta(minutes=5))
    store.record_notice(NoticeOutcome(first, states.SENT, last_result="ok"), NOON, "test")
    store.record_notice(NoticeOutcome(second, states.FAILED, reason="errcode 93000: invalid webhook url"), NOON, "test")
    lead = new_token()
    store.add_token(token_hash(lead), "nuannuan", True, NOON, None)
    workspace.tokens["lead"] = lead
    assert len(store.list_notices(since=NOON - timedelta(hours=12), until=NOON + timedelta(hours=11))) == 2
    with workspace.client("lead") as c:
        page = c.get("/lead").text
    assert "给运营的通知" in page and "任务提醒：已发 1、失败 1" in page
    assert "invalid webhook url" in page and "xiaoya（wecom）" in page
    with workspace.client("xiaoya") as c:
        assert f'id="task-{task["key"]}"' in c.get("/").text  # where a reminder's link lands


def test_the_workspace_speaks_english_when_asked(workspace, host):
    import httpx

    from sopengine.web.app import create_app

    from .conftest import SH, served

    app = create_app(workspace.store, host.operator_readers(), zone=SH, now=workspace.clock.now, lang="en")
    with served(app) as url, httpx.Client(base_url=url, timeout=10,
                                          headers={"Authorization": f"Bearer {workspace.tokens['xiaoya']}"}) as c:
        page = c.get("/").text
        bad = c.get("/", headers={"Authorization": "Bearer nope"})
    assert '<html lang="en">' in page and "My tasks" in page and "Overdue" in page and "✓ Done" in page
    assert "Copy the text below" in page and "复制" not in page and "已逾期" not in page
    assert bad.status_code == 401 and "personal link" in bad.text
    with workspace.client("xiaoya") as c:  # the other app, made for Chinese, still speaks it
        assert "我的任务" in c.get("/").text


def test_a_renamed_operator_is_known_by_the_new_name_once_the_groups_file_is_applied(workspace, sops_dir, host):
    import dataclasses

    from sopengine import load_workspace

    with workspace.client("xiaoya") as c:
        before = c.get("/api/me").json()["name"]
        c.post(f"/api/tasks/{tasks(workspace, 'xiaoya')[0]['key']}/done")  # a confirmation: nothing to re-read
        assert c.get("/api/me").json()["name"] == before
    ws = load_workspace([sops_dir], [sops_dir / "groups.yaml"], host.load_options())
    renamed = [dataclasses.replace(op, name="小雅老师") if op.id == "xiaoya" else op for op in ws.operators]
    workspace.store.apply(ws.sops, ws.groups, NOON, roster=renamed)
    with workspace.client("xiaoya") as c:
        assert c.get("/api/me").json()["name"] == "小雅老师"


def test_the_lead_page_lists_overdue_tasks_before_failed_ones_however_early_those_failed(workspace):
    import re

    from sqlalchemy import update

    from sopengine.store import states
    from sopengine.store.tables import actions, by_key
    from sopengine.web.tokens import new_token, token_hash

    store = workspace.store
    failed_key = sorted(tasks(workspace, "xiaoya"), key=lambda t: t["due"])[0]["key"]  # the day's first
    with store.engine.begin() as conn:  # as the daemon records a task it could not hand over
        conn.execute(update(actions).where(by_key(failed_key)).values(state=states.FAILED, reason="发不出去"))
    store.sweep_deadlines(NOON + timedelta(days=1), ["wechat"], "test")  # the others: overdue
    lead = new_token()
    store.add_token(token_hash(lead), "nuannuan", True, NOON, None)
    workspace.tokens["lead"] = lead

    with workspace.client("lead") as c:
        listed = re.findall(r'id="task-([^"]+)"', c.get("/lead").text)

    overdue = [k for k in listed if k != failed_key]
    assert failed_key in listed and overdue
    assert listed.index(failed_key) > listed.index(overdue[0])
