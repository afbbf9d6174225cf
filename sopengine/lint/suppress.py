"""``# lint: ignore=rule-id[,rule-id]`` comments, read from the raw lines of an SOP file.

Where a comment applies:

* on the line a finding points at (a step's ``- id:`` line, or the top-level
  key of an SOP-level finding, e.g. ``steps:``), after the value;
* on a comment-only line just above that line;
* on a comment-only line before the ``sop:`` key: every finding of the file.

Lines are read as text, so a ``# lint:`` inside a block scalar (``text: |``)
would count too; keep these comments outside texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

_IGNORE = re.compile(r"(?:^|\s)#\s*lint:\s*ignore\s*=\s*([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)*)")


@dataclass(frozen=True)
class Suppressions:
    """Rule ids ignored for the whole file and by the comment on each 1-based line."""

    whole_file: frozenset[str] = frozenset()
    on_line: Mapping[int, frozenset[str]] = field(default_factory=dict)
    comment_only: frozenset[int] = frozenset()

    def suppresses(self, rule: str, line: int) -> bool:
        """True when ``rule`` is ignored for a finding at ``line``."""
        if rule in self.whole_file or rule in self.on_line.get(line, ()):
            return True
        return (line - 1) in self.comment_only and rule in self.on_line.get(line - 1, ())


def read_suppressions(text: str, top_line: int) -> Suppressions:
    """Parse every ignore comment of ``text``; ``top_line`` is the 1-based line of ``sop:``."""
    on_line: dict[int, frozenset[str]] = {}
    comment_only: set[int] = set()
    whole: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE.search(line)
        if match is None:
            continue
        rules = frozenset(r.strip() for r in match.group(1).split(","))
        on_line[number] = rules
        if line.lstrip().startswith("#"):
            comment_only.add(number)
            if number < top_line:
                whole |= rules
    return Suppressions(frozenset(whole), on_line, frozenset(comment_only))
