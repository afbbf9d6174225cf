"""The channel interface: how a timed action leaves sopengine.

A channel declares what it can do (:class:`Capabilities`), renders an action
for a target with a pure :meth:`Channel.render`, and delivers the result with
:meth:`Channel.send`, which returns :class:`Ok`, :class:`Retryable` or
:class:`Permanent` — never a bare bool, and never sleeps: retries, backoff and
rate limits belong to the daemon, which persists them.

Channels are built by factories registered through the ``register_channels``
hook; a factory receives a :class:`ChannelContext` carrying everything from the
outside world the channel may use (environment for secrets, HTTP transport,
clock), so tests inject real local servers instead of patching globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

from sopengine.model.content import Attachment


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` sends per ``period`` to one target."""

    count: int
    period: timedelta


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``count`` sends to one group per calendar ``per`` (``day`` or ``month``), local
    to the SOP: a provider's rule (WeCom's mass sends), which ``lint`` checks plans against."""

    count: int
    per: str = "month"


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can carry.

    ``manual`` channels hand the action to a person (an operator task sheet):
    the send records the task, and ``sopengine done KEY`` records completion.
    ``max_body_bytes`` counts UTF-8 bytes of one message body.
    """

    formats: frozenset[str] = frozenset({"text"})
    mentions: bool = False
    max_body_bytes: int | None = None
    rate_limit: RateLimit | None = None
    manual: bool = False
    #: Most yuan in one red packet / packets in one send the channel can express (None = no limit).
    max_red_packet_amount: float | None = None
    #: How a value interpolated from facts or event data is escaped for the channel's markup, so a
    #: newcomer named ``<@all>`` or a fact holding a link cannot write markup (None: plain text).
    escape: Callable[[str], str] | None = None
    #: What it carries besides text (see :data:`sopengine.model.content.CONTENT_KINDS`): ``image``
    #: (a file or a URL), ``image_url`` (only by URL), ``link``, ``file``. ``validate`` reports a
    #: step carrying anything else, at its line.
    content: frozenset[str] = frozenset()
    #: The most bytes of each content kind it takes (``{"image": 2 * 1024 * 1024}``).
    max_content_bytes: Mapping[str, int] = field(default_factory=dict)
    #: The media types of each content kind it takes (``{"image": {"image/png", "image/jpeg"}}``).
    content_types: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Whether work only a person can do (a red packet, a rename) may go through it (a robot posts
    #: a note for the operator; a mass send to customers cannot): ``validate`` refuses it otherwise.
    notes_for_operators: bool = True
    #: The provider's limits on how many sends one group may receive (``lint`` warns past them).
    quotas: tuple[Quota, ...] = ()


@dataclass(frozen=True, slots=True)
class Target:
    """Where an action goes: the group and its settings for this channel (``channels.<name>``)."""

    group_id: str
    group_name: str
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OperatorInstruction:
    """How a person reads an action as a task, as its kind words it: what to do, the exact text
    to paste (empty when there is none), and the details a sheet may show (amount, questions…)."""

    instruction: str
    copy_text: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    #: How a page labels each detail, in the operator's words (金额); a detail without one is not shown.
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutboundAction:
    """A due action, rendered with the facts of its moment, as a channel sees it."""

    key: str
    sop: str
    step: str
    part: str | None
    kind: str
    group_id: str
    group_name: str
    due: datetime
    payload: Mapping[str, Any]
    grace: timedelta = timedelta(hours=1)
    #: Work only a person can do (send a red packet, rename or dissolve the group), as its kind
    #: says: an automatic channel posts a note for the operator instead of doing it.
    operator_only: bool = False
    #: The action as an operator's task (None: paste ``text``), from its kind.
    instruction: OperatorInstruction | None = None
    #: The step asks for everyone in the group to be mentioned (@所有人) with this post.
    mention_all: bool = False
    #: What it carries besides its text (an image, a link card, a mini program, a file), in that order.
    attachments: tuple[Attachment, ...] = ()
    #: Members to mention by name (@小美), as the step names them, rendered.
    mentions: tuple[str, ...] = ()

    def attachment(self, kind: str) -> Attachment | None:
        """The attachment of ``kind`` (``image``, ``link``, ``file``), if it carries one."""
        return next((a for a in self.attachments if a.kind == kind), None)

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))


@dataclass(frozen=True, slots=True)
class Ok:
    """Delivered (or, for a manual channel, handed to the operator)."""

    provider_id: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Retryable:
    """Not delivered, worth trying again (after ``retry_after`` if the provider said so).

    ``maybe_delivered``: the request may have reached the provider (it timed out waiting for the
    answer), so a retry may repeat the message; the daemon retries such sends only a few times."""

    reason: str
    retry_after: timedelta | None = None
    maybe_delivered: bool = False


@dataclass(frozen=True, slots=True)
class Permanent:
    """Not delivered and never will be as it stands (bad key, content refused...)."""

    reason: str


