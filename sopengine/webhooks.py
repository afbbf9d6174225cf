"""Posting JSON to a chat robot's webhook, and what every robot channel reads the same way:
network failures, HTTP statuses and ``Retry-After`` become results, and secrets never reach a
reason. Part of the plugin API (:mod:`sopengine.plugin_api`); each channel maps its own error
codes from the answer it gets back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Protocol, Sequence

from sopengine.channels import (
    Capabilities, ChannelConfigError, ChannelContext, Ok, OutboundAction, Permanent, Retryable, SendResult,
    SettingProblem,
    Target, check_env_setting,
)

if TYPE_CHECKING:
    import httpx


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every secret given (a key, a token, a URL holding one) replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def retry_after(value: str | None, now: Callable[[], datetime] | None = None) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a delay; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    current = now() if now else datetime.now(timezone.utc)
    return max(when - current, timedelta(0))


def post_json(client: "httpx.Client", url: str, body: Any, *, params: dict[str, str] | None = None,
              secrets: tuple[str | None, ...] = ()) -> "httpx.Response | SendResult":
    """POST ``body`` to ``url``: the response, or the result a failure to get one means. A timeout
    past connecting may have been delivered (``maybe_delivered``); nothing raises for the network."""
    import httpx

    try:
        return client.post(url, params=params, json=body)
    except httpx.TimeoutException as exc:
        return Retryable(f"timed out ({type(exc).__name__})", maybe_delivered=not isinstance(exc, httpx.ConnectTimeout))
    except httpx.TransportError as exc:
        return Retryable(f"{type(exc).__name__}: {redact(str(exc), url, *secrets)}")


def status_result(response: "httpx.Response", now: Callable[[], datetime] | None = None, *,
                  other_statuses_fail: bool = True) -> SendResult | None:
    """What the HTTP status alone says: 429 and 5xx are retried (after ``Retry-After``), another
    non-200 is permanent (unless ``other_statuses_fail`` is false: the body says more); None when
    the answer's body must be read."""
    status = response.status_code
    if status == 429 or status >= 500:
        return Retryable(f"HTTP {status}", retry_after(response.headers.get("Retry-After"), now))
    if status != 200 and other_statuses_fail:
        return Permanent(f"HTTP {status}")
    return None


def errcode_result(response: "httpx.Response", retryable: Mapping[int, timedelta | None], *,
                   now: Callable[[], datetime] | None = None, secrets: tuple[str | None, ...] = ()) -> SendResult:
    """The answer of a robot that says ``{"errcode": 0, "errmsg": …}`` (WeCom, DingTalk): the HTTP
    status first, then the errcode of a 200: 0 is sent, one of ``retryable`` is retried (after
    its delay), any other is permanent; secrets never reach the reason."""
    by_status = status_result(response, now)
    if by_status is not None:
        return by_status
    try:
        answer = response.json()
        code = int(answer.get("errcode", -1))
    except (ValueError, AttributeError, TypeError):
        return Retryable("HTTP 200 with an unreadable body")
    if code == 0:
        return Ok()
    reason = f"errcode {code}: {redact(str(answer.get('errmsg', ''))[:200], *secrets)}"
    if code in retryable:
        return Retryable(reason, retryable[code])
    return Permanent(reason)


def check_robot_settings(settings: Mapping[str, Any], env: Mapping[str, str], *, lists: tuple[str, ...],
                         items: str) -> list[SettingProblem]:
    """The settings of a signed webhook robot (DingTalk, Feishu…): ``webhook_env`` names the
    variable holding its URL, ``secret_env`` (optional) its signing secret, and each of ``lists``
    (mentions…) is a list of ``items`` (mobiles, open ids)."""
    problems = check_env_setting(settings, "webhook_env", env, what="the variable holding the webhook URL")
    problems += check_env_setting(settings, "secret_env", env, required=False,
                                  what="the variable holding the signing secret")
    for key in lists:
        value = settings.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, (str, int)) for v in value)):
            problems.append(SettingProblem(f"{key} is a list of {items}, got {value!r}", key))
    return problems


def env_setting(target: Target, channel: str, key: str, *, required: bool = True) -> str | None:
    """The variable name a target's ``channels.<channel>.<key>`` holds (None: an optional one left
    out); ChannelConfigError when it is missing or not a name."""
    name = target.settings.get(key)
    if name is None and not required:
        return None
    if not isinstance(name, str) or not name:
        raise ChannelConfigError(f"group {target.group_id} has no channels.{channel}.{key}")
    return name


