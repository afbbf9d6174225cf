"""Built-in ``apprise`` channel: any service Apprise knows (Telegram, Discord, Teams, ntfy, …) by
its Apprise URL, for teams whose groups are not on WeCom, DingTalk or Feishu.

Group settings (``channels.apprise``): ``url_env`` names the environment variable holding the
Apprise URL (it usually holds a token: never in a file). Needs ``pip install 'sopengine[apprise]'``.

Apprise answers only "it worked" or "it did not", without saying why or whether anything reached
the service. So a failure is retried as possibly delivered (the daemon tries it at most three
times, then asks a person to check), and a success is recorded as Apprise's word, nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    say,
    Capabilities, ChannelConfigError, ChannelContext, Ok, OutboundAction, Permanent, RegisterChannel, Retryable,
    SendResult, SettingProblem, Target, check_env_setting, hookimpl, redact, require_env,
)

__version__ = "0.1.0"
__all__ = ["AppriseChannel", "AppriseMessage"]



@dataclass(frozen=True)
class AppriseMessage:
    """One notification: the env var holding the Apprise URL (never the URL), a title and a body."""

    url_env: str
    title: str
    body: str

    @property
    def text(self) -> str:
        return self.body


class AppriseChannel:
    """Sends through Apprise. Apprise's own log lines can carry URLs: they are silenced here."""

    name = "apprise"
    capabilities = Capabilities(formats=frozenset({"text"}))

    def __init__(self, context: ChannelContext):
        self._env = context.env
        quiet = logging.getLogger("apprise")
        quiet.handlers[:] = [logging.NullHandler()]
        quiet.propagate = False

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``url_env`` names the variable holding the Apprise URL."""
        return check_env_setting(settings, "url_env", env, what="the variable holding the Apprise URL")

    def target_key(self, target: Target) -> str:
        env = target.settings.get("url_env")
        return f"apprise:{env}" if isinstance(env, str) and env else f"apprise:group:{target.group_id}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[AppriseMessage]:
        """One notification titled with the group's name; operator parts as marked notes."""
        url_env = target.settings.get("url_env")
        if not isinstance(url_env, str) or not url_env:
            raise ChannelConfigError(f"group {target.group_id} has no channels.apprise.url_env")
        require_env(self._env, "apprise", target.group_id, ("url_env", url_env))
        body = (say("note.mark") if action.operator_only else "") + action.text
        return [AppriseMessage(url_env, target.group_name, body)]

    def send(self, payload: AppriseMessage, idempotency_key: str) -> SendResult:
        url = self._env.get(payload.url_env)
        if not url:
            return Permanent(f"env var {payload.url_env} is not set")
        try:
            import apprise
        except ImportError:
            return Permanent("apprise is not installed: pip install 'sopengine[apprise]'")
        notifier = apprise.Apprise()
        if not notifier.add(url):
            return Permanent(f"the URL in {payload.url_env} is not one Apprise understands")
        try:
            delivered = bool(notifier.notify(body=payload.body, title=payload.title))
        except Exception as exc:  # a plugin of Apprise's raising: its message may hold the URL
            return Retryable(f"apprise raised {type(exc).__name__}: {redact(str(exc), url)}"[:300],
                             maybe_delivered=True)
        if delivered:
            return Ok(detail="Apprise reported success (it cannot say more)")
        return Retryable("Apprise reported a failure; it does not say why, nor whether it was delivered",
                         maybe_delivered=True)


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("apprise", AppriseChannel)
