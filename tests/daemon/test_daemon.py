"""The daemon on a virtual clock, on every backend: once, in order, never lost."""

from __future__ import annotations

import io
import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import event, select

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine import load_workspace
from sopengine.channels import Ok, Permanent, RateLimit, Retryable
from sopengine.daemon.clock import SystemClock, VirtualClock
from sopengine.daemon.logs import JsonLineFormatter, get_logger
from sopengine.daemon.retry import RetryPolicy
from sopengine.daemon.runner import Daemon
from sopengine.store import Store
from sopengine.store.apply import apply
from sopengine.store.commands import mark_done, record_event, retry, set_paused, skip
from sopengine.store.claims import claim_due
from sopengine.store.ledger import DueSoon, due_soon, next_wakeup
from sopengine.store.queries import list_actions
from sopengine.store.tables import actions, attempts, audit
from sopengine.store.tables import groups as groups_table

from ..channels_for_tests import RecordingChannel, fail_times
from ..store.camp_world import CAMP, at, camp, groups, rows

SH = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc


def states_of(store: Store) -> dict[str, str]:
    with store.engine.connect() as conn:
        return {r.key: r.state for r in conn.execute(select(actions.c.key, actions.c.state))}


def run_virtual(store, channel, start, until, **kw):  # type: ignore[no-untyped-def]
    daemon = Daemon(store, {channel.name: channel}, VirtualClock(start), **kw)
    daemon.run(until=until)
    return daemon


def test_virtual_run_of_every_shipped_sop_sends_each_action_once_in_order(store, sops_dir, host):
    ws = load_workspace([sops_dir], options=host.load_options())
    assert ws.ok, ws.problems
    start = datetime(2026, 9, 19, tzinfo=SH)
    apply(store, ws.sops, ws.groups, start)
    planned = {a.key: a for a in list_actions(store)}
    channel = RecordingChannel("wechat")
    run_virtual(store, channel, start, datetime(2026, 10, 12, tzinfo=SH))
    final = states_of(store)
    sent_keys = [k for k, _ in channel.sent]
    assert len(sent_keys) == len(set(sent_keys)), "a key was sent twice"
    dues = [planned[k].due for k in sent_keys]
    assert dues == sorted(dues), "dispatch is in due order"
    for key in planned:
        assert final[key] in ("sent", "skipped", "cancelled", "planned"), (key, final[key])
        if final[key] == "sent":
            assert key in channel.calls and channel.calls[key] == 1
    dissolves = {planned[k].group: planned[k].due for k in sent_keys if k.split("/")[2] == "dissolve"}
    assert dissolves, "lifetime SOPs dissolve their groups"
    for key in sent_keys:
        g = planned[key].group
        assert g not in dissolves or planned[key].due <= dissolves[g], f"{key} sent after dissolution"
    end = datetime(2026, 10, 12, tzinfo=SH)
    assert not [a.key for a in list_actions(store) if a.state == "planned" and a.due < end]
    assert any(a.due > end + timedelta(days=20) for a in list_actions(store, sop="fan-group")), \
        "a persistent SOP keeps being planned ahead"


def test_retryable_failures_back_off_and_end_sent(store):
    apply(store, [camp()], groups(1), at(0))
    channel = RecordingChannel(script=fail_times(2, Retryable("busy", retry_after=timedelta(seconds=90))))
    run_virtual(store, channel, at(0), at(1, 12), policy=RetryPolicy(base=timedelta(seconds=10)))
    key = min(k for k in states_of(store) if "/morning/" in k)  # day 1, 08:00
    assert states_of(store)[key] == "sent"
    with store.engine.connect() as conn:
        tries = conn.execute(select(attempts).where(attempts.c.action_key == key).order_by(attempts.c.id)).all()
    assert [t.outcome for t in tries] == ["retryable", "retryable", "ok"]
    assert all(t.idempotency_key == key for t in tries)
    assert (tries[1].started_at - tries[0].started_at) >= timedelta(seconds=90)  # retry_after honoured


def test_permanent_failure_is_recorded_failed(store):
    apply(store, [camp()], groups(1), at(0))
    run_virtual(store, RecordingChannel(script=lambda k, n: Permanent("bad key")), at(0), at(0, 12))
    rules = next(a for a in list_actions(store) if a.step == "rules")
    assert rules.state == "failed" and rules.reason == "bad key" and rules.attempts == 1


