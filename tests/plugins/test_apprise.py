"""The apprise channel against a local HTTP server (Apprise's json:// service posts there): what
it sends, and how its bare success or failure is recorded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from sopengine.channels import ChannelConfigError, ChannelContext, Ok, Permanent, Retryable
from sopengine.testing import ActionFactory, TargetFactory
from sopengine_apprise import AppriseChannel
from sopengine.words import say

NOTE = say("note.mark")

SETTINGS = {"url_env": "APPRISE_URL"}


def channel_for(httpserver: HTTPServer) -> AppriseChannel:
    url = httpserver.url_for("/notify").replace("http://", "json://")
    return AppriseChannel(ChannelContext(env={"APPRISE_URL": url + "?token=t0k-SECRET"}))


def posted(httpserver: HTTPServer) -> list[dict[str, Any]]:
    return [json.loads(request.get_data()) for request, _ in httpserver.log]


def test_a_post_is_sent_titled_with_the_group(httpserver, sample_target: TargetFactory,
                                              sample_action: ActionFactory) -> None:
    httpserver.expect_request("/notify", method="POST").respond_with_data("ok")
    channel = channel_for(httpserver)
    action = sample_action("morning_post")
    target = sample_target(SETTINGS)
    [message] = channel.render(action, target)
    result = channel.send(message, action.key)
    assert isinstance(result, Ok) and "cannot say more" in result.detail
    [sent] = posted(httpserver)
    assert sent["title"] == target.group_name and sent["message"] == action.text


def test_operator_parts_are_marked_notes(httpserver, sample_target, sample_action) -> None:
    [message] = channel_for(httpserver).render(sample_action("rename"), sample_target(SETTINGS))
    assert message.body.startswith(NOTE)


def test_a_failure_is_retried_as_possibly_delivered_and_says_nothing_secret(httpserver, sample_target,
                                                                            sample_action) -> None:
    httpserver.expect_request("/notify", method="POST").respond_with_data("no", status=500)
    channel = channel_for(httpserver)
    [message] = channel.render(sample_action("topic"), sample_target(SETTINGS))
    result = channel.send(message, "k")
    assert isinstance(result, Retryable) and result.maybe_delivered
    assert "SECRET" not in result.reason


def test_settings_and_unusable_urls(sample_target, sample_action) -> None:
    assert [p.key for p in AppriseChannel.check_settings({}, {})] == [None]
    channel = AppriseChannel(ChannelContext(env={"APPRISE_URL": "nonsense-scheme://x"}))
    [message] = channel.render(sample_action("topic"), sample_target(SETTINGS))
    assert isinstance(channel.send(message, "k"), Permanent)
    with pytest.raises(ChannelConfigError, match="APPRISE_URL"):
        AppriseChannel(ChannelContext(env={})).render(sample_action("topic"), sample_target(SETTINGS))
