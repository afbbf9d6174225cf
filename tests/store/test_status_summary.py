"""``status`` summed in SQL says what summing the pairs' statuses says, deltas pending or not."""

from __future__ import annotations

from datetime import timedelta, timezone

from sopengine.store import PairStatus, states
from sopengine.store.apply import apply
from sopengine.store.claims import claim_due
from sopengine.store.outcomes import Outcome, record_outcomes
from sopengine.store.status import TROUBLE

from .camp_world import at, camp, groups

UTC = timezone.utc
LEASE = timedelta(minutes=1)


def summed(rows: list[PairStatus]) -> list[tuple]:  # type: ignore[type-arg]
    """The per-SOP rows as summing every pair gives them."""
    out = []
    for sop in sorted({r.sop for r in rows}):
        pairs = [r for r in rows if r.sop == sop]
        counts: dict[str, int] = {}
        for r in pairs:
            for state, n in r.counts.items():
                counts[state] = counts.get(state, 0) + n
        dues = [r.next_due for r in pairs if r.next_due]
        out.append((sop, f"{len(pairs)} groups", counts, min(dues) if dues else None, sum(r.late for r in pairs)))
    return out


def most_needing(rows: list[PairStatus]) -> list[PairStatus]:
    trouble = [r for r in rows if r.late or any(r.counts.get(s) for s in TROUBLE)]
    trouble.sort(key=lambda r: -(r.late + sum(r.counts.get(s, 0) for s in TROUBLE)))
    return trouble


def a_morning_of_mixed_fortunes(store):  # type: ignore[no-untyped-def]
    apply(store, [camp()], groups(7), at(0))
    now = at(1, 8).astimezone(UTC)
    claimed = claim_due(store, now, "a", 100, LEASE)
    fates = [states.SENT, states.FAILED, states.MISSED, states.OVERDUE]
    record_outcomes(store, [Outcome(c, fates[n % len(fates)]) for n, c in enumerate(claimed) if n % 5],
                    now, "a")
    return now + timedelta(hours=2)


def check(store, now) -> None:  # type: ignore[no-untyped-def]
    rows = store.status(now)
    summary = store.status_summary(now, 3)

    assert summary.pairs == len(rows)
    assert [(r.sop, r.group, r.counts, r.next_due, r.late) for r in summary.by_sop] == summed(rows)
    assert summary.needing == most_needing(rows)[:3]
    assert summary.needing_total == len(most_needing(rows))


def test_the_summary_sums_the_pairs_and_picks_those_needing_someone_most(store):
    now = a_morning_of_mixed_fortunes(store)
    assert len(most_needing(store.status(now))) > 3

    check(store, now)  # PostgreSQL: the outcomes' deltas not yet folded
    store.checkpoint()
    check(store, now)


def test_a_fleets_status_read_all_at_once_says_what_each_pair_read_alone_says(store):
    from sopengine.store.status import _FEW_PAIRS

    apply(store, [camp()], groups(_FEW_PAIRS + 10), at(0))
    now = at(1, 8).astimezone(UTC)
    claimed = claim_due(store, now, "a", 50, LEASE)
    record_outcomes(store, [Outcome(c, states.OVERDUE if n % 2 else states.RETRYING, next_attempt_at=now)
                            for n, c in enumerate(claimed)], now, "a")
    later = now + timedelta(hours=3)

    every = store.status(later)  # more pairs than are read one by one
    assert len(every) > _FEW_PAIRS
    needing = store.status_summary(later, 5).needing  # a few: read one by one
    by_pair = {(p.sop, p.group): p for p in every}
    assert needing and all(by_pair[p.sop, p.group] == p for p in needing)
    assert sum(p.late for p in every) > 0 and any(p.next_due for p in every)