def test_retries_past_grace_end_missed_not_lost(store):
    apply(store, [camp()], groups(1), at(0))
    run_virtual(store, RecordingChannel(script=lambda k, n: Retryable("timeout")), at(0), at(0, 12),
                policy=RetryPolicy(base=timedelta(minutes=10)))
    rules = next(a for a in list_actions(store) if a.step == "rules")
    assert rules.state == "missed" and "timeout" in (rules.reason or "")


def test_adapter_exception_is_retryable(store):
    apply(store, [camp()], groups(1), at(0))
    run_virtual(store, RecordingChannel(script=fail_times(1, TimeoutError("read timed out"))),  # type: ignore[arg-type]
                at(0), at(0, 12), policy=RetryPolicy(base=timedelta(seconds=5)))
    rules = next(a for a in list_actions(store) if a.step == "rules")
    assert rules.state == "sent" and rules.attempts == 2


def test_per_target_rate_limit_is_respected(store):
    apply(store, [camp()], groups(1), at(0))
    with store.engine.begin() as conn:  # five actions due in the same minute, same group
        conn.execute(actions.update().where(actions.c.step == "morning").values(
            due=datetime(2026, 9, 20, 0, 0), next_attempt_at=datetime(2026, 9, 20, 0, 0),
            deadline=datetime(2026, 9, 20, 1, 0)))
    channel = RecordingChannel(rate_limit=RateLimit(2, timedelta(minutes=1)))
    run_virtual(store, channel, at(0), at(1, 12))
    with store.engine.connect() as conn:
        starts = sorted(r.started_at for r in conn.execute(select(attempts.c.started_at).where(
            attempts.c.action_key.like("camp/morning/%"))))
    assert len(starts) == 9
    for i in range(len(starts) - 2):
        assert starts[i + 2] - starts[i] >= timedelta(minutes=1)


def test_rate_limit_past_the_deadline_is_missed_at_once_not_left_waiting(store):
    apply(store, [camp()], groups(1), at(0))
    with store.engine.begin() as conn:  # nine actions due in the same minute, two minutes of grace
        conn.execute(actions.update().where(actions.c.step == "morning").values(
            due=datetime(2026, 9, 20, 0, 0), next_attempt_at=datetime(2026, 9, 20, 0, 0),
            deadline=datetime(2026, 9, 20, 0, 2)))
    channel = RecordingChannel(rate_limit=RateLimit(2, timedelta(minutes=1)))
    run_virtual(store, channel, at(0), at(1, 12))
    morning = [a for a in list_actions(store) if a.step == "morning"]
    sent = [a for a in morning if a.state == "sent"]
    missed = [a for a in morning if a.state == "missed"]
    assert len(sent) + len(missed) == len(morning) == 9
    assert 4 <= len(sent) <= 6 and all("rate limited" in (a.reason or "") for a in missed)
    with store.engine.connect() as conn:  # the ledger's invariant: no waiting action is due after its deadline
        assert not conn.execute(select(actions.c.key).where(
            actions.c.state.in_(("planned", "retrying")), actions.c.next_attempt_at > actions.c.deadline)).all()


def test_a_paused_groups_deadline_wakes_the_daemon(store):
    apply(store, [camp()], groups(2), at(0))
    set_paused(store, group="g0", paused=True, now=at(0))
    set_paused(store, sop="camp", paused=True, now=at(0))
    first = min(a.due for a in list_actions(store, group="g0"))
    deadline = min(r.deadline for r in rows(store).values() if r.group_id == "g0")
    assert next_wakeup(store, at(0)) == first  # nothing can be sent: wake when something falls due
    assert next_wakeup(store, first) == deadline.replace(tzinfo=UTC) + timedelta(seconds=1)  # then to sweep it


def test_pause_stops_dispatch_and_resume_continues(store):
    apply(store, [camp()], groups(1), at(0))
    set_paused(store, group="g0", paused=True, now=at(0))
    channel = RecordingChannel()
    run_virtual(store, channel, at(0), at(2))
    assert channel.sent == []
    st = states_of(store)
    assert {st[k] for k in st if "T08:00" in k and "2026-09-20" in k} == {"missed"}  # waited past its grace
    set_paused(store, group="g0", paused=False, now=at(2))
    run_virtual(store, channel, at(2), at(3))
    assert [k for k, _ in channel.sent] and all("2026-09-21" in k for k, _ in channel.sent)


