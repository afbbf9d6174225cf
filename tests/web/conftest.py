"""A real workspace on loopback: uvicorn serving the app over a store (SQLite and PostgreSQL)
that holds the sample camp's first morning, with links for 小雅, 阿杰 and the lead 暖暖妈."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn

from sopengine import load_workspace
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.store import Store
from sopengine.web.app import create_app
from sopengine.web.tokens import new_token, token_hash
from sopengine_wechat import WeChatTaskChannel

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 19, 7, tzinfo=SH)
#: The moment the workspace is looked at: the camp's first noon.
NOON = datetime(2026, 9, 19, 12, 5, tzinfo=SH)


@dataclass
class Clock:
    """The server's clock, moved by the test."""

    at: datetime

    def now(self) -> datetime:
        return self.at


@dataclass
class Workspace:
    url: str
    store: Store
    store_url: str
    clock: Clock
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def workspace(store_url, host, sops_dir) -> Iterator[Workspace]:  # type: ignore[no-untyped-def]
    store = Store.open(store_url, host.kinds, planner=LedgerPlanner())
    ws = load_workspace([sops_dir], [sops_dir / "groups.yaml"], host.load_options())
    store.apply(ws.sops, ws.groups, START, roster=ws.operators)
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(START)).run(until=NOON)
    clock = Clock(NOON)
    tokens = {}
    for who, lead in (("xiaoya", False), ("ajie", False), ("nuannuan", False)):
        tokens[who] = new_token()
        store.add_token(token_hash(tokens[who]), who, lead, NOON - timedelta(days=1), NOON + timedelta(days=30))
    app = create_app(store, host.operator_readers(), zone=SH, now=clock.now, refresh_seconds=0.5)
    try:
        with served(app) as url:
            yield Workspace(url, store, store_url, clock, tokens)
    finally:
        store.close()


@contextmanager
def served(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn on a free loopback port, for the block; yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the workspace did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
