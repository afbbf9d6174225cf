"""Shared fixtures. Outside network is denied for every test (pytest-socket, see pyproject)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def spec_dir() -> Path:
    """The spec's own example SOP and groups file."""
    return DATA / "spec"


@pytest.fixture
def sops_dir() -> Path:
    """The shipped sample SOPs."""
    return ROOT / "sops"