def test_dissolved_group_gets_nothing_more(store):
    apply(store, [camp()], groups(1), at(0))
    run_virtual(store, RecordingChannel(), at(0), at(12))
    assert record_event(store, "g0", "member_joined", at(12), {"member": {"name": "小明"}}) == []
    assert states_of(store)[next(k for k in states_of(store) if "/dissolve/" in k)] == "sent"


def test_member_joined_same_minute_is_one_greeting(store):
    text = camp().path.read_text if False else None  # noqa: F841 - keep helpers imported
    sop = camp(CAMP + """
  - id: welcome
    kind: message
    on: member_joined
    delay: 2m
    text: "欢迎 {{ member.name }}！"
""")
    apply(store, [sop], groups(1), at(1))
    keys = record_event(store, "g0", "member_joined", at(1, 9), {"member": {"name": "小明"}})
    keys += record_event(store, "g0", "member_joined", at(1, 9) + timedelta(seconds=20), {"member": {"name": "小红"}})
    assert len(set(keys)) == 1
    channel = RecordingChannel()
    run_virtual(store, channel, at(1, 9), at(1, 10))
    greetings = [p["text"] for k, p in channel.sent if "/welcome/" in k]
    assert greetings == ["欢迎 小明、小红！"]


def test_operator_commands(store):
    apply(store, [camp()], groups(1), at(0))
    manual = RecordingChannel(manual=True)
    run_virtual(store, manual, at(0), at(0, 10, ) + timedelta(minutes=30))
    rules = next(a for a in list_actions(store) if a.step == "rules")
    assert rules.state == "due"  # on the operator's sheet
    mark_done(store, rules.key, at(0, 11))
    assert states_of(store)[rules.key] == "done"
    morning = next(a for a in list_actions(store) if a.step == "morning")
    skip(store, morning.key, "holiday", at(0, 12))
    assert states_of(store)[morning.key] == "skipped"
    run_virtual(store, RecordingChannel(script=lambda k, n: Permanent("x")), at(1, 19), at(1, 21))
    failed = next(a for a in list_actions(store, state="failed"))
    retry(store, failed.key, at(1, 21))
    run_virtual(store, RecordingChannel(), at(1, 21), at(1, 22))
    assert states_of(store)[failed.key] == "sent"
    with store.engine.connect() as conn:
        trail = [(r.from_state, r.to_state) for r in conn.execute(
            select(audit).where(audit.c.action_key == failed.key).order_by(audit.c.id))]
    assert trail == [("planned", "due"), ("due", "failed"), ("failed", "retrying"), ("retrying", "due"),
                     ("due", "sent")]


def test_manual_task_not_done_becomes_overdue(store):
    apply(store, [camp()], groups(1), at(0))
    run_virtual(store, RecordingChannel(manual=True), at(0), at(0, 12))
    rules = next(a for a in list_actions(store) if a.step == "rules")
    assert rules.state == "overdue"
    mark_done(store, rules.key, at(0, 13))
    assert states_of(store)[rules.key] == "done"


def test_expired_leases_of_a_crashed_daemon_are_reclaimed(store):
    apply(store, [camp()], groups(1), at(0))
    now = at(0, 10, ).astimezone(UTC)
    taken = claim_due(store, now, "crashed", 10, timedelta(minutes=1))
    assert [c.step for c in taken] == ["rules"]
    assert claim_due(store, now + timedelta(seconds=30), "other", 10, timedelta(minutes=1)) == []
    again = claim_due(store, now + timedelta(minutes=2), "other", 10, timedelta(minutes=1))
    assert [c.key for c in again] == [c.key for c in taken]


