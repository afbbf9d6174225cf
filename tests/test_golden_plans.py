"""Golden plans of every shipped SOP: any change to planning shows up as a reviewed diff."""

from __future__ import annotations

import json

import pytest

from sopengine import load_workspace, plan_workspace

from .conftest import ROOT
from .goldens import check_golden

SHIPPED = sorted(p.stem for p in (ROOT / "sops").glob("*.yaml") if p.stem != "groups")


def test_every_shipped_sop_validates(sops_dir):
    ws = load_workspace([sops_dir])
    assert ws.ok, "\n".join(map(str, ws.problems))
    assert len(ws.sops) >= 5
    for sop in ws.sops:
        assert any(g for g in ws.groups if set(sop.match_tags) <= set(g.tags)), f"{sop.id} has no group"


@pytest.mark.parametrize("sop_id", SHIPPED)
def test_shipped_plan_is_pinned(sops_dir, sop_id):
    ws = load_workspace([sops_dir])
    sop = next(s for s in ws.sops if s.path and s.path.stem == sop_id)
    actions = plan_workspace([sop], ws.groups)
    assert actions
    check_golden(f"plan-{sop_id}.json", json.dumps([a.to_json() for a in actions], ensure_ascii=False, indent=1) + "\n")
