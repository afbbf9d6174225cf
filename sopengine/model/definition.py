"""A loaded SOP as canonical plain data, and back: what the store keeps per SOP version.

The definition includes resolved pools, so a version is self-contained: the
daemon renders from it even after the files on disk changed, and editing a
pool file makes a new version (its hash changes).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Mapping
from zoneinfo import ZoneInfo

from sopengine.model.quiet import parse_quiet
from sopengine.model.sop import Sop, Stage, Then

if TYPE_CHECKING:
    from sopengine.kinds import StepBase


def sop_definition(sop: Sop) -> dict[str, Any]:
    """Canonical plain-data form of ``sop`` (JSON-serialisable)."""
    return {
        "id": sop.id, "title": sop.title, "timezone": sop.timezone.key,
        "match_tags": list(sop.match_tags), "match_where": sop.match_where,
        "lifetime": sop.lifetime, "channel": sop.channel, "calendar": sop.calendar,
        "quiet": str(sop.quiet) if sop.quiet else None,
        "vars": sop.vars, "pools": sop.pools,
        "steps": [step.model_dump(mode="json", exclude_none=True) for step in sop.steps],
        **({"then": sop.then.to_json()} if sop.then is not None else {}),
        **({"stages": [{"id": s.id, "name": s.name, "when": s.when} for s in sop.stages]} if sop.stages else {}),
    }


def definition_hash(definition: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of a definition."""
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def sop_from_definition(definition: Mapping[str, Any], kinds: Mapping[str, type[StepBase]]) -> Sop:
    """Rebuild the :class:`Sop` a definition came from."""
    d = definition
    steps = tuple(kinds[s["kind"]].model_validate(s) for s in d["steps"])
    return Sop(
        id=d["id"], title=d["title"], timezone=ZoneInfo(d["timezone"]), steps=steps,
        match_tags=tuple(d["match_tags"]), match_where=d["match_where"], lifetime=d["lifetime"],
        channel=d["channel"], calendar=d["calendar"], vars=dict(d["vars"]), pools=dict(d["pools"]),
        quiet=parse_quiet(d["quiet"]) if d.get("quiet") else None,
        stages=tuple(Stage(s["id"], s.get("name") or "", s.get("when")) for s in d.get("stages") or ()),
        then=Then(d["then"].get("move_to"), tuple(d["then"].get("add_tags") or ()),
                  tuple(d["then"].get("remove_tags") or ()), d["then"].get("members_to"),
                  d["then"].get("at")) if d.get("then") else None,
        content_hash=definition_hash(d),
    )


def step_fingerprint(sop: Sop, step: StepBase) -> str:
    """Changes when anything that shapes this step's actions changes (text, vars, pools, routing,
    and for a step timed from another, that step's timing too)."""
    chain = [step.model_dump(mode="json")]
    ids = {s.id: s for s in sop.steps}
    current: StepBase | None = step
    for _ in range(len(sop.steps)):  # a loop is refused at validate; bounded here anyway
        relative = current.before or current.after if current is not None else None
        current = ids.get(relative.step) if relative is not None else None
        if current is None:
            break
        chain.append(current.model_dump(mode="json"))
    text = json.dumps([chain[0] if len(chain) == 1 else chain, sop.vars, sop.pools, sop.channel, sop.timezone.key],
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