def test_two_daemons_share_the_work_and_never_send_a_key_twice(store_url, host):
    stores = [Store.open(store_url, host.kinds, planner=LedgerPlanner()) for _ in range(2)]
    start = datetime.now(UTC) - timedelta(minutes=1)
    sop = camp(CAMP)
    many = [g for g in groups(40)]
    apply(stores[0], [sop], many, start - timedelta(days=30))
    with stores[0].engine.begin() as conn:  # everything due now, within grace
        conn.execute(actions.update().values(next_attempt_at=start.replace(tzinfo=None) - timedelta(hours=8),
                                             deadline=start.replace(tzinfo=None) + timedelta(hours=1)))
        total = conn.execute(select(actions.c.id)).all()
    channels = [RecordingChannel(), RecordingChannel()]
    daemons = [Daemon(s, {"wechat": c}, SystemClock(), batch_size=7) for s, c in zip(stores, channels)]
    threads = [threading.Thread(target=d.run, kwargs={"once": True}) for d in daemons]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    keys = [[k for k, _ in c.sent] for c in channels]
    assert len(keys[0]) + len(keys[1]) == len(total)
    assert not set(keys[0]) & set(keys[1])
    assert len(set(keys[0]) | set(keys[1])) == len(total)
    for s in stores:
        s.close()


WELCOME = """
  - id: welcome
    kind: message
    on: member_joined
    delay: 1m
    batch: 10m
    text: "欢迎 {{ member.name }} 加入！共{{ members | length }}位新朋友"
  - id: topic2
    kind: topic
    at: day 1 15:00
    unless_active: 30m
    text: 来聊聊
"""


def test_welcomes_within_the_batch_window_are_one_message(store):
    apply(store, [camp(CAMP + WELCOME)], groups(1), at(1))
    for minute, name in ((0, "小明"), (3, "小红"), (9, "小刚")):
        record_event(store, "g0", "member_joined", at(1, 9) + timedelta(minutes=minute), {"member": {"name": name}})
    record_event(store, "g0", "member_joined", at(1, 9) + timedelta(minutes=30), {"member": {"name": "小李"}})
    channel = RecordingChannel()
    run_virtual(store, channel, at(1, 9), at(1, 11))
    greetings = [p["text"] for k, p in channel.sent if "/welcome/" in k]
    assert greetings == ["欢迎 小明、小红、小刚 加入！共3位新朋友", "欢迎 小李 加入！共1位新朋友"]


def test_unless_active_uses_the_facts_of_the_moment(store):
    busy = groups(1)
    busy[0].facts["last_message_at"] = (at(1, 15) - timedelta(minutes=5)).isoformat()
    apply(store, [camp(CAMP + WELCOME)], busy, at(1))
    run_virtual(store, RecordingChannel(), at(1, 14), at(1, 16))
    topic = next(a for a in list_actions(store) if a.step == "topic2")
    assert topic.state == "skipped" and "group active" in (topic.reason or "")


def test_when_is_evaluated_with_the_facts_at_dispatch(store):
    from sopengine.store.tables import groups as groups_table
    sop = camp(CAMP.replace('    text: "话题"', '    text: "话题"\n    when: "group.members >= 30"'))
    apply(store, [sop], groups(1), at(0))
    run_virtual(store, RecordingChannel(), at(0), at(1, 21))
    with store.engine.begin() as conn:  # members left: fewer than 30 now
        conn.execute(groups_table.update().values(facts={"members": 12}))
    run_virtual(store, RecordingChannel(), at(1, 21), at(2, 21))
    topics = [a for a in list_actions(store) if a.step == "topic"][:2]
    assert [t.state for t in topics] == ["sent", "skipped"]
    assert topics[1].reason == "when is false: group.members >= 30"


def test_red_packet_over_the_channel_limit_fails_with_a_reason(store):
    sop = camp(CAMP + """
  - id: rp
    kind: red_packet
    at: day 1 20:00
    announce: 发红包啦
    amount: 500
    count: 2
""")
    apply(store, [sop], groups(1), at(0))
    from sopengine.channels import Capabilities

    class Limited(RecordingChannel):
        @property
        def capabilities(self) -> Capabilities:
            return Capabilities(max_red_packet_amount=200.0)

    run_virtual(store, Limited(), at(1, 19), at(1, 21))
    send = next(a for a in list_actions(store) if a.step == "rp" and a.part == "send")
    assert send.state == "failed" and "¥250.00 per packet is over the wechat limit of ¥200.00" in send.reason
    announce = next(a for a in list_actions(store) if a.step == "rp" and a.part == "announce")
    assert announce.state == "failed"  # never announce a packet that cannot be sent


