"""``mention_all: true`` on a step: everyone in the group is mentioned with that post, the way
each channel can (WeCom @all, DingTalk isAtAll, Feishu at all, Slack @channel), and an operator's
task says to do it; an operator-only part is never a mention."""

from __future__ import annotations

import dataclasses

from sopengine.channels import ChannelContext
from sopengine.operators.tasks import operator_task
from sopengine.testing import ActionFactory, TargetFactory
from sopengine_dingtalk import DingTalkChannel
from sopengine_feishu import FeishuChannel
from sopengine_slack.blocks import render_blocks
from sopengine_wecom import WeComChannel

from .helpers import group, sop_from_text


def test_the_step_field_reaches_the_action_but_not_an_operator_only_part():
    from datetime import date

    from sopengine.planning.planner import plan
    from sopengine.rendering.actions import outbound

    sop = sop_from_text("""
        sop: s
        timezone: Asia/Shanghai
        lifetime: 3d
        match: {tags: [camp]}
        steps:
          - {id: notice, kind: message, at: day 1 10:00, text: 全员注意, mention_all: true}
          - {id: packet, kind: red_packet, at: day 1 20:00, amount: 10, count: 5, announce: 红包来了, mention_all: true}
        """)
    g = group(start=date(2026, 9, 19))
    stored = {a.key: a for a in plan(sop, g, render=False)}

    @dataclasses.dataclass
    class Stored:
        key: str
        step: str
        part: str | None
        due: object
        deadline: object
        day: int
        occurrence: int
        item: object = None
        data: object = None

    flags = {}
    for a in stored.values():
        row = Stored(a.key, a.step, a.part, a.due, a.due + a.grace, a.day, a.occurrence)
        _, _, action = outbound(sop, g, row)  # type: ignore[arg-type]
        assert action is not None
        flags[(a.step, a.part)] = action.mention_all
    assert flags == {("notice", None): True, ("packet", "announce"): True, ("packet", "send"): False}


def test_each_channel_mentions_everyone_its_own_way(sample_action: ActionFactory, sample_target: TargetFactory):
    action = dataclasses.replace(sample_action("topic"), mention_all=True)
    wecom = WeComChannel(ChannelContext(env={"K": "k"}))
    [w] = wecom.render(action, sample_target({"webhook_env": "K"}))
    assert w.body["text"]["mentioned_list"] == ["@all"]
    ding = DingTalkChannel(ChannelContext(env={"D": "https://x/robot/send?access_token=t"}))
    [d] = ding.render(action, sample_target({"webhook_env": "D"}))
    assert d.body["at"]["isAtAll"] is True
    fei = FeishuChannel(ChannelContext(env={"F": "https://x/hook"}))
    [f] = fei.render(action, sample_target({"webhook_env": "F"}))
    assert f.body["content"]["text"].endswith('<at user_id="all">所有人</at>')
    [(text, blocks)] = render_blocks(action)
    assert text.startswith("<!channel> ") and blocks[0]["text"]["text"] == "<!channel>"
    task = operator_task(action, sample_target({"operator": "小雅"}), "小雅")
    assert task.instruction.endswith("（发送时 @所有人）")
    plain = WeComChannel(ChannelContext(env={"K": "k"})).render(sample_action("topic"),
                                                                sample_target({"webhook_env": "K"}))
    assert "mentioned_list" not in plain[0].body["text"]
