"""What an operator must do for one action, in their words (pure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sopengine.channels import OutboundAction, Target

DISSOLUTION_STEPS = {
    "notice": "发布解散通知（复制下面的文字发到群里）",
    "grey_avatar": "把群主头像换成灰色头像",
    "rename": "修改群名称",
    "dissolve": "解散群聊：群聊信息 → 解散群聊",
}


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

    @property
    def text(self) -> str:
        """What the operator reads: the instruction and the text to paste."""
        return f"{self.instruction}\n{self.copy_text}" if self.copy_text else self.instruction

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def operator_task(action: OutboundAction, target: Target, operator: str) -> OperatorTask:
    """The task for ``action``: an instruction, and the exact text to paste when there is one."""
    p = action.payload
    text = str(p.get("text", ""))
    details: dict[str, Any] = {}
    kind, part = action.kind, action.part
    if kind == "red_packet" and part == "send":
        details = {"amount": p.get("amount"), "count": p.get("count"), "blessing": p.get("blessing")}
        instruction = (f"发拼手气红包：总金额 ¥{float(p['amount']):.2f}，{p['count']} 个，"
                       f"祝福语「{p.get('blessing', '')}」")
        copy = str(p.get("blessing", ""))
    elif kind == "red_packet":
        instruction, copy = "发送红包预告", text
    elif kind == "survey":
        details = {"title": p.get("title"), "questions": p.get("questions")}
        instruction, copy = "发送问卷（题目已编号）", text
    elif kind == "task":
        instruction, copy = text, ""
    elif kind == "rename":
        details = {"name": p.get("name")}
        instruction, copy = f"把群名改为「{p.get('name')}」", str(p.get("name", ""))
    elif kind == "dissolution":
        instruction = DISSOLUTION_STEPS.get(part or "", text)
        if part == "rename":
            details = {"name": p.get("name")}
            instruction, copy = f"把群名改为「{p.get('name')}」", str(p.get("name", ""))
        else:
            copy = text if part == "notice" else ""
    else:
        instruction, copy = "复制下面的文字发到群里", text
    return OperatorTask(key=action.key, operator=operator, group_id=target.group_id, group_name=target.group_name,
                        due=action.due.isoformat(), kind=kind, part=part, instruction=instruction,
                        copy_text=copy, details=details)


def unusable_task(key: str, operator: str, group_id: str, group_name: str, due: str, kind: str,
                  part: str | None) -> OperatorTask:
    """The sheet's line for an action that could not be turned into a task (its text does not
    render, its settings are unusable): it stays in view, and the row's note says why."""
    return OperatorTask(key=key, operator=operator, group_id=group_id, group_name=group_name, due=due, kind=kind,
                        part=part, instruction="⚠️ 这条任务无法生成，请联系运营负责人修正后重试（sopengine retry）")