def test_no_send_starts_in_the_last_fifth_of_a_lease(store):
    """A slow channel (a minute a send, a five-minute lease): the daemon hands back what it
    could not start in time and claims it again, so nothing is sent on a lease that ran out."""
    apply(store, [camp()], groups(10), at(0))
    clock = VirtualClock(at(0))
    late: list[str] = []

    def slow(key: str, n: int) -> Ok:
        with store.engine.connect() as conn:
            expires = conn.execute(select(actions.c.lease_expires_at).where(actions.c.key == key)).scalar_one()
        if expires.replace(tzinfo=UTC) <= clock.now() + timedelta(minutes=1):
            late.append(key)
        clock.advance_to(clock.now() + timedelta(minutes=1))
        return Ok(provider_id=key)

    channel = RecordingChannel(script=slow)
    Daemon(store, {channel.name: channel}, clock, lease=timedelta(minutes=5)).run(until=at(0, 11))
    rules = [a for a in list_actions(store) if a.step == "rules"]
    assert [a.state for a in rules] == ["sent"] * 10 and len(channel.sent) == 10
    assert late == []
    with store.engine.connect() as conn:
        released = conn.execute(select(audit.c.action_key).where(
            audit.c.detail == "lease released: running out")).scalars().all()
    assert released  # the batch of ten was handed back and claimed again, more than once


def test_while_idle_the_daemon_prepares_the_sop_versions_and_groups_due_next(store):
    apply(store, [camp()], groups(2), at(0))
    store._versions.clear()
    start = at(0).astimezone(UTC)
    assert due_soon(store, start, at(0, 9).astimezone(UTC), 10) == DueSoon(frozenset(), frozenset())
    due = due_soon(store, start, at(0, 10).astimezone(UTC), 10)  # the 10:00 rules of both groups
    assert len(due.version_ids) == 1 and due.group_ids == {"g0", "g1"}
    dispatcher = Daemon(store, {}, VirtualClock(at(0))).dispatcher
    dispatcher.prepare(due)
    assert set(store._versions) == due.version_ids  # loaded (and its templates compiled) before anything is due
    group_reads: list[str] = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: group_reads.append(sql) if "FROM groups" in sql else None)
    assert set(dispatcher._group_rows({"g0"})) == {"g0"} and group_reads == []  # prepared: nothing read
    rules = next(k for k in rows(store) if k.startswith("camp/rules/g0/"))
    store.mark_done(rules, at(0, 10), actor="operator:xiaoya")  # a person's ✓ changes no group
    assert dispatcher._group_rows({"g0", "g1"})["g0"].paused is False and group_reads == []  # still kept
    set_paused(store, group="g1", paused=True, now=at(0))  # moves the setup revision: kept rows are stale
    assert dispatcher._group_rows({"g1"})["g1"].paused is True and len(group_reads) == 1


def test_a_dissolution_moves_the_revision(store):
    """Kept group rows hold while the setup revision does: dissolving a group must move it."""
    apply(store, [camp()], groups(1), at(0))
    before = store.setup_revision()
    run_virtual(store, RecordingChannel(), at(0), at(12))
    assert store.setup_revision() > before
    with store.engine.connect() as conn:
        assert conn.execute(select(groups_table.c.dissolved_at)).scalar_one() is not None


def test_daemons_alive_on_one_store_share_the_batch_size(store):
    clock = VirtualClock(at(0))
    first = Daemon(store, {}, clock, batch_size=2000)
    first._register()
    assert first._claim_size(clock.now()) == 2000
    second = Daemon(store, {}, clock, batch_size=2000)
    second._register()
    assert first._claim_size(clock.now()) == 1000
    second._unregister()
    assert first._claim_size(clock.now()) == 2000
    assert first._claim_size(clock.now() + timedelta(minutes=10)) == 2000  # its own heartbeat is old: still one
    assert Daemon(store, {}, clock, batch_size=5)._claim_size(clock.now()) == 5  # never above the batch size


EVENT_RED_PACKET = """
  - id: welcome-packet
    kind: red_packet
    on: member_joined
    delay: 1m
    lead: 5m
    announce: "欢迎新朋友！{{ count }}个红包马上到"
    amount: 10
    count: 5
"""


