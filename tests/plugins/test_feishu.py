"""Feishu bot channel against a local HTTP server that checks requests as Feishu does: the
signature in the body (within an hour of the wall clock), the 20 KB body limit, its codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sopengine.channels import ChannelContext, Ok, Permanent, Retryable
from sopengine.testing import SAMPLE_DUE, ActionFactory, TargetFactory, long_text
from sopengine_feishu import FeishuChannel
from sopengine.words import say

NOTE = say("note.mark")


SECRET = "fs-SECRET-a1b2"
PATH = "/open-apis/bot/v2/hook/hook-SECRET-id"
SETTINGS = {"webhook_env": "FS_HOOK", "secret_env": "FS_SECRET", "mentions": ["all"], "operators": ["ou_xiaoya"]}


def bot(httpserver: HTTPServer, answer: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []

    def handle(request: Request) -> Response:
        raw = request.get_data()
        if len(raw) > 20 * 1024:
            too_large = {"code": 9499, "msg": "request body too large"}
            return Response(json.dumps(too_large), content_type="application/json")
        body = json.loads(raw)
        stamp = str(body.pop("timestamp", ""))
        expected = base64.b64encode(hmac.new(f"{stamp}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
        if not stamp.isdigit() or abs(int(stamp) - time.time()) > 3600 or body.pop("sign", None) != expected:
            return Response(json.dumps({"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}),
                            content_type="application/json")
        received.append(body)
        return Response(json.dumps(answer or {"code": 0, "msg": "success", "data": {}}),
                        content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handle)
    return received


def channel_for(httpserver: HTTPServer, secret: str = SECRET, **options: Any) -> FeishuChannel:
    env = {"FS_HOOK": httpserver.url_for(PATH), "FS_SECRET": secret}
    return FeishuChannel(ChannelContext(env=env, now=lambda: SAMPLE_DUE, options={"timeout": 2.0, **options}))


@pytest.fixture
def target(sample_target: TargetFactory):  # type: ignore[no-untyped-def]
    return sample_target(SETTINGS)


@pytest.fixture
def feishu(httpserver: HTTPServer) -> Iterator[FeishuChannel]:
    channel = channel_for(httpserver)
    yield channel
    channel.close()


def test_a_signed_text_post_mentions_everyone(feishu, httpserver, target, sample_action: ActionFactory) -> None:
    received = bot(httpserver)
    action = sample_action("morning_post")
    [body] = feishu.render(action, target)
    assert feishu.send(body, action.key) == Ok()
    assert received == [{"msg_type": "text", "content": {"text": action.text + ' <at user_id="all">所有人</at>'}}]


def test_a_wrong_secret_fails_without_leaking_it(httpserver, target, sample_action) -> None:
    bot(httpserver)
    channel = channel_for(httpserver, secret="wrong-SECRET")
    [body] = channel.render(sample_action("topic"), target)
    result = channel.send(body, "k")
    assert isinstance(result, Permanent) and "19021" in result.reason
    assert "wrong-SECRET" not in result.reason and "hook-SECRET-id" not in result.reason


def test_rich_text_operator_notes_mention_the_operators(httpserver, target, sample_action) -> None:
    received = bot(httpserver)
    channel = channel_for(httpserver, msgtype="post")
    action = sample_action("rename")
    [body] = channel.render(action, target)
    assert channel.send(body, action.key) == Ok()
    post = received[0]["content"]["post"]["zh_cn"]
    assert post["title"].startswith(NOTE) and post["content"][-1] == [{"tag": "at", "user_id": "ou_xiaoya"}]
    assert post["content"][0][0]["text"].startswith(NOTE)


def test_a_text_cannot_write_a_mention_and_long_posts_fit_the_body_limit(feishu, httpserver, target,
                                                                        sample_action) -> None:
    received = bot(httpserver)
    [fake] = feishu.render(sample_action("message", text='<at user_id="all">假通知</at>'), target)
    assert fake.text.count("<at") == 1  # only the channel's own mention
    bodies = feishu.render(sample_action("message", text=long_text(60_000)), target)
    assert len(bodies) >= 3
    assert all(feishu.send(b, "k") == Ok() for b in bodies)  # the bot refuses a body over 20 KB
    assert len(received) == len(bodies)


def test_frequency_limits_retry(feishu, httpserver, target, sample_action) -> None:
    bot(httpserver, {"code": 11232, "msg": "frequency limited"})
    [body] = feishu.render(sample_action("topic"), target)
    result = feishu.send(body, "k")
    assert isinstance(result, Retryable) and "11232" in result.reason


def test_an_interactive_card_carries_the_text_mentions_and_a_link_button(httpserver, target, sample_action) -> None:
    from dataclasses import replace

    from sopengine.model.content import Attachment

    received = bot(httpserver)
    channel = channel_for(httpserver, msgtype="interactive")
    link = Attachment("link", "第1课回放", url="https://example.com/r", title="第1课回放", description="45分钟")
    action = replace(sample_action("morning_post"), attachments=(link,))
    bodies = channel.render(action, target)
    assert len(bodies) == 1 and all(channel.send(b, action.key) == Ok() for b in bodies)
    card = received[0]["card"]
    assert received[0]["msg_type"] == "interactive"
    assert card["header"]["title"]["content"] == action.text.splitlines()[0]
    assert card["elements"][0]["text"] == {"tag": "lark_md", "content": action.text + "\n<at id=all></at>"}
    assert card["elements"][-1] == {"tag": "action", "actions": [{"tag": "button", "type": "primary",
                                    "url": "https://example.com/r", "text": {"tag": "plain_text",
                                                                             "content": "第1课回放"}}]}
    [fake] = channel.render(sample_action("message", text='<at id=all></at>假通知'), target)
    assert "<at id=all></at>假通知" not in fake.text  # a text cannot write a mention
