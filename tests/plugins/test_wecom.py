"""WeCom robot channel against a real local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any, Iterator

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sopengine.channels import ChannelConfigError, ChannelContext, Ok, Permanent, Retryable
from sopengine.testing import SAMPLE_DUE, ActionFactory, TargetFactory, long_text
from sopengine_wecom import WeComChannel


from .servers import free_port, settled
from sopengine.words import say

NOTE = say("note.mark")

KEY = "wecom-key-7f3a-SECRET"
SEND = "/cgi-bin/webhook/send"
SETTINGS = {"webhook_env": "WECOM_KEY_PPT_A", "mentions": ["@all"], "mention_mobiles": ["13800001111"],
            "operators": ["xiaoya"]}


def channel_for(server: HTTPServer, **options: Any) -> WeComChannel:
    ctx = ChannelContext(env={"WECOM_KEY_PPT_A": KEY}, now=lambda: SAMPLE_DUE,
                         options={"base_url": server.url_for("/"), "timeout": 2.0, **options})
    return WeComChannel(ctx)


@pytest.fixture
def wecom(httpserver: HTTPServer) -> Iterator[WeComChannel]:
    channel = channel_for(httpserver)
    yield channel
    channel.close()


@pytest.fixture
def target(sample_target: TargetFactory):  # type: ignore[no-untyped-def]
    return sample_target(SETTINGS)


def answer(httpserver: HTTPServer, body: Any = None, status: int = 200, headers: dict[str, str] | None = None) -> None:
    data = json.dumps({"errcode": 0, "errmsg": "ok"} if body is None else body)
    httpserver.expect_request(SEND, method="POST").respond_with_data(
        data, status=status, headers=headers, content_type="application/json")


def sent_bodies(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def test_text_post_with_mentions(wecom: WeComChannel, httpserver: HTTPServer, target,
                                 sample_action: ActionFactory) -> None:
    httpserver.expect_oneshot_request(SEND, method="POST", query_string={"key": KEY}).respond_with_json(
        {"errcode": 0, "errmsg": "ok"})
    action = sample_action("morning_post")
    [body] = wecom.render(action, target)
    assert wecom.send(body, action.key) == Ok()
    httpserver.check_assertions()
    assert sent_bodies(httpserver) == [{"msgtype": "text", "text": {
        "content": action.text, "mentioned_list": ["@all"], "mentioned_mobile_list": ["13800001111"]}}]


def test_markdown_mode(httpserver: HTTPServer, target, sample_action: ActionFactory) -> None:
    answer(httpserver)
    channel = channel_for(httpserver, msgtype="markdown")
    assert channel.capabilities.max_body_bytes == 4096
    action = sample_action("red_packet", "send")
    [body] = channel.render(action, target)
    assert channel.send(body, action.key) == Ok()
    [sent] = sent_bodies(httpserver)
    assert sent["msgtype"] == "markdown"
    assert sent["markdown"]["content"] == (f'<font color="warning">{NOTE}</font>{action.text}\n<@xiaoya>')
    [post] = channel.render(sample_action("topic"), target)  # mentions: ["@all"] has no markdown form
    assert post.body == {"msgtype": "markdown", "markdown": {"content": sample_action("topic").text}}


def test_operator_parts_are_marked_notes_for_the_operators(wecom: WeComChannel, target,
                                                          sample_action: ActionFactory) -> None:
    for kind, part in [("red_packet", "send"), ("task", None), ("rename", None), ("dissolution", "grey_avatar"),
                       ("dissolution", "rename"), ("dissolution", "dissolve")]:
        [body] = wecom.render(sample_action(kind, part), target)
        assert body.body["text"]["content"].startswith(NOTE)
        assert body.body["text"]["mentioned_list"] == ["xiaoya"]
        assert "mentioned_mobile_list" not in body.body["text"]
    [announce] = wecom.render(sample_action("red_packet", "announce"), target)
    assert not announce.text.startswith(NOTE)


def test_survey_is_numbered_lines(wecom: WeComChannel, target, sample_action: ActionFactory) -> None:
    [body] = wecom.render(sample_action("survey"), target)
    assert body.text.splitlines() == ["【两周打卡反馈】", "1. 每天的早报有帮助吗？", "   A. 很有帮助", "   B. 一般",
                                      "   C. 没帮助", "2. 你最希望增加什么内容？"]


def test_long_post_is_split_under_the_byte_limit_and_sent_in_order(
        wecom: WeComChannel, httpserver: HTTPServer, target, sample_action: ActionFactory) -> None:
    answer(httpserver)
    text = long_text(5000)
    action = sample_action("message", text=text)
    bodies = wecom.render(action, target)
    assert len(bodies) >= 3
    assert all(len(b.text.encode("utf-8")) <= 2048 for b in bodies)
    assert "".join(b.text for b in bodies).replace("\n", "") == text.replace("\n", "")
    assert [("mentioned_list" in b.body["text"]) for b in bodies] == [True] + [False] * (len(bodies) - 1)
    for i, body in enumerate(bodies, 1):
        assert wecom.send(body, f"{action.key}#{i}") == Ok()
    assert [b["text"]["content"] for b in sent_bodies(httpserver)] == [b.text for b in bodies]


@pytest.mark.parametrize(("errcode", "expected"), [
    (45009, Retryable("errcode 45009: api freq out of limit", timedelta(minutes=1))),
    (45033, Retryable("errcode 45033: api concurrent out of limit")),
    (-1, Retryable("errcode -1: system busy")),
    (93000, Permanent("errcode 93000: invalid webhook url")),
    (40058, Permanent("errcode 40058: invalid content")),
])
def test_errcode_of_a_200_is_a_failure(wecom: WeComChannel, httpserver: HTTPServer, target,
                                       sample_action: ActionFactory, errcode: int, expected: Any) -> None:
    message = expected.reason.split(": ", 1)[1]
    answer(httpserver, {"errcode": errcode, "errmsg": message})
    [body] = wecom.render(sample_action("topic"), target)
    assert wecom.send(body, "k") == expected


@pytest.mark.parametrize(("status", "headers", "expected"), [
    (429, {"Retry-After": "7"}, Retryable("HTTP 429", timedelta(seconds=7))),
    (429, {"Retry-After": "Wed, 02 Dec 2026 00:02:00 GMT"}, Retryable("HTTP 429", timedelta(minutes=2))),
    (429, None, Retryable("HTTP 429")),
    (503, {"Retry-After": "30"}, Retryable("HTTP 503", timedelta(seconds=30))),
    (500, None, Retryable("HTTP 500")),
    (404, None, Permanent("HTTP 404")),
])
def test_http_status(wecom: WeComChannel, httpserver: HTTPServer, target, sample_action: ActionFactory,
                     status: int, headers: dict[str, str] | None, expected: Any) -> None:
    answer(httpserver, {"errmsg": "nope"}, status=status, headers=headers)
    [body] = wecom.render(sample_action("topic"), target)
    assert wecom.send(body, "k") == expected


def test_unreadable_200_is_retryable(wecom: WeComChannel, httpserver: HTTPServer, target,
                                     sample_action: ActionFactory) -> None:
    httpserver.expect_request(SEND).respond_with_data("<html>gateway</html>", content_type="text/html")
    [body] = wecom.render(sample_action("topic"), target)
    assert wecom.send(body, "k") == Retryable("HTTP 200 with an unreadable body")


def test_timeout_is_retryable_and_not_retried(httpserver: HTTPServer, target, sample_action: ActionFactory) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)
        return Response('{"errcode": 0}', content_type="application/json")

    httpserver.expect_request(SEND).respond_with_handler(stall)
    channel = channel_for(httpserver, timeout=0.2)
    [body] = channel.render(sample_action("topic"), target)
    try:
        result = channel.send(body, "k")
    finally:
        release.set()
        settled(httpserver)
    assert isinstance(result, Retryable) and result.reason.startswith("timed out")
    assert KEY not in repr(result)


def test_connection_refused_is_retryable_without_the_key(target, sample_action: ActionFactory) -> None:
    ctx = ChannelContext(env={"WECOM_KEY_PPT_A": KEY}, options={"base_url": f"http://127.0.0.1:{free_port()}"})
    channel = WeComChannel(ctx)
    [body] = channel.render(sample_action("topic"), target)
    result = channel.send(body, "k")
    assert isinstance(result, Retryable) and "ConnectError" in result.reason
    assert KEY not in repr(result)


def test_injected_transport_carries_the_request(target, sample_action: ActionFactory) -> None:
    seen: list[httpx.Request] = []

    def robot(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"errcode": 0, "errmsg": "ok"})

    channel = WeComChannel(ChannelContext(env={"WECOM_KEY_PPT_A": KEY}, http=httpx.MockTransport(robot)))
    [body] = channel.render(sample_action("topic"), target)
    assert channel.send(body, "k") == Ok()
    assert str(seen[0].url) == f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}"


def test_secrets_stay_out_of_bodies(wecom: WeComChannel, target, sample_action: ActionFactory) -> None:
    for body in wecom.render(sample_action("message"), target):
        assert KEY not in repr(body)


@pytest.mark.parametrize(("settings", "env", "message"), [
    ({}, {"WECOM_KEY_PPT_A": KEY}, "no channels.wecom.webhook_env"),
    ({"webhook_env": "WECOM_KEY_PPT_A"}, {}, "env var WECOM_KEY_PPT_A"),
    ({"webhook_env": "WECOM_KEY_PPT_A", "mentions": [["x"]]}, {"WECOM_KEY_PPT_A": KEY}, "mentions must be"),
])
def test_render_refuses_unusable_settings(sample_target: TargetFactory, sample_action: ActionFactory,
                                          settings: dict[str, Any], env: dict[str, str], message: str) -> None:
    channel = WeComChannel(ChannelContext(env=env))
    with pytest.raises(ChannelConfigError, match=message):
        channel.render(sample_action("message"), sample_target(settings))


def test_one_rate_limit_bucket_per_robot(wecom: WeComChannel, sample_target: TargetFactory) -> None:
    assert wecom.capabilities.rate_limit is not None
    assert (wecom.capabilities.rate_limit.count, wecom.capabilities.rate_limit.period) == (20, timedelta(minutes=1))
    a = sample_target(SETTINGS, group_id="a")
    b = sample_target(SETTINGS, group_id="b")
    assert wecom.target_key(a) == wecom.target_key(b) == "wecom:WECOM_KEY_PPT_A"
    assert wecom.target_key(sample_target({}, group_id="c")) == "wecom:group:c"


def test_unknown_msgtype_is_refused() -> None:
    with pytest.raises(ChannelConfigError, match="msgtype"):
        WeComChannel(ChannelContext(options={"msgtype": "news"}))


def test_a_timeout_after_connecting_may_have_been_delivered_one_before_not():
    import httpx

    from sopengine_wecom.client import post

    def raising(exc: Exception):  # type: ignore[no-untyped-def]
        def handler(request):  # type: ignore[no-untyped-def]
            raise exc
        return httpx.Client(transport=httpx.MockTransport(handler))

    read = post(raising(httpx.ReadTimeout("slow")), "http://127.0.0.1:9/send", "k", {}, None)
    connect = post(raising(httpx.ConnectTimeout("no route")), "http://127.0.0.1:9/send", "k", {}, None)
    assert read.maybe_delivered is True and connect.maybe_delivered is False


def test_markdown_escapes_values_from_facts_and_events_but_keeps_the_sops_own_markup(httpserver: HTTPServer,
                                                                                      store) -> None:
    from datetime import date, datetime
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from sopengine import LoadOptions, load_sop
    from sopengine.daemon.clock import VirtualClock
    from sopengine.daemon.runner import Daemon
    from sopengine.model.group import Group
    from sopengine.store.apply import apply
    from sopengine.store.commands import record_event

    answer(httpserver)
    sh = ZoneInfo("Asia/Shanghai")
    group = Group("g1", "群", date(2026, 9, 19), ("camp",), {"city": "<font color=\"info\">深圳</font>"},
                  {"wecom": {"webhook_env": "WECOM_KEY_PPT_A"}})
    sop = load_sop(Path("w.yaml"), LoadOptions(sample_groups=[group]), text=(
        "sop: w\nmatch: {tags: [camp]}\nlifetime: 3d\nchannel: wecom\nsteps:\n"
        "  - {id: hi, kind: message, on: member_joined, text: '**欢迎** {{ member.name }}，来自{{ group.city }}'}\n"))
    start = datetime(2026, 9, 20, 9, tzinfo=sh)
    apply(store, [sop], [group], start)
    record_event(store, "g1", "member_joined", start, {"member": {"name": "<@all>[点我](http://x.example)"}})
    channel = channel_for(httpserver, msgtype="markdown")
    Daemon(store, {"wecom": channel}, VirtualClock(start)).run(until=start + timedelta(minutes=5))
    [sent] = sent_bodies(httpserver)
    assert sent["markdown"]["content"] == (
        "**欢迎** ＜@all＞［点我］（http://x.example），来自＜font color=\"info\"＞深圳＜/font＞")
