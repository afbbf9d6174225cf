"""What an operator must do for one action, in their words (pure), and a day's sheet of them.

Shared by every channel that hands work to people (the wechat task sheets, the workspace): an
action becomes an :class:`OperatorTask` worded by its kind, and :class:`SheetRow` adds where it
stands in the ledger.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sopengine.channels import OperatorInstruction, OutboundAction, Target
from sopengine.model.content import Attachment
from sopengine.kinds.base import PASTE
from sopengine.words import say, state_label, word


@dataclass(frozen=True)
class OperatorTask:
    """One line of an operator's task sheet."""

    key: str
    operator: str
    group_id: str
    group_name: str
    due: str
    kind: str
    part: str | None
    instruction: str
    copy_text: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    #: The details a page shows, each with its label (from the kind).
    detail_labels: dict[str, str] = field(default_factory=dict)
    #: What to post with the text: each an ``image``, ``link`` or ``file`` (name, type, url,
    #: sha256 of a file the ledger keeps, title and description of a link card).
    attachments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What the operator reads: the instruction and the text to paste."""
        return f"{self.instruction}\n{self.copy_text}" if self.copy_text else self.instruction

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def operator_task(action: OutboundAction, target: Target, operator: str) -> OperatorTask:
    """The task for ``action``: its kind's instruction, and the exact text to paste when there is one."""
    said = action.instruction or OperatorInstruction(PASTE, action.text)
    said = OperatorInstruction(word(said.instruction), said.copy_text, said.details,
                               {name: word(label) for name, label in said.labels.items()})
    if action.mention_all:
        said = OperatorInstruction(say("instruction.mention_all", instruction=said.instruction), said.copy_text,
                                   said.details, said.labels)
    if action.mentions:
        names = " ".join(f"@{name}" for name in action.mentions)
        said = OperatorInstruction(say("instruction.mention", instruction=said.instruction, names=names),
                                   said.copy_text, said.details, said.labels)
    return OperatorTask(key=action.key, operator=operator, group_id=target.group_id, group_name=target.group_name,
                        due=action.due.isoformat(), kind=action.kind, part=action.part,
                        instruction=said.instruction, copy_text=said.copy_text, details=dict(said.details),
                        detail_labels=dict(said.labels), attachments=[attachment_view(a) for a in action.attachments])


def attachment_view(a: Attachment) -> dict[str, Any]:
    """An attachment as a task shows it: everything but its bytes."""
    fields = {"kind": a.kind, "name": a.name, "type": a.media_type, "url": a.url, "sha256": a.sha256,
              "title": a.title, "description": a.description, "picture": a.picture, "appid": a.appid,
              "page": a.page}
    return {k: v for k, v in fields.items() if v}


def unusable_task(key: str, operator: str, group_id: str, group_name: str, due: str, kind: str,
                  part: str | None) -> OperatorTask:
    """The sheet's line for an action that could not be turned into a task (its text does not
    render, its settings are unusable): it stays in view, and the row's note says why."""
    return OperatorTask(key=key, operator=operator, group_id=group_id, group_name=group_name, due=due, kind=kind,
                        part=part, instruction=say("instruction.unusable"))


@dataclass(frozen=True)
class SheetRow:
    """A task and where it stands (``note``: why it failed, was skipped or cannot be shown)."""

    task: OperatorTask
    state: str
    local_time: datetime
    note: str = ""

    @property
    def state_label(self) -> str:
        return state_label(self.state)
