"""An operator's task shows what to post with the text: the image to save (served from the
ledger by its hash), the link card with a copy button, on the workspace page."""

from __future__ import annotations

import hashlib
from datetime import datetime

import httpx

from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.web.app import create_app
from sopengine.web.tokens import new_token, token_hash
from sopengine_wechat import WeChatTaskChannel

from ..content_world import PNG, SH, workspace
from .conftest import served


def test_a_task_shows_its_image_and_link_and_the_image_is_served_by_hash(tmp_path, host, store):
    ws = workspace(tmp_path, host)
    start = datetime(2026, 9, 30, tzinfo=SH)
    store.apply(ws.sops, ws.groups, start, roster=ws.operators)
    noon = datetime(2026, 10, 1, 12, tzinfo=SH)
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(start)).run(until=noon)
    token = new_token()
    store.add_token(token_hash(token), "小雅", False, start, None)
    app = create_app(store, host.operator_readers(), zone=SH, now=lambda: noon)
    sha = hashlib.sha256(PNG).hexdigest()
    with served(app) as url, httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as c:
        page = c.get("/", params={"date": "2026-10-01"}).text
        image = c.get(f"/media/{sha}", params={"name": "day1.png"})
        anonymous = httpx.get(f"{url}/media/{sha}")
        unknown = c.get(f"/media/{'0' * 64}")
        bad = c.get("/media/..%2F..%2Fetc")
    assert f'src="/media/{sha}?name=day1.png"' in page and "长按或点击保存图片" in page
    assert 'data-copy="https://example.com/replay/1"' in page and "复制链接" in page and "第1课回放" in page
    assert image.status_code == 200 and image.content == PNG and image.headers["content-type"] == "image/png"
    assert "immutable" in image.headers["cache-control"]
    assert anonymous.status_code == 401 and unknown.status_code == 404 and bad.status_code == 404