def test_a_red_packet_on_an_event_is_announced_first_then_sent(store):
    apply(store, [camp(CAMP + EVENT_RED_PACKET)], groups(1), at(1))
    keys = record_event(store, "g0", "member_joined", at(1, 9), {"member": {"name": "小明"}})
    assert keys == ["camp/welcome-packet/announce/g0/2026-09-20T09:01",
                    "camp/welcome-packet/send/g0/2026-09-20T09:06"]
    assert record_event(store, "g0", "member_joined", at(1, 9), {"member": {"name": "小红"}}) == keys  # merged
    channel = RecordingChannel()
    run_virtual(store, channel, at(1, 9), at(1, 10))
    sent = [(k.split("/")[2], p["text"]) for k, p in channel.sent if "/welcome-packet/" in k]
    assert sent == [("announce", "欢迎新朋友！5个红包马上到"),
                    ("send", "发红包：共 ¥10.00，5 个，祝福语「恭喜发财，大吉大利」")]


def test_a_red_packet_sized_from_a_bad_fact_fails_alone_and_the_daemon_goes_on(store):
    from datetime import date
    from pathlib import Path

    from sopengine import LoadOptions, load_sop
    from sopengine.model.group import Group
    from sopengine.store.queries import health

    good = Group("good", "好群", date(2026, 9, 19), ("camp",), {"amt": 10, "n": 5}, {"wechat": {"operator": "小雅"}})
    sop = load_sop(Path("p.yaml"), LoadOptions(sample_groups=[good]), text=(
        "sop: p\nmatch: {tags: [camp]}\nlifetime: 3d\nsteps:\n"
        "  - {id: rp, kind: red_packet, at: day 1 20:00, announce: 红包,\n"
        "     amount: '{{ group.amt }}', count: '{{ group.n }}'}\n"))
    # as a facts import leaves them: a cell "NaN" or "inf" is text, never a float no JSON can hold
    bad_nan = Group("nan", "坏群1", good.start, ("camp",), {"amt": "NaN", "n": 5}, good.channels)
    bad_inf = Group("inf", "坏群2", good.start, ("camp",), {"amt": 10, "n": "inf"}, good.channels)
    apply(store, [sop], [bad_nan, good, bad_inf], at(0))
    run_virtual(store, RecordingChannel(), at(0), at(2))
    by_group = {(a.group, a.part): a for a in list_actions(store)}
    assert by_group[("good", "send")].state == "sent" and by_group[("good", "announce")].state == "sent"
    assert by_group[("nan", "send")].state == "failed" and "finite" in by_group[("nan", "send")].reason
    assert by_group[("inf", "announce")].state == "failed" and "finite" in by_group[("inf", "announce")].reason
    assert health(store, at(2)).failed == 4


def test_a_virtual_run_restarted_at_a_dead_daemons_lease_expiry_moves_on(store):
    apply(store, [camp()], groups(1), at(0))
    lease_end = at(1, 8) + timedelta(minutes=5)
    with store.engine.begin() as conn:  # a daemon died holding the 08:00 morning post
        conn.execute(actions.update().where(actions.c.step == "morning", actions.c.day == 1).values(
            state="due", lease_owner="dead:1", lease_expires_at=lease_end.astimezone(UTC).replace(tzinfo=None)))
    channel = RecordingChannel()
    done = threading.Event()
    result: list = []

    def run() -> None:
        result.append(run_virtual(store, channel, lease_end, at(1, 12)))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(30), "the virtual clock never moved past the lease expiry"
    morning = next(a for a in list_actions(store) if a.step == "morning" and a.due == at(1, 8))
    assert morning.state == "sent" and [k for k, _ in channel.sent].count(morning.key) == 1
    assert result[0].clock.now() >= at(1, 12)


def test_health_counts_actions_left_under_a_dead_daemons_lease_as_late(store):
    from sopengine.store.queries import health

    apply(store, [camp()], groups(2), at(0))
    before = health(store, at(1, 9)).late  # what no daemon ran meanwhile (day 0's rules)
    with store.engine.begin() as conn:  # a daemon claimed day 1's morning posts, then died
        conn.execute(actions.update().where(actions.c.step == "morning", actions.c.day == 1).values(
            state="due", lease_owner="dead:1",
            lease_expires_at=(at(1, 8) + timedelta(minutes=5)).astimezone(UTC).replace(tzinfo=None)))
    assert health(store, at(1, 8)).late == before - 2  # just claimed: not late (nor waiting) yet
    assert health(store, at(1, 9)).late == before  # an hour on they are late again, leased or not