SendResult = Ok | Retryable | Permanent


class ChannelConfigError(ValueError):
    """A target's settings are unusable (no address, env var missing): a permanent failure."""


@dataclass(frozen=True)
class ChannelContext:
    """What a channel factory may use from the outside world.

    ``env`` is where secrets come from (variables *named* in group settings);
    ``http`` is an optional transport object (e.g. an ``httpx`` transport)
    tests point at a local server; ``now`` is the clock; ``options`` holds
    channel-wide settings (e.g. SMTP host) from configuration.
    """

    env: Mapping[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] | None = None
    http: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Channel(Protocol):
    """A delivery channel."""

    name: str
    capabilities: Capabilities

    def target_key(self, target: Target) -> str:
        """Rate-limit bucket of ``target`` (e.g. one WeCom robot)."""
        ...

    def render(self, action: OutboundAction, target: Target) -> Sequence[Any]:
        """Pure: the message bodies to send (more than one if a long post is split).

        Raises ChannelConfigError when ``target`` has no usable address.
        """
        ...

    def send(self, payload: Any, idempotency_key: str) -> SendResult:
        """Deliver one rendered body; ``idempotency_key`` is the action key (plus part index)."""
        ...


ChannelFactory = Callable[[ChannelContext], Channel]


@dataclass(frozen=True, slots=True)
class HandedOver:
    """An action a channel handed to a person to send (a WeCom mass-send task the group owner
    confirms in the client), waiting for the outcome: ``provider_id`` is the provider's id of
    the task; ``reminded``: the sender was reminded once already."""

    key: str
    provider_id: str
    target: Target
    due: datetime
    deadline: datetime
    reminded: bool = False


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of a handed-over action: ``sent`` (at ``at``), ``failed`` (with ``reason``),
    or None: still waiting for the person."""

    key: str
    state: str | None
    reason: str = ""
    at: datetime | None = None


@runtime_checkable
class HandsOver(Protocol):
    """A channel whose sends are tasks a person confirms elsewhere, and that can ask how they went.

    The daemon calls :meth:`settle` every few minutes with what it handed over, and
    :meth:`remind` once for each task still unsent halfway to its deadline."""

    def settle(self, handed: Sequence[HandedOver]) -> Sequence[Settled]:
        """What became of each (those not named: still waiting). Never raises for one task."""
        ...

    def remind(self, handed: HandedOver) -> SendResult:
        """Remind the person of the task once."""
        ...


@dataclass(frozen=True, slots=True)
class SettingProblem:
    """What is wrong with a group's settings for a channel, found before anything is sent.

    ``key`` names the setting (None: the settings as a whole, e.g. a required one missing).
    ``unset_env``: the setting names an environment variable that is not set *here*; ``validate``
    warns (it may be set where the daemon runs), ``run`` refuses to start.
    """

    message: str
    key: str | None = None
    unset_env: bool = False


SettingsCheck = Callable[[Mapping[str, Any], Mapping[str, str]], Sequence[SettingProblem]]
"""``check_settings(settings, env)``: a channel factory may carry one (a static method of the
channel class) so that a group's ``channels.<name>`` is checked when files are validated, with
the line of the groups file, not at dispatch. ``env`` is where named variables are looked up."""


@dataclass(frozen=True)
class ChannelChecks:
    """Each channel's :data:`SettingsCheck`, and the environment named variables are looked up in."""

    checks: Mapping[str, SettingsCheck] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)


def settings_check(factory: ChannelFactory) -> SettingsCheck | None:
    """The factory's ``check_settings``, if it declares one."""
    check = getattr(factory, "check_settings", None)
    return check if callable(check) else None


#: Who does a group's tasks on a channel, read from its settings for that channel (ids or names).
OperatorsOf = Callable[[Mapping[str, Any]], Sequence[str]]


def operators_reader(factory: ChannelFactory) -> OperatorsOf | None:
    """The factory's ``operators(settings)``, if it declares one: a channel whose work is done by
    people (``capabilities.manual``) says there who they are."""
    read = getattr(factory, "operators", None)
    return read if callable(read) else None


def check_env_setting(settings: Mapping[str, Any], key: str, env: Mapping[str, str],
                      *, required: bool = True, what: str = "") -> list[SettingProblem]:
    """The usual checks of a setting naming an environment variable (``webhook_env``…): given,
    a variable name, set in ``env``. For channels' :data:`SettingsCheck`."""
    value = settings.get(key)
    if value is None:
        return [SettingProblem(f"{key} is missing{f' ({what})' if what else ''}")] if required else []
    if not isinstance(value, str) or not value.isidentifier():
        return [SettingProblem(f"{key} names an environment variable, got {value!r}", key)]
    if not env.get(value):
        return [SettingProblem(f"environment variable {value} ({key}) is not set", key, unset_env=True)]
    return []
