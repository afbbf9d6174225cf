"""Finding and loading plugins; what they registered; what failed.

Every plugin — the built-in channels included — is found through the
``sopengine`` entry-point group. A plugin that fails to import or whose hook
raises is recorded in :attr:`PluginHost.failures` and the rest keep working;
``strict=True`` (for CI) turns any failure into :class:`PluginError`.
``check_pending()`` runs after loading so a misspelt hook name is caught.
"""

from __future__ import annotations

import importlib.metadata as md
from functools import partial
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable, Mapping

import pluggy

from sopengine import hookspecs
from sopengine.channels import (
    Capabilities, Channel, ChannelChecks, ChannelContext, ChannelFactory, OperatorsOf, operators_reader, settings_check,
)
from sopengine.kinds import KindRegistry, StepBase
from sopengine.loading.options import BUILTIN_EVENT_DATA, BUILTIN_EVENTS, LoadOptions
from sopengine.rendering.templating import environment

ENTRY_POINT_GROUP = "sopengine"


class PluginError(RuntimeError):
    """A plugin could not be loaded or registered (raised in strict mode only)."""


@dataclass
class PluginInfo:
    """One plugin: where it came from and what it registered."""

    name: str
    #: The version, or how to read it: a distribution's metadata is parsed only when asked
    #: (every command loads the plugins; only ``sopengine plugins`` shows versions).
    source_version: str | Callable[[], str] = field(default="", repr=False)
    module: str = ""
    channels: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def version(self) -> str:
        if callable(self.source_version):
            self.source_version = self.source_version()
        return self.source_version


@dataclass
class PluginHost:
    """The loaded plugins and the registries they filled."""

    manager: pluggy.PluginManager
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    channel_factories: dict[str, ChannelFactory] = field(default_factory=dict)
    kinds: KindRegistry = field(default_factory=KindRegistry)
    events: dict[str, str] = field(default_factory=lambda: {e: "built-in" for e in BUILTIN_EVENTS})
    #: Event name → the dotted data keys it must carry.
    event_data: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(BUILTIN_EVENT_DATA))
    filters: dict[str, Callable[..., Any]] = field(default_factory=dict)
    commands: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> list[PluginInfo]:
        return [p for p in self.plugins.values() if p.error]

    def load_options(self, env: Mapping[str, str] | None = None) -> LoadOptions:
        """Validation options knowing every registered kind, event and channel; ``env``: where the
        variables group settings name are looked up (none given: an empty environment)."""
        checks = {name: check for name, factory in self.channel_factories.items()
                  if (check := settings_check(factory)) is not None}
        return LoadOptions(kinds=self.kinds, events=frozenset(self.events), channels=frozenset(self.channel_factories),
                           channel_checks=ChannelChecks(checks, dict(env or {})),
                           channel_operators=self.operator_readers(),
                           channel_capabilities={name: caps for name, factory in self.channel_factories.items()
                                                 if isinstance(caps := getattr(factory, "capabilities", None),
                                                               Capabilities)})

    def operator_readers(self) -> dict[str, OperatorsOf]:
        """Channel name → how it names a group's operators, for every channel that says
        (:func:`~sopengine.channels.operators_reader`): the channels people work."""
        return {name: read for name, factory in self.channel_factories.items()
                if (read := operators_reader(factory)) is not None}

    def missing_event_data(self, name: str, data: Mapping[str, Any]) -> list[str]:
        """The dotted keys event ``name`` must carry that ``data`` lacks (or leaves empty)."""
        missing = []
        for dotted in self.event_data.get(name, ()):
            node: Any = data
            for part in dotted.split("."):
                node = node.get(part) if isinstance(node, Mapping) else None
            if node is None or (isinstance(node, str) and not node.strip()):
                missing.append(dotted)
        return missing

    def channel(self, name: str, context: ChannelContext) -> Channel:
        """A new channel instance; KeyError for an unknown name."""
        return self.channel_factories[name](context)