@contextmanager
def daemon_log() -> Iterator[io.StringIO]:
    """The daemon's JSON log lines, at INFO, while the block runs."""
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonLineFormatter())
    logger = get_logger()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_secrets_a_provider_echoes_are_redacted_from_reasons_attempts_and_logs(store):
    robot = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
    echo = Permanent(f"errcode 93000: invalid webhook url, hint: [https://qyapi.weixin.qq.com/cgi-bin/webhook/send?"
                     f"key={robot}] (robot {robot})")
    group = groups(1)
    group[0].channels["wechat"]["webhook_env"] = "SOPENGINE_TEST_ROBOT"
    apply(store, [camp()], group, at(0))
    channel = RecordingChannel(script=lambda key, n: echo)
    with daemon_log() as lines:
        daemon = Daemon(store, {"wechat": channel}, VirtualClock(at(0)), env={"SOPENGINE_TEST_ROBOT": robot})
        daemon.run(until=at(0, 11))
    with store.engine.connect() as conn:
        reasons = conn.execute(select(actions.c.reason, actions.c.last_result).where(actions.c.state == "failed")).all()
        details = conn.execute(select(attempts.c.detail)).scalars().all()
    assert reasons and details
    stored = " ".join(str(x) for row in reasons for x in row) + " ".join(details)
    assert robot not in stored and robot not in lines.getvalue()
    assert "key=***" in stored and "(robot ***)" in stored and "key=***" in lines.getvalue()


def test_a_post_split_in_parts_counts_every_part_against_the_rate_limit(store):
    from dataclasses import dataclass

    @dataclass
    class Splitting(RecordingChannel):
        def render(self, action, target):  # type: ignore[no-untyped-def]
            return [{"key": action.key, "text": f"{action.text} ({n + 1}/60)"} for n in range(60)]

    sop = camp(CAMP_ONE_POST)
    apply(store, [sop], groups(1), at(0))
    channel = Splitting(rate_limit=RateLimit(20, timedelta(minutes=1)))
    clock = VirtualClock(at(1, 8))
    Daemon(store, {"wechat": channel}, clock).run(until=at(1, 8) + timedelta(minutes=5))
    times = sorted(t.started_at for t in _attempt_rows(store))
    assert len(times) == 60 and [k for k, _ in channel.sent] == [f"{channel.sent[0][0].split('#')[0]}#{n}"
                                                                  for n in range(1, 61)]
    for i in range(20, 60):  # never more than 20 within a minute
        assert times[i] - times[i - 20] >= timedelta(minutes=1)
    (post,) = list_actions(store)
    assert post.state == "sent"


CAMP_ONE_POST = """
sop: camp
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [camp]}
steps:
  - id: long
    kind: message
    at: day 1 08:00
    grace: 1h
    text: 很长的一篇
"""


def _attempt_rows(store):  # type: ignore[no-untyped-def]
    with store.engine.connect() as conn:
        return conn.execute(select(attempts)).all()


def test_a_send_that_may_have_been_delivered_is_retried_only_a_few_times(store):
    apply(store, [camp()], groups(1), at(0))
    timeout = Retryable("timed out (ReadTimeout)", maybe_delivered=True)
    channel = RecordingChannel(script=lambda key, n: timeout)
    run_virtual(store, channel, at(0), at(1, 12), policy=RetryPolicy(base=timedelta(seconds=10)))
    morning = min((a for a in list_actions(store) if a.step == "morning"), key=lambda a: a.due)
    assert morning.state == "failed" and "may each have been delivered" in (morning.reason or "")
    assert channel.calls[morning.key] == RetryPolicy().max_uncertain_attempts


def test_the_daemon_says_it_started_and_stopped_in_json_lines(store):
    import json

    apply(store, [camp()], groups(1), at(0))
    with daemon_log() as lines:
        run_virtual(store, RecordingChannel(), at(0), at(0, 9))
    events = [json.loads(line) for line in lines.getvalue().splitlines()]
    started = events[0]
    assert started["event"] == "started" and started["channels"] == ["wechat"]
    assert started["next_due"] == at(0, 10).astimezone(UTC).isoformat()  # day 0's rules post
    assert started["store"] == store.engine.url.render_as_string(hide_password=True)  # never a password
    assert events[-1]["event"] == "stopped"
