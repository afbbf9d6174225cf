"""``sopengine --help`` lists plugin commands from a cache that follows what is installed."""

from __future__ import annotations

import json
import os
from pathlib import Path

from sopengine.cli import listing
from sopengine.plugins import ENTRY_POINT_GROUP


def test_the_listing_reads_the_plugins_entry_point_group() -> None:
    assert listing.ENTRY_POINT_GROUP == ENTRY_POINT_GROUP


def test_plugins_load_once_then_the_cache_answers(tmp_path: Path) -> None:
    path = tmp_path / "commands.json"
    loads: list[int] = []

    def load() -> tuple[dict[str, str], bool]:
        loads.append(1)
        return {"tasks": "任务单"}, True

    assert listing.plugin_command_help(load, path) == {"tasks": "任务单"}
    assert listing.plugin_command_help(load, path) == {"tasks": "任务单"}
    assert len(loads) == 1
    assert json.loads(path.read_text(encoding="utf-8"))["commands"] == {"tasks": "任务单"}


def test_a_stale_or_broken_cache_loads_the_plugins_again(tmp_path: Path) -> None:
    path = tmp_path / "commands.json"
    path.write_text(json.dumps({"fingerprint": "an older install", "commands": {"gone": "x"}}), encoding="utf-8")
    assert listing.plugin_command_help(lambda: ({"tasks": "t"}, True), path) == {"tasks": "t"}
    path.write_text("{not json", encoding="utf-8")
    assert listing.plugin_command_help(lambda: ({"tasks": "again"}, True), path) == {"tasks": "again"}


def test_editing_a_plugin_changes_the_fingerprint(tmp_path: Path) -> None:
    import sopengine_wechat

    before = listing.fingerprint()
    source = Path(sopengine_wechat.__file__)
    stat = source.stat()
    try:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        assert listing.fingerprint() != before
    finally:
        os.utime(source, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert listing.fingerprint() == before


def test_an_unwritable_cache_still_lists(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    assert listing.plugin_command_help(lambda: ({"tasks": "t"}, True), blocked / "commands.json") == {"tasks": "t"}


def test_a_listing_with_a_broken_plugin_is_not_kept(tmp_path: Path) -> None:
    """A plugin that failed to load (a missing dependency) may load once it is installed, with
    nothing the fingerprint sees changing: its commands must not stay missing from the cache."""
    path = tmp_path / "commands.json"
    assert listing.plugin_command_help(lambda: ({}, False), path) == {}
    assert not path.exists()
    assert listing.plugin_command_help(lambda: ({"tasks": "t"}, True), path) == {"tasks": "t"}