def _dist_version(dist: md.Distribution) -> str:
    return dist.version


def _same(plugin: Any) -> Any:
    return plugin


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def load_plugins(
    *, strict: bool = False, extra: Iterable[tuple[str, ModuleType | object]] = (), entry_points: bool = True,
) -> PluginHost:
    """Load every plugin of the entry-point group (plus ``extra`` (name, plugin) pairs) and collect registrations."""
    host = PluginHost(new_manager())
    sources: list[tuple[str, str | Callable[[], str], Callable[[], Any]]] = []
    if entry_points:
        for ep in sorted(md.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            dist = ep.dist
            sources.append((ep.name, partial(_dist_version, dist) if dist is not None else "", ep.load))
    for name, plugin in extra:
        sources.append((name, getattr(plugin, "__version__", ""), partial(_same, plugin)))
    for name, version, load in sources:
        info = host.plugins.setdefault(name, PluginInfo(name, version))
        try:
            plugin = load()
            info.module = getattr(plugin, "__name__", type(plugin).__name__)
            host.manager.register(plugin, name=name)
        except Exception as exc:  # a broken plugin must not take the others down
            info.error = f"{type(exc).__name__}: {exc}"
    try:
        host.manager.check_pending()
    except pluggy.PluginValidationError as exc:
        bad = getattr(exc, "plugin", None)
        name = (host.manager.get_name(bad) if bad is not None else None) or "?"
        if name in host.plugins:
            host.plugins[name].error = f"unknown hook: {exc}"
            host.manager.unregister(bad)
    _collect(host)
    if strict and host.failures:
        raise PluginError("; ".join(f"{p.name}: {p.error}" for p in host.failures))
    return host


def _collect(host: PluginHost) -> None:
    """Call each plugin's hooks one plugin at a time so one failure stays contained."""
    env = environment()
    for name, plugin in list(host.manager.list_name_plugin()):
        info = host.plugins.setdefault(name, PluginInfo(name))
        try:
            _register_all(host, env, plugin, name, info)
        except Exception as exc:
            info.error = f"{type(exc).__name__}: {exc}"


def _register_all(host: PluginHost, env: Any, plugin: Any, name: str, info: PluginInfo) -> None:
    """Call every hook of one plugin with registrars that record what it registered."""
    _call(plugin, "register_channels", lambda n, f: _add(host.channel_factories, info.channels, n, f))
    _call(plugin, "register_kinds", lambda k: _add_kind(host, info, k))
    _call(plugin, "register_events", lambda n, d="", requires=(): _add_event(host, info, n, d or name, requires))
    _call(plugin, "register_template_filters", lambda n, f: _add_filter(host, env, info, n, f))
    _call(plugin, "register_commands", lambda c: _add(host.commands, info.commands, c.name, c))


def _call(plugin: Any, hook: str, register: Callable[..., None]) -> None:
    impl = getattr(plugin, hook, None)
    if impl is not None and hasattr(impl, hookspecs.PROJECT + "_impl"):
        impl(register=register)


def _add(registry: dict[str, Any], names: list[str], name: str, value: Any) -> None:
    if name in registry:
        raise ValueError(f"{name!r} is already registered")
    registry[name] = value
    names.append(name)


def _add_event(host: PluginHost, info: PluginInfo, name: str, description: str, requires: Iterable[str]) -> None:
    _add(host.events, info.events, name, description)
    host.event_data[name] = tuple(requires)


def _add_kind(host: PluginHost, info: PluginInfo, kind: type[StepBase]) -> None:
    host.kinds.register(kind)
    info.kinds.append(kind.kind_name)


def _add_filter(host: PluginHost, env: Any, info: PluginInfo, name: str, function: Callable[..., Any]) -> None:
    if env.filters.get(name, function) is not function:
        raise ValueError(f"template filter {name!r} already exists")
    _add(host.filters, info.filters, name, function)
    env.filters[name] = function
