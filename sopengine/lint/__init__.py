"""``sopengine lint``: best-practice warnings from community-operations (社群运营) practice.

Validation says whether an SOP *can* run; lint says whether it *should* run
that way: too few touches a day, spammy or irregular pushes, walls of text,
stingy red packets, no rules on day 0, no survey, no dissolution, posts at
night. Rules read the plan of each SOP for its groups, never a store or a
clock, and their warnings never fail a run.

    from sopengine import load_workspace
    from sopengine.lint import RULES, LintConfig, lint_workspace
    ws = load_workspace(["sops/"], ["sops/groups.yaml"])
    for finding in lint_workspace(ws, LintConfig.defaults(RULES)).findings:
        print(finding)
"""

from __future__ import annotations

from sopengine.lint.config import ConfigError, LintConfig, RuleSettings
from sopengine.lint.engine import Finding, LintReport, lint_sop, lint_workspace
from sopengine.lint.params import Param
from sopengine.lint.plans import GroupPlan, is_touch, plans_for
from sopengine.lint.rule import Hit, Rule
from sopengine.lint.rules import RULES

__all__ = [
    "ConfigError", "Finding", "GroupPlan", "Hit", "LintConfig", "LintReport", "Param", "RULES", "Rule",
    "RuleSettings", "is_touch", "lint_sop", "lint_workspace", "plans_for",
]
