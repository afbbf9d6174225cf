"""Fixtures the wechat sheet tests share: the 21-day camp's whole life in one ledger."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from sopengine import load_workspace
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.plugins import load_plugins
from sopengine.store import Store
from sopengine_wechat import WeChatTaskChannel

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def camp_db(tmp_path_factory, sops_dir_module):
    url = f"sqlite:///{tmp_path_factory.mktemp('sheets') / 'ledger.db'}"
    host = load_plugins()
    store = Store.open(url, host.kinds, planner=LedgerPlanner())
    ws = load_workspace([sops_dir_module / "learning-camp-21d.yaml", sops_dir_module / "groups.yaml"])
    start = datetime(2026, 9, 19, tzinfo=SH)
    store.apply(ws.sops, ws.groups, start, roster=ws.operators)
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(start)).run(until=datetime(2026, 9, 21, 12, tzinfo=SH))
    for a in store.list_actions(group="ppt-camp-2026-09-a"):  # 小雅 did her first day's work
        if a.state in ("due", "overdue") and a.due < datetime(2026, 9, 20, tzinfo=SH):
            store.mark_done(a.key, datetime(2026, 9, 20, tzinfo=SH))
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(datetime(2026, 9, 21, 12, tzinfo=SH))).run(
        until=datetime(2026, 10, 12, tzinfo=SH))
    store.close()
    return url


@pytest.fixture(scope="module")
def sops_dir_module():
    from ..conftest import ROOT
    return ROOT / "sops"
