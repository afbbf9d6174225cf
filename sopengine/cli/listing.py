"""The plugin commands ``sopengine --help`` lists, without loading every plugin each time.

Listing needs each plugin command's name and one-line help, which only loading the plugins
(their kinds, models and templates) can tell. That is most of the start-up time, so the listing
is kept in a small cache file, keyed by a fingerprint of what is installed: the entry points of
the ``sopengine`` group, their distributions' versions and the modification times of the
plugins' own source files. Any change to those loads the plugins again; a cache that cannot be
read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Callable

ENTRY_POINT_GROUP = "sopengine"  # the same group sopengine.plugins loads (kept literal: no import of it)


def cache_path() -> Path:
    """``$XDG_CACHE_HOME/sopengine/commands.json`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sopengine" / "commands.json"


def fingerprint() -> str:
    """What the cached listing depends on; it changes whenever a plugin is added, removed,
    upgraded or edited in place (an editable install)."""
    parts: list[str] = [sys.version, os.environ.get("SOPENGINE_LANG", "")]
    for ep in sorted(md.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = ep.dist
        parts.append(f"{ep.name}={ep.value}@{dist.name if dist else ''}:{dist.version if dist else ''}")
        parts.append(_source_stamp(ep.value.split(":")[0].strip()))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _source_stamp(module: str) -> str:
    """The path and modification time of every source file of ``module`` (its package's tree)."""
    try:
        spec = importlib.util.find_spec(module.split(".")[0])
    except (ImportError, ValueError):
        return "missing"
    if spec is None or not spec.origin:
        return "missing"
    origin = Path(spec.origin)
    roots = [origin.parent] if spec.submodule_search_locations else [origin]
    stamps: list[str] = []
    for root in roots:
        if root.is_file():
            stamps.append(f"{root}:{root.stat().st_mtime_ns}")
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".html")):
                    file = os.path.join(folder, name)
                    stamps.append(f"{file}:{os.stat(file).st_mtime_ns}")
    return "\n".join(stamps)


def plugin_command_help(load: Callable[[], tuple[dict[str, str], bool]], path: Path | None = None
                        ) -> dict[str, str]:
    """Plugin command name → one-line help: from the cache when it matches what is installed,
    else from ``load()`` (which loads the plugins: their commands, and whether every plugin
    loaded), written back for next time only when every plugin did. A plugin that failed (a
    dependency missing, say) may load later with nothing the fingerprint sees changing."""
    path = path or cache_path()
    key = fingerprint()
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("fingerprint") == key and isinstance(cached.get("commands"), dict):
            return {str(k): str(v) for k, v in cached["commands"].items()}
    except (OSError, ValueError, AttributeError):
        pass
    commands, complete = load()
    if not complete:
        return commands
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"fingerprint": key, "commands": commands}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: list from the plugins every time
    return commands
