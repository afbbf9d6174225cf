"""Catching I/O during a call that must be pure, without patching anything.

An audit hook (``sys.addaudithook``), installed once and inert outside
:func:`forbid_io`, records network connections, subprocesses and file writes
made by the current context. Reads are allowed: lazy imports read files.
"""

from __future__ import annotations

import contextvars
import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator

_NETWORK_OR_PROCESS = frozenset({
    "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg",
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
})
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
_seen: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("sopengine_forbid_io", default=None)
_installed = False


class ImpureCall(AssertionError):
    """A call that must be pure did I/O."""


def _writes(args: tuple[Any, ...]) -> bool:
    mode = args[1] if len(args) > 1 else None
    flags = args[2] if len(args) > 2 else 0
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    seen = _seen.get()
    if seen is None:
        return
    if event in _NETWORK_OR_PROCESS or (event == "open" and _writes(args)):
        seen.append(f"{event}{args!r:.160}")
        raise ImpureCall(f"I/O during a pure call: {event}")


@contextmanager
def forbid_io() -> Iterator[list[str]]:
    """Within the block, I/O raises :class:`ImpureCall` and is listed in the yielded list
    (listed too when the code under test swallows the exception)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)  # cannot be removed, hence inert unless _seen is set
        _installed = True
    seen: list[str] = []
    token = _seen.set(seen)
    try:
        yield seen
    finally:
        _seen.reset(token)
