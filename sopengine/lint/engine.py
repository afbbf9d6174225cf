"""Run the enabled rules over SOPs and turn their hits into positioned, suppressible findings.

For each SOP: plan it for its groups (:func:`~sopengine.lint.plans.plans_for`),
run every enabled rule, position each hit from the file itself (reloaded with
:func:`~sopengine.loading.source.load_yaml`: a step's hit at the step's ``- id:``
item, an SOP-level hit at its top-level key), drop suppressed ones
(:mod:`~sopengine.lint.suppress`) and keep one finding per SOP, rule and step
however many groups show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from sopengine.channels import Capabilities

from sopengine.model.group import Group
from sopengine.model.sop import Sop
from sopengine.loading.source import YamlDocument, load_yaml
from sopengine.loading.workspace import Workspace
from sopengine.lint.config import LintConfig
from sopengine.lint.plans import plans_for
from sopengine.lint.suppress import read_suppressions


@dataclass(frozen=True)
class Finding:
    """One best-practice warning about one SOP file, at a 1-based line and column."""

    rule: str
    file: str
    line: int
    col: int
    message: str
    why: str
    step: str | None = None
    severity: str = "warning"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: [{self.rule}] {self.message} — {self.why}"

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file, self.line, self.col, self.rule, self.message)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--format json``."""
        return {"rule": self.rule, "file": self.file, "line": self.line, "col": self.col,
                "severity": self.severity, "step": self.step, "message": self.message, "why": self.why}


@dataclass
class LintReport:
    """Findings (sorted), notes about groups that could not be fully planned, SOPs linted."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sops: int = 0

    def extend(self, other: "LintReport") -> None:
        self.findings = sorted([*self.findings, *other.findings], key=lambda f: f.sort_key)
        self.notes += other.notes
        self.sops += other.sops


def lint_sop(sop: Sop, groups: Sequence[Group], config: LintConfig, *, text: str | None = None,
             capabilities: Mapping[str, Capabilities] | None = None) -> LintReport:
    """Lint one loaded SOP against ``groups`` (matching ones, else the sample group).

    ``text`` is the file's content if already read; otherwise it is read from
    ``sop.path``, which must be set (it is for every SOP loaded from a file).
    """
    if sop.path is None:
        raise ValueError(f"SOP {sop.id!r} has no file to position findings in")
    if text is None:
        text = sop.path.read_text(encoding="utf-8")
    doc = load_yaml(sop.path, text)
    suppressions = read_suppressions(text, doc.position(("sop",), key=True)[0])
    indexes = _step_indexes(doc)
    plans, notes = plans_for(sop, groups, capabilities)
    report = LintReport(notes=notes, sops=1)
    seen: set[tuple[str, str | None, str]] = set()
    for rule in config.enabled_rules():
        for hit in rule.check(sop, plans, config.params(rule.id)):
            identity = (rule.id, hit.step, "" if hit.step is not None else hit.key)
            if identity in seen:
                continue
            seen.add(identity)
            if hit.step is not None:
                line, col = doc.position(("steps", indexes[hit.step]))
            else:
                line, col = doc.position((hit.key,), key=True)
            if suppressions.suppresses(rule.id, line):
                continue
            message = f"step {hit.step!r}: {hit.message}" if hit.step is not None else hit.message
            report.findings.append(Finding(rule.id, doc.name, line, col, message, rule.why, hit.step))
    report.findings.sort(key=lambda f: f.sort_key)
    return report


def lint_workspace(ws: Workspace, config: LintConfig,
                   capabilities: Mapping[str, Capabilities] | None = None) -> LintReport:
    """Lint every SOP that loaded in ``ws`` against the workspace's groups (``capabilities``:
    what each installed channel declares, for the rules about channels' limits)."""
    report = LintReport()
    for sop in ws.sops:
        report.extend(lint_sop(sop, ws.groups, config, capabilities=capabilities))
    return report


def _step_indexes(doc: YamlDocument) -> dict[str, int]:
    """Step id → index in the file's ``steps`` list."""
    steps = doc.plain().get("steps") or []
    return {item["id"]: i for i, item in enumerate(steps) if isinstance(item, dict) and isinstance(item.get("id"), str)}
