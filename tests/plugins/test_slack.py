"""Slack channel through slack_sdk against a real local HTTP server (pytest-httpserver)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sopengine.channels import ChannelConfigError, ChannelContext, Ok, Permanent, Retryable
from sopengine.testing import ActionFactory, TargetFactory, long_text
from sopengine_slack import SlackChannel


from .servers import free_port, settled
from sopengine.words import say

NOTE = say("note.mark")

TOKEN = "xoxb-1111-2222-SECRET"
HOOK_PATH = "/services/T000/B000/SECRETHOOK"
POST = "/api/chat.postMessage"
OK = {"ok": True, "channel": "C0PPTCAMP", "ts": "1764633600.000100"}


def slack_for(server: HTTPServer, timeout: float = 2.0, **env: str) -> SlackChannel:
    return SlackChannel(ChannelContext(
        env={"SLACK_BOT_TOKEN": TOKEN, "SLACK_HOOK": server.url_for(HOOK_PATH), **env},
        options={"base_url": server.url_for("/api/"), "timeout": timeout}))


@pytest.fixture
def slack(httpserver: HTTPServer) -> SlackChannel:
    return slack_for(httpserver)


@pytest.fixture
def target(sample_target: TargetFactory):  # type: ignore[no-untyped-def]
    return sample_target({"channel": "#ppt-camp"})


def requests(httpserver: HTTPServer) -> list[Request]:
    return [request for request, _ in httpserver.log]


def test_post_message_shape(slack: SlackChannel, httpserver: HTTPServer, target, sample_action: ActionFactory) -> None:
    httpserver.expect_oneshot_request(POST, method="POST", headers={"Authorization": f"Bearer {TOKEN}"}
                                      ).respond_with_json(OK)
    action = sample_action("morning_post")
    [message] = slack.render(action, target)
    assert slack.send(message, action.key) == Ok(provider_id="C0PPTCAMP:1764633600.000100")
    httpserver.check_assertions()
    sent = requests(httpserver)[0].get_json()
    assert sent["channel"] == "#ppt-camp"
    assert sent["text"] == action.text
    assert sent["blocks"] == [{"type": "section", "text": {"type": "mrkdwn", "text": action.text}}]
    assert sent["metadata"] == {"event_type": "sopengine_action", "event_payload": {"key": action.key}}
    assert sent["unfurl_links"] is False


def test_survey_is_a_header_and_numbered_sections(slack: SlackChannel, target, sample_action: ActionFactory) -> None:
    action = sample_action("survey", text="【两周打卡反馈】\n说说你的感受\n1. 每天的早报有帮助吗？\n   A. 很有帮助\n"
                                          "   B. 一般\n   C. 没帮助\n2. 你最希望增加什么内容？")
    [message] = slack.render(action, target)
    assert [b["type"] for b in message.blocks] == ["header", "section", "section", "section"]
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": "两周打卡反馈"}
    assert message.blocks[1]["text"]["text"] == "说说你的感受"
    assert message.blocks[2]["text"]["text"] == "*1. 每天的早报有帮助吗？*\n    A. 很有帮助\n    B. 一般\n    C. 没帮助"
    assert message.blocks[3]["text"]["text"] == "*2. 你最希望增加什么内容？*"
    assert message.text == action.text


def test_operator_parts_are_marked_notes(slack: SlackChannel, target, sample_action: ActionFactory) -> None:
    [packet] = slack.render(sample_action("red_packet", "send"), target)
    assert packet.text.startswith(NOTE)
    assert NOTE in packet.blocks[0]["elements"][0]["text"]
    fields = [f["text"] for f in packet.blocks[-1]["fields"]]
    assert fields == ["*金额*\n¥90.00", "*个数*\n60", "*祝福语*\n恭喜发财，大吉大利"]
    for kind, part in [("task", None), ("rename", None), ("dissolution", "grey_avatar"),
                       ("dissolution", "rename"), ("dissolution", "dissolve")]:
        [note] = slack.render(sample_action(kind, part), target)
        assert note.text.startswith(NOTE) and note.blocks[0]["type"] == "context"
    [announce] = slack.render(sample_action("red_packet", "announce"), target)
    assert not announce.text.startswith(NOTE)


def test_mrkdwn_is_escaped(slack: SlackChannel, target, sample_action: ActionFactory) -> None:
    [message] = slack.render(sample_action("message", text="<!channel> A&B <http://x|y>"), target)
    assert message.text == "&lt;!channel&gt; A&amp;B &lt;http://x|y&gt;"


def test_long_post_is_split_into_messages_under_3000_characters(slack: SlackChannel, target,
                                                                sample_action: ActionFactory) -> None:
    messages = slack.render(sample_action("message", text=long_text(20000)), target)
    assert len(messages) > 1
    assert all(len(b["text"]["text"]) <= 3000 for m in messages for b in m.blocks)


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"},
     Retryable("HTTP 429: ratelimited", timedelta(seconds=30))),
    (200, {"ok": False, "error": "ratelimited"}, None, Retryable("HTTP 200: ratelimited")),
    (200, {"ok": False, "error": "invalid_auth"}, None, Permanent("HTTP 200: invalid_auth")),
    (200, {"ok": False, "error": "channel_not_found"}, None, Permanent("HTTP 200: channel_not_found")),
    (500, {"ok": False, "error": "internal_error"}, None, Retryable("HTTP 500: internal_error")),
    (503, "<html>down</html>", {"Retry-After": "5"}, None),
])
def test_api_errors(slack: SlackChannel, httpserver: HTTPServer, target, sample_action: ActionFactory,
                    status: int, body: Any, headers: dict[str, str] | None, expected: Any) -> None:
    data = json.dumps(body) if isinstance(body, dict) else body
    httpserver.expect_request(POST).respond_with_data(data, status=status, headers=headers,
                                                      content_type="application/json")
    [message] = slack.render(sample_action("topic"), target)
    result = slack.send(message, "k")
    if expected is None:
        assert isinstance(result, Retryable) and result.reason.startswith("HTTP 503")
        assert result.retry_after == timedelta(seconds=5)
    else:
        assert result == expected
    assert len(httpserver.log) == 1, "slack_sdk must not retry on its own"
    assert TOKEN not in repr(result)


def test_timeout_is_retryable(httpserver: HTTPServer, target, sample_action: ActionFactory) -> None:
    release = threading.Event()

    def stall(request: Request) -> Response:
        release.wait(5)
        return Response(json.dumps(OK), content_type="application/json")

    httpserver.expect_request(POST).respond_with_handler(stall)
    slack = slack_for(httpserver, timeout=0.2)
    [message] = slack.render(sample_action("topic"), target)
    try:
        result = slack.send(message, "k")
    finally:
        release.set()
        settled(httpserver)
    assert isinstance(result, Retryable) and "timed out" in result.reason
    assert TOKEN not in repr(result)


def test_token_env_from_settings(httpserver: HTTPServer, sample_target: TargetFactory,
                                 sample_action: ActionFactory) -> None:
    httpserver.expect_oneshot_request(POST, headers={"Authorization": "Bearer xoxb-other"}).respond_with_json(OK)
    slack = slack_for(httpserver, OTHER_TOKEN="xoxb-other")
    [message] = slack.render(sample_action("topic"), sample_target({"channel": "C1", "token_env": "OTHER_TOKEN"}))
    assert isinstance(slack.send(message, "k"), Ok)
    httpserver.check_assertions()


def test_incoming_webhook(slack: SlackChannel, httpserver: HTTPServer, sample_target: TargetFactory,
                          sample_action: ActionFactory) -> None:
    httpserver.expect_oneshot_request(HOOK_PATH, method="POST").respond_with_data("ok")
    action = sample_action("survey")
    [message] = slack.render(action, sample_target({"webhook_env": "SLACK_HOOK"}))
    assert slack.send(message, action.key) == Ok()
    httpserver.check_assertions()
    sent = requests(httpserver)[0].get_json()
    assert sent["text"] == action.text and sent["blocks"][0]["type"] == "header"
    assert "SECRETHOOK" not in repr(message)


@pytest.mark.parametrize(("status", "body", "headers", "expected"), [
    (429, "rate limited", {"Retry-After": "12"}, Retryable("HTTP 429: rate limited", timedelta(seconds=12))),
    (500, "oops", None, Retryable("HTTP 500: oops")),
    (404, "no_service", None, Permanent("HTTP 404: no_service")),
    (403, "action_prohibited", None, Permanent("HTTP 403: action_prohibited")),
])
def test_incoming_webhook_errors(slack: SlackChannel, httpserver: HTTPServer, sample_target: TargetFactory,
                                 sample_action: ActionFactory, status: int, body: str,
                                 headers: dict[str, str] | None, expected: Any) -> None:
    httpserver.expect_request(HOOK_PATH).respond_with_data(body, status=status, headers=headers)
    [message] = slack.render(sample_action("topic"), sample_target({"webhook_env": "SLACK_HOOK"}))
    assert slack.send(message, "k") == expected
    assert len(httpserver.log) == 1


def test_webhook_url_stays_out_of_reasons(sample_target: TargetFactory, sample_action: ActionFactory) -> None:
    url = f"http://127.0.0.1:{free_port()}{HOOK_PATH}"
    slack = SlackChannel(ChannelContext(env={"SLACK_HOOK": url}))
    [message] = slack.render(sample_action("topic"), sample_target({"webhook_env": "SLACK_HOOK"}))
    result = slack.send(message, "k")
    assert isinstance(result, Retryable)
    assert "SECRETHOOK" not in repr(result)


@pytest.mark.parametrize(("settings", "env", "message"), [
    ({}, {"SLACK_BOT_TOKEN": TOKEN}, "no channels.slack.channel or webhook_env"),
    ({"channel": "#a"}, {}, "env var SLACK_BOT_TOKEN"),
    ({"channel": "#a", "token_env": "T2"}, {"SLACK_BOT_TOKEN": TOKEN}, "env var T2"),
    ({"webhook_env": "HOOK"}, {"SLACK_BOT_TOKEN": TOKEN}, "env var HOOK"),
])
def test_render_refuses_unusable_settings(sample_target: TargetFactory, sample_action: ActionFactory,
                                          settings: dict[str, Any], env: dict[str, str], message: str) -> None:
    with pytest.raises(ChannelConfigError, match=message):
        SlackChannel(ChannelContext(env=env)).render(sample_action("message"), sample_target(settings))


def test_target_keys(slack: SlackChannel, sample_target: TargetFactory) -> None:
    assert slack.target_key(sample_target({"channel": "#ppt-camp"})) == "slack:#ppt-camp"
    assert slack.target_key(sample_target({"webhook_env": "SLACK_HOOK"})) == "slack:webhook:SLACK_HOOK"
    assert slack.target_key(sample_target({}, group_id="g")) == "slack:group:g"
