"""Golden files: compare, or rewrite them with SOPENGINE_UPDATE_GOLDEN=1 (then review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SOPENGINE_UPDATE_GOLDEN") == "1" or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if os.environ.get("SOPENGINE_UPDATE_GOLDEN") != "1":
            raise AssertionError(f"golden file {name} did not exist; written, review and commit it")
    assert text == path.read_text(encoding="utf-8"), f"differs from tests/golden/{name}"
