"""Built-in ``console`` channel: writes each action to a stream or a file, for dry runs.

Registered through the ``sopengine`` entry-point group like any third-party plugin.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelContext, Ok, OutboundAction, Permanent, SendResult, Target, hookimpl,
)

__version__ = "0.1.0"


class ConsoleChannel:
    """Prints one JSON line per action; ``options["path"]`` appends to a file instead."""

    name = "console"
    capabilities = Capabilities(formats=frozenset({"text", "markdown"}), mentions=True,
                                content=frozenset({"image", "link", "file", "miniprogram", "mentions"}))

    def __init__(self, context: ChannelContext, stream: IO[str] | None = None):
        self._path = context.options.get("path")
        self._stream = stream

    def target_key(self, target: Target) -> str:
        return target.group_id

    def render(self, action: OutboundAction, target: Target) -> Sequence[dict[str, Any]]:
        line = {"key": action.key, "group": target.group_id, "due": action.due.isoformat(),
                "kind": action.kind, "part": action.part, **dict(action.payload)}
        for a in action.attachments:  # what it carries, named (a file by its SHA-256, not its bytes)
            line[a.kind] = {k: v for k, v in (("name", a.name), ("type", a.media_type), ("url", a.url),
                                               ("sha256", a.sha256), ("title", a.title),
                                               ("description", a.description), ("appid", a.appid),
                                               ("page", a.page)) if v}
        if action.mentions:
            line["mentions"] = list(action.mentions)
        return [line]

    def send(self, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        line = json.dumps({**payload, "idempotency_key": idempotency_key}, ensure_ascii=False, default=str)
        try:
            if self._path:
                with open(self._path, "a", encoding="utf-8") as f:
                    f.write(line + "\n")
            else:
                (self._stream or sys.stdout).write(line + "\n")
        except OSError as exc:
            return Permanent(f"cannot write: {exc}")
        return Ok(provider_id=idempotency_key)


@hookimpl
def register_channels(register) -> None:
    register("console", ConsoleChannel)
