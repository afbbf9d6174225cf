"""DingTalk robot channel against a local HTTP server that checks requests as DingTalk does:
the signature over the timestamp (within an hour of the wall clock), errcodes, mentions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Iterator
from urllib.parse import quote_plus

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sopengine.channels import ChannelConfigError, ChannelContext, Ok, Permanent, Retryable
from sopengine.testing import SAMPLE_DUE, ActionFactory, TargetFactory, long_text
from sopengine_dingtalk import DingTalkChannel
from sopengine_dingtalk.client import sign
from sopengine_dingtalk.render import LIMIT
from sopengine.words import say

NOTE = say("note.mark")

SECRET = "SECd1ng-SECRET-0f9e"
TOKEN = "ding-token-SECRET"
PATH = "/robot/send"
SETTINGS = {"webhook_env": "DING_HOOK", "secret_env": "DING_SECRET", "mentions": ["@all"], "operators": ["13800001111"]}


def robot(httpserver: HTTPServer, answer: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A robot that refuses a bad signature (310000) as DingTalk does, and keeps what it accepted."""
    received: list[dict[str, Any]] = []

    def handle(request: Request) -> Response:
        stamp = request.args.get("timestamp", "")
        expected = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        fresh = stamp.isdigit() and abs(int(stamp) / 1000 - time.time()) < 3600
        if request.args.get("access_token") != TOKEN or not fresh or \
                request.args.get("sign") != base64.b64encode(expected).decode():
            refused = {"errcode": 310000, "errmsg": "sign not match"}
            return Response(json.dumps(refused), content_type="application/json")
        received.append(json.loads(request.get_data()))
        return Response(json.dumps(answer or {"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handle)
    return received


def channel_for(httpserver: HTTPServer, secret: str = SECRET, **options: Any) -> DingTalkChannel:
    env = {"DING_HOOK": httpserver.url_for(f"{PATH}?access_token={TOKEN}"), "DING_SECRET": secret}
    # the daemon's clock is a virtual one, years away: signatures still use the wall clock
    return DingTalkChannel(ChannelContext(env=env, now=lambda: SAMPLE_DUE, options={"timeout": 2.0, **options}))


@pytest.fixture
def target(sample_target: TargetFactory):  # type: ignore[no-untyped-def]
    return sample_target(SETTINGS)


@pytest.fixture
def dingtalk(httpserver: HTTPServer) -> Iterator[DingTalkChannel]:
    channel = channel_for(httpserver)
    yield channel
    channel.close()


def test_a_signed_text_post_mentions_everyone(dingtalk, httpserver, target, sample_action: ActionFactory) -> None:
    received = robot(httpserver)
    action = sample_action("morning_post")
    [body] = dingtalk.render(action, target)
    assert dingtalk.send(body, action.key) == Ok()
    assert received == [{"msgtype": "text", "text": {"content": action.text}, "at": {"isAtAll": True}}]


def test_the_signature_is_dingtalks(dingtalk) -> None:
    digest = hmac.new(b"k", b"1700000000000\nk", hashlib.sha256).digest()
    assert sign("k", 1700000000000) == quote_plus(base64.b64encode(digest).decode())


def test_a_wrong_secret_is_refused_and_failed_without_leaking_it(httpserver, target, sample_action) -> None:
    robot(httpserver)
    channel = channel_for(httpserver, secret="wrong-SECRET-value")
    [body] = channel.render(sample_action("topic"), target)
    result = channel.send(body, "k")
    assert isinstance(result, Permanent) and "310000" in result.reason
    assert "wrong-SECRET-value" not in result.reason and TOKEN not in result.reason


def test_operator_notes_mention_the_operators_and_markdown_titles(httpserver, target, sample_action) -> None:
    received = robot(httpserver)
    channel = channel_for(httpserver, msgtype="markdown")
    action = sample_action("red_packet", "send")
    [body] = channel.render(action, target)
    assert channel.send(body, action.key) == Ok()
    [sent] = received
    assert sent["msgtype"] == "markdown" and sent["markdown"]["title"].startswith(NOTE)
    assert sent["markdown"]["text"].startswith(NOTE) and sent["markdown"]["text"].endswith("@13800001111")
    assert sent["at"] == {"isAtAll": False, "atMobiles": ["13800001111"]}


def test_long_posts_split_under_the_limit_and_rate_limits_retry(dingtalk, httpserver, target, sample_action) -> None:
    action = sample_action("message", text=long_text(3 * LIMIT))
    bodies = dingtalk.render(action, target)
    assert len(bodies) >= 3 and all(len(b.text.encode()) <= LIMIT for b in bodies)
    robot(httpserver, {"errcode": 130101, "errmsg": "send too fast"})
    result = dingtalk.send(bodies[0], action.key)
    assert isinstance(result, Retryable) and result.retry_after is not None


def test_settings_are_checked_and_unset_variables_refused(httpserver, sample_target, sample_action) -> None:
    problems = DingTalkChannel.check_settings({"secret_env": "not a name"}, {})
    assert [p.key for p in problems] == [None, "secret_env"]
    channel = DingTalkChannel(ChannelContext(env={}))
    with pytest.raises(ChannelConfigError, match="DING_HOOK"):
        channel.render(sample_action("topic"), sample_target(SETTINGS))
