"""Plugin hooks of sopengine (pluggy). Small and typed, ``register_*`` style.

Built-in plugins (``plugins/``) implement exactly these hooks and are found
through the same ``sopengine`` entry-point group as third-party ones::

    [project.entry-points.sopengine]
    mychannel = "my_package.plugin"

    # my_package/plugin.py
    from sopengine.hookspecs import hookimpl

    @hookimpl
    def register_channels(register):
        register("mychannel", MyChannel)   # MyChannel(context) -> Channel
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

import pluggy

from sopengine.channels import ChannelFactory
from sopengine.kinds import StepBase

PROJECT = "sopengine"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class RegisterChannel(Protocol):
    def __call__(self, name: str, factory: ChannelFactory) -> None: ...


class RegisterKind(Protocol):
    def __call__(self, kind: type[StepBase]) -> None: ...


class RegisterEvent(Protocol):
    def __call__(self, name: str, description: str = "", requires: tuple[str, ...] = ()) -> None: ...


class RegisterFilter(Protocol):
    def __call__(self, name: str, function: Callable[..., Any]) -> None: ...


@hookspec
def register_channels(register: RegisterChannel) -> None:
    """Register channel factories: ``register("wecom", WeComChannel)``."""


@hookspec
def register_kinds(register: RegisterKind) -> None:
    """Register step kinds: a :class:`~sopengine.kinds.StepBase` subclass with ``kind_name``."""


@hookspec
def register_events(register: RegisterEvent) -> None:
    """Register event names steps may use with ``on:``, and the data every such event must carry
    (dotted keys, e.g. ``requires=("member.name",)``: ``sopengine event`` refuses it without)."""


class RegisterCommand(Protocol):
    def __call__(self, command: Any) -> None: ...


@hookspec
def register_commands(register: RegisterCommand) -> None:
    """Register click commands added to ``sopengine`` (e.g. the wechat plugin's ``tasks``)."""


@hookspec
def register_template_filters(register: RegisterFilter) -> None:
    """Register Jinja2 filters for templates (plain functions of plain data)."""
