"""``memo`` channel: appends each action as a JSON line to ``<options.dir>/<settings.room>.jsonl``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from sopengine.channels import (
    Capabilities, ChannelConfigError, ChannelContext, Ok, OutboundAction, Retryable, SendResult, Target,
)
from sopengine.hookspecs import RegisterChannel, hookimpl

__version__ = "0.3.0"


class MemoChannel:
    name = "memo"
    capabilities = Capabilities(formats=frozenset({"text"}), max_body_bytes=4000)

    def __init__(self, context: ChannelContext):
        self._dir = Path(str(context.options.get("dir", ".")))

    def target_key(self, target: Target) -> str:
        return f"memo:{target.settings.get('room', target.group_id)}"

    def render(self, action: OutboundAction, target: Target) -> Sequence[dict[str, Any]]:
        room = target.settings.get("room")
        if not room:
            raise ChannelConfigError(f"group {target.group_id} has no channels.memo.room")
        text = action.text.encode("utf-8")[:4000].decode("utf-8", "ignore")
        return [{"room": room, "kind": action.kind, "part": action.part, "text": text}]

    def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        try:
            with open(self._dir / f"{payload['room']}.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps({**payload, "key": idempotency_key}, ensure_ascii=False) + "\n")
        except OSError as exc:
            return Retryable(f"cannot write the memo: {exc}")
        return Ok(provider_id=idempotency_key)


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("memo", MemoChannel)
