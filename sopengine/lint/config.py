"""Which rules run and with which thresholds: defaults, a YAML config file, ``--set`` overrides.

Config file shape::

    rules:
      too-many-pushes: {max_per_day: 6, min_gap: 15m}
      quiet-hours: {start: "23:00", end: "07:00"}
      irregular-time: {enabled: false}

Every rule id and threshold name is checked; a mistake is a :class:`ConfigError`
(the command line turns it into a usage error, exit 2), never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from sopengine.model.problems import SopFileError, did_you_mean
from sopengine.loading.source import load_yaml
from sopengine.lint.params import parse_bool
from sopengine.lint.rule import Rule


class ConfigError(ValueError):
    """A lint configuration that cannot be used (unknown rule or threshold, bad value)."""


@dataclass(frozen=True)
class RuleSettings:
    """Whether a rule runs, and its thresholds (parsed values)."""

    enabled: bool
    params: Mapping[str, Any]


@dataclass(frozen=True)
class LintConfig:
    """Settings of every known rule. Immutable: ``with_*`` methods return a new config."""

    rules: tuple[Rule, ...]
    settings: Mapping[str, RuleSettings] = field(default_factory=dict)

    @classmethod
    def defaults(cls, rules: Sequence[Rule]) -> "LintConfig":
        """Every rule enabled at its default thresholds."""
        return cls(tuple(rules), {r.id: RuleSettings(True, r.defaults()) for r in rules})

    def enabled_rules(self) -> list[Rule]:
        """The rules that run, in registry order."""
        return [r for r in self.rules if self.settings[r.id].enabled]

    def params(self, rule_id: str) -> Mapping[str, Any]:
        """Resolved thresholds of ``rule_id``."""
        return self.settings[rule_id].params

    def with_value(self, rule_id: str, name: str, value: Any) -> "LintConfig":
        """Set ``enabled`` or a threshold of one rule; ``value`` is parsed by its declared type."""
        rule = self._rule(rule_id)
        current = self.settings[rule_id]
        try:
            if name == "enabled":
                updated = replace(current, enabled=parse_bool(value))
            elif name in rule.params:
                updated = replace(current, params={**current.params, name: rule.params[name].parse(value)})
            else:
                names = ["enabled", *rule.params]
                raise ConfigError(f"rule {rule_id!r} has no setting {name!r}{did_you_mean(name, names)}; "
                                  f"it has: {', '.join(names)}")
        except ValueError as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"{rule_id}.{name}: {exc}") from None
        return replace(self, settings={**self.settings, rule_id: updated})

    def with_assignment(self, text: str) -> "LintConfig":
        """Apply one ``rule-id.name=value`` (the ``--set`` form)."""
        target, sep, value = text.partition("=")
        rule_id, dot, name = target.strip().partition(".")
        if not sep or not dot or not rule_id or not name:
            raise ConfigError(f"expected RULE.SETTING=VALUE (e.g. too-many-pushes.max_per_day=6), got {text!r}")
        return self.with_value(rule_id, name.strip(), value.strip())

    def with_mapping(self, data: Any, source: str = "config") -> "LintConfig":
        """Apply a parsed config document ``{rules: {rule-id: {setting: value}}}``."""
        return self._apply(data, lambda loc: source)

    def with_file(self, path: Path) -> "LintConfig":
        """Apply a YAML config file (see the module docstring); errors name FILE:LINE:COL."""
        try:
            doc = load_yaml(path)
        except SopFileError as exc:
            raise ConfigError("; ".join(str(p) for p in exc.problems)) from None

        def locate(loc: tuple[str, ...]) -> str:
            line, col = doc.position(loc)
            return f"{path}:{line}:{col}"

        return self._apply(doc.plain(), locate)

    def _apply(self, data: Any, locate: Callable[[tuple[str, ...]], str]) -> "LintConfig":
        if data is None:
            return self
        if not isinstance(data, dict) or set(data) - {"rules"}:
            raise ConfigError(f"{locate(())}: expected a mapping with a single key `rules:`")
        rules = data.get("rules") or {}
        if not isinstance(rules, dict):
            raise ConfigError(f"{locate(('rules',))}: `rules:` must map rule ids to settings")
        config = self
        for rule_id, settings in rules.items():
            if settings is None:
                continue
            if not isinstance(settings, dict):
                raise ConfigError(f"{locate(('rules', rule_id))}: rules.{rule_id} must be a mapping of settings")
            for name, value in settings.items():
                try:
                    config = config.with_value(str(rule_id), str(name), value)
                except ConfigError as exc:
                    raise ConfigError(f"{locate(('rules', rule_id, name))}: {exc}") from None
        return config

    def _rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        ids = [r.id for r in self.rules]
        raise ConfigError(f"unknown rule {rule_id!r}{did_you_mean(rule_id, ids)}; rules: {', '.join(ids)}")
