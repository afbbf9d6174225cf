"""Groups: who runs an SOP, with their facts and per-channel addressing (a groups file's entry
is :class:`~sopengine.model.group_file.GroupModel`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Mapping, Protocol, Sequence

from sopengine.model.fact_types import typed_fact
from sopengine.model.problems import Problem, Severity
from sopengine.model.quiet import QuietHours, parse_quiet

if TYPE_CHECKING:
    from sopengine.loading.source import YamlDocument
    from sopengine.model.group_file import GroupModel

class Origin(Protocol):
    """Where a group was written, able to place a problem inside it."""

    def problem(self, loc: Sequence[str | int], message: str, severity: Severity = "error",
                *, key: bool = False) -> Problem: ...


@dataclass(frozen=True)
class SheetOrigin:
    """Where a group was written in a spreadsheet: its row, and the column of each key (a dotted
    key such as ``channels.wechat.operator`` is one column)."""

    path: str
    row: int
    columns: Mapping[str, int]

    def problem(self, loc: Sequence[str | int], message: str, severity: Severity = "error",
                *, key: bool = False) -> Problem:
        for depth in range(len(loc), 0, -1):
            col = self.columns.get(".".join(str(p) for p in loc[:depth]))
            if col is not None:
                return Problem(self.path, self.row, col, message, severity)
        return Problem(self.path, self.row, 1, message, severity)


@dataclass(frozen=True)
class GroupOrigin:
    """Where a group was written: entry ``index`` of a groups file's ``groups:`` list."""

    doc: "YamlDocument"
    index: int

    def problem(self, loc: Sequence[str | int], message: str, severity: Severity = "error",
                *, key: bool = False) -> Problem:
        return self.doc.problem(("groups", self.index, *loc), message, key=key, severity=severity)


@dataclass(frozen=True, eq=False, slots=True)
class Group:
    """A group and its facts (members, active members, any imported column)."""

    id: str
    name: str
    start: date
    tags: tuple[str, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    vars: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, list[Any]] = field(default_factory=dict)
    quiet: QuietHours | None = None
    #: Who does its manual tasks, as its channels' settings name them (ids or names; see
    #: :mod:`sopengine.model.operators`), each once, in the order written.
    operators: tuple[str, ...] = ()
    #: Role → the operator (id or name) who holds it here, for a step's ``operator:``.
    roles: dict[str, str] = field(default_factory=dict)
    #: The groups-file entry it came from (None for a group read back from the store).
    origin: Origin | None = field(default=None, repr=False)

    def problem(self, loc: Sequence[str | int], message: str, severity: Severity = "error",
                *, key: bool = False) -> Problem:
        """A problem about this group at ``loc`` inside its entry (``("channels", "wechat")``),
        as deep as the entry goes; ``group ID`` at 1:1 when it has no file."""
        text = f"group {self.id!r}: {message}"
        if self.origin is None:
            return Problem(f"group {self.id}", 1, 1, text, severity)
        return self.origin.problem(loc, text, severity, key=key)

    @classmethod
    def from_model(cls, model: GroupModel, origin: Origin | None = None) -> "Group":
        """The group of a validated entry, its facts typed (ValueError for a fact of the wrong type)."""
        facts = {name: typed_fact(name, value) for name, value in (model.model_extra or {}).items()}
        if model.members is not None:
            facts["members"] = model.members
        return cls(model.id, model.name, model.start, tuple(model.tags), facts,
                   dict(model.channels), dict(model.vars), dict(model.pools),
                   parse_quiet(model.quiet) if model.quiet else None, roles=dict(model.roles), origin=origin)

    def assignee(self, named: str | None) -> str | None:
        """Who a step's ``operator:`` means here: the holder of that role, or that operator."""
        return None if named is None else self.roles.get(named, named)

    def template_view(self) -> dict[str, Any]:
        """Plain data for templates: id, name, start (ISO), tags, then every fact."""
        return {"id": self.id, "name": self.name, "start": self.start.isoformat(),
                "tags": list(self.tags), **self.facts}