def id_list_setting(target: Target, channel: str, key: str, what: str, *, numbers: bool = True) -> list[str]:
    """A target's ``channels.<channel>.<key>`` as a list of ids (one id alone is a list of one;
    ``numbers``: a mobile may be written as a number); ChannelConfigError naming ``what`` it
    holds otherwise."""
    value = target.settings.get(key, [])
    if isinstance(value, str):
        value = [value]
    kinds: tuple[type, ...] = (str, int) if numbers else (str,)
    if not isinstance(value, list) or not all(isinstance(v, kinds) and str(v) for v in value):
        raise ChannelConfigError(f"group {target.group_id}: channels.{channel}.{key} must be a list of {what}")
    return [str(v) for v in value]


def require_env(env: Mapping[str, str], channel: str, group_id: str, *names: tuple[str, str | None]) -> None:
    """ChannelConfigError unless every named variable is set: ``names`` are (setting, variable)
    pairs, a None variable being an optional setting left out."""
    for setting, variable in names:
        if variable and not env.get(variable):
            raise ChannelConfigError(f"group {group_id}: env var {variable} (channels.{channel}.{setting}) is not set")


def robot_address(env: Mapping[str, str], webhook_env: str,
                  secret_env: str | None) -> tuple[str, str | None] | Permanent:
    """(the webhook URL, the secret or None) from the environment, or why a send cannot be made."""
    url = env.get(webhook_env)
    if not url:
        return Permanent(f"env var {webhook_env} is not set")
    secret = env.get(secret_env) if secret_env else None
    if secret_env and not secret:
        return Permanent(f"env var {secret_env} is not set")
    return url, secret


class RobotMessage(Protocol):
    """One body for a signed robot: the variables holding its URL and secret, and the JSON."""

    @property
    def webhook_env(self) -> str: ...
    @property
    def secret_env(self) -> str | None: ...
    @property
    def body(self) -> Mapping[str, Any]: ...


class SignedRobotChannel:
    """What every signed webhook robot channel does alike (DingTalk, Feishu…): settings checked,
    one rate bucket per robot, variables required at render, the URL and secret looked up at send,
    one HTTP pool. A subclass sets ``name``, ``mention_items`` and ``capabilities`` and gives
    :meth:`messages` (pure) and :meth:`post` (one signed request)."""

    name: str = ""
    #: What its mention lists hold, for settings problems (mobiles, open ids).
    mention_items: ClassVar[str] = "ids"
    capabilities: Capabilities

    def __init__(self, context: ChannelContext):
        import httpx  # imported by the channel, not the plugin: `sopengine plan` never pays for it

        self._env = context.env
        self._client = httpx.Client(transport=context.http, timeout=float(context.options.get("timeout", 10.0)))

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``webhook_env`` names the variable holding the webhook URL; ``secret_env`` the signing
        secret (optional); ``mentions`` and ``operators`` are lists of :attr:`mention_items`."""
        return check_robot_settings(settings, env, lists=("mentions", "operators"), items=cls.mention_items)

    def target_key(self, target: Target) -> str:
        """One bucket per robot (its webhook's env var name); never raises."""
        env = target.settings.get("webhook_env")
        return f"{self.name}:{env}" if isinstance(env, str) and env else f"{self.name}:group:{target.group_id}"

    def messages(self, action: OutboundAction, target: Target) -> Sequence[RobotMessage]:
        raise NotImplementedError

    def post(self, client: "httpx.Client", url: str, secret: str | None, body: Mapping[str, Any]) -> SendResult:
        raise NotImplementedError

    def render(self, action: OutboundAction, target: Target) -> Sequence[RobotMessage]:
        """Bodies for ``action``; ChannelConfigError when the robot's variables are not set."""
        messages = self.messages(action, target)
        first = messages[0]
        require_env(self._env, self.name, target.group_id, ("webhook_env", first.webhook_env),
                    ("secret_env", first.secret_env))
        return messages

    def send(self, payload: Any, idempotency_key: str) -> SendResult:
        """Post one body, signed now. Robots have no idempotency key: a retry after a lost answer may repeat."""
        address = robot_address(self._env, payload.webhook_env, payload.secret_env)
        if isinstance(address, Permanent):
            return address
        url, secret = address
        return self.post(self._client, url, secret, dict(payload.body))

    def close(self) -> None:
        self._client.close()
