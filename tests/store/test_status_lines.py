"""``status`` as JSON lines, put together by the database, says what each pair's status says."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from sopengine.store import states
from sopengine.store.apply import apply
from sopengine.store.claims import claim_due
from sopengine.store.outcomes import Outcome, record_outcomes

from .camp_world import SH, at, camp, groups

UTC = timezone.utc
LEASE = timedelta(minutes=1)
FATES = (None, states.SENT, states.FAILED, states.MISSED, states.OVERDUE, states.RETRYING)


def expected(store, now, zone_of) -> list[str]:  # type: ignore[no-untyped-def]
    """Each pair's ``to_json`` as ``json.dumps`` writes it, counts in the states' names' order."""
    return [json.dumps({**p.to_json(zone_of(p.sop)), "counts": dict(sorted(p.counts.items()))}, ensure_ascii=False)
            for p in store.status(now)]


def test_each_line_is_its_pairs_status_as_json_dumps_writes_it(store):
    odd = replace(groups(1)[0], id='群 "一" \\ 班')  # quoted, escaped, Chinese: as json.dumps writes them
    apply(store, [camp()], [*groups(5), odd], at(0))
    now = at(1, 8).astimezone(UTC)
    claimed = claim_due(store, now, "a", 100, LEASE)
    fates = [(states.SENT if c.group_id == "g4" else FATES[n % len(FATES)], c) for n, c in enumerate(claimed)]
    outcomes = [Outcome(c, fate, next_attempt_at=now if fate == states.RETRYING else None,
                        dissolves_group=c.group_id == "g4") for fate, c in fates if fate]
    record_outcomes(store, outcomes, now, "a")  # the rest stay handed over (due), late once past due
    store.set_paused(group="g1", paused=True, now=now)
    later = now + timedelta(hours=2)

    statuses = store.status(later)
    assert any(p.late for p in statuses) and any(p.paused for p in statuses)
    assert any(p.dissolved and p.next_due is None for p in statuses) and len({p.group for p in statuses}) == 6
    zones: tuple[tzinfo | None, ...] = (None, SH, ZoneInfo("America/New_York"))
    for zone in zones:
        def zone_of(sop: str, zone: tzinfo | None = zone) -> tzinfo | None:
            return zone

        assert store.status_lines(later, zone_of) == expected(store, later, zone_of)
    store.checkpoint()  # PostgreSQL: the deltas folded into the counts, read the same
    assert store.status_lines(later, lambda sop: SH) == expected(store, later, lambda sop: SH)


def test_a_paused_sop_pauses_every_line_and_an_empty_ledger_has_none(store):
    assert store.status_lines(at(0), lambda sop: SH) == []
    apply(store, [camp()], groups(2), at(0))
    store.set_paused(sop="camp", paused=True, now=at(0))

    lines = [json.loads(line) for line in store.status_lines(at(0), lambda sop: SH)]

    assert [(r["group"], r["paused"]) for r in lines] == [("g0", True), ("g1", True)]
    assert lines == [json.loads(line) for line in expected(store, at(0), lambda sop: SH)]
