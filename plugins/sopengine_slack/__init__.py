"""Built-in ``slack`` channel: Block Kit posts through the Web API or an incoming webhook.

Group settings (``channels.slack``): ``channel`` (``"#ppt-camp"`` or an id),
posted with the bot token in the env var named by ``token_env`` (setting, else
option, else ``SLACK_BOT_TOKEN``); or ``webhook_env``, naming the env var that
holds an incoming-webhook URL. Options: ``base_url`` (Web API root, for tests),
``token_env``, ``timeout`` (seconds, default 10).

Surveys become a header and one numbered section per question; the parts a
person must do (red packet send, task, rename, dissolution grey avatar /
rename / dissolve) become notes marked 【运营操作】. Every message carries a
plain-text fallback.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, OutboundAction, Permanent, RateLimit, RegisterChannel,
    SendResult, SettingProblem, Target, check_env_setting, hookimpl,
)

from sopengine_slack.blocks import SlackMessage, render_blocks

__version__ = "0.1.0"
__all__ = ["SlackChannel", "SlackMessage"]

DEFAULT_BASE_URL = "https://slack.com/api/"
DEFAULT_TOKEN_ENV = "SLACK_BOT_TOKEN"


class SlackChannel:
    """Posts Block Kit messages to one Slack channel (or webhook) per group."""

    name = "slack"
    # Slack allows about one message a second per channel, with short bursts.
    capabilities = Capabilities(formats=frozenset({"text", "mrkdwn", "blocks"}),
                                rate_limit=RateLimit(60, timedelta(minutes=1)),
                                content=frozenset({"image_url", "link"}))

    def __init__(self, context: ChannelContext):
        options = context.options
        self._env = context.env
        self._base_url = str(options.get("base_url", DEFAULT_BASE_URL))
        self._token_env = str(options.get("token_env", DEFAULT_TOKEN_ENV))
        self._timeout = float(options.get("timeout", 10.0))

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """A webhook (``webhook_env``) or a Slack ``channel`` (its token from ``token_env``, or the
        channel-wide token option, checked when the daemon starts)."""
        if settings.get("webhook_env") is not None:
            return check_env_setting(settings, "webhook_env", env)
        if not (isinstance(settings.get("channel"), str) and settings["channel"]):
            return [SettingProblem("needs channel (a Slack channel id or #name) or webhook_env")]
        return check_env_setting(settings, "token_env", env, required=False)

    def target_key(self, target: Target) -> str:
        """One bucket per webhook or Slack channel; never raises."""
        s = target.settings
        if isinstance(s.get("webhook_env"), str) and s["webhook_env"]:
            return f"slack:webhook:{s['webhook_env']}"
        if isinstance(s.get("channel"), str) and s["channel"]:
            return f"slack:{s['channel']}"
        return f"slack:group:{target.group_id}"

    def _address(self, target: Target) -> tuple[str, bool, str | None]:
        s = target.settings
        webhook_env = s.get("webhook_env")
        if webhook_env:
            secret_env, channel = str(webhook_env), None
        elif isinstance(s.get("channel"), str) and s["channel"]:
            secret_env, channel = str(s.get("token_env") or self._token_env), s["channel"]
        else:
            raise ChannelConfigError(f"group {target.group_id} has no channels.slack.channel or webhook_env")
        if not self._env.get(secret_env):
            raise ChannelConfigError(f"group {target.group_id}: env var {secret_env} is not set")
        return secret_env, bool(webhook_env), channel

    def render(self, action: OutboundAction, target: Target) -> Sequence[SlackMessage]:
        """Messages for ``action``; ChannelConfigError without an address or its secret."""
        secret_env, webhook, channel = self._address(target)
        return [SlackMessage(secret_env, webhook, channel, text, tuple(blocks))
                for text, blocks in render_blocks(action)]

    def send(self, payload: SlackMessage, idempotency_key: str) -> SendResult:
        # slack_sdk loads when a message is sent, not with the plugin
        from sopengine_slack.client import post_api, post_webhook

        secret = self._env.get(payload.secret_env)
        if not secret:
            return Permanent(f"env var {payload.secret_env} is not set")
        if payload.webhook:
            return post_webhook(payload, secret, self._timeout)
        return post_api(payload, secret, self._base_url, self._timeout, idempotency_key)


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("slack", SlackChannel)
