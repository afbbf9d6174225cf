"""WeCom customer-group mass send against a real local HTTP server that answers as WeCom does
(tokens, tasks, uploads, send results, reminders): a send creates a task the group owner
confirms, and the daemon follows it to sent, failed or overdue."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from sopengine import load_workspace
from sopengine.channels import ChannelContext, HandedOver, Ok, Permanent, Target
from sopengine.daemon.clock import VirtualClock
from sopengine.daemon.runner import Daemon
from sopengine.model.content import Attachment
from sopengine_wecom_groupmsg import WeComGroupMsgChannel

SH = ZoneInfo("Asia/Shanghai")
ENV = {"WECOM_CORPID": "ww-corp-1", "WECOM_CONTACT_SECRET": "contact-SECRET-9"}
SETTINGS = {"chat_id": "wrOgQhDgAA-chat-1", "sender": "xiaoya", "corpid_env": "WECOM_CORPID",
            "secret_env": "WECOM_CONTACT_SECRET"}


@dataclass
class FakeWeCom:
    """The parts of WeCom's API a mass send uses, with the checks WeCom makes."""

    tokens_issued: int = 0
    expire_next_call: bool = False
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)  # msgid → send status
    reminders: list[str] = field(default_factory=list)
    uploads: list[tuple[str, bytes]] = field(default_factory=list)

    def token(self) -> str:
        return f"token-{self.tokens_issued}"

    def handle(self, request: Request) -> Response:
        path, args = request.path, request.args
        if path == "/cgi-bin/gettoken":
            if (args.get("corpid"), args.get("corpsecret")) != (ENV["WECOM_CORPID"], ENV["WECOM_CONTACT_SECRET"]):
                return self.answer({"errcode": 40001, "errmsg": "invalid credential"})
            self.tokens_issued += 1
            return self.answer({"errcode": 0, "access_token": self.token(), "expires_in": 7200})
        if args.get("access_token") != self.token():
            return self.answer({"errcode": 40014, "errmsg": "invalid access_token"})
        if self.expire_next_call:
            self.expire_next_call = False
            return self.answer({"errcode": 42001, "errmsg": "access_token expired"})
        if path == "/cgi-bin/media/uploadimg":
            self.uploads.append(("image", request.files["media"].read()))
            return self.answer({"errcode": 0, "url": "https://wework.qpic.cn/poster-1.png"})
        if path == "/cgi-bin/media/upload":
            self.uploads.append((args["type"], request.files["media"].read()))
            return self.answer({"errcode": 0, "type": args["type"], "media_id": f"media-{len(self.uploads)}"})
        body = json.loads(request.get_data())
        if path == "/cgi-bin/externalcontact/add_msg_template":
            assert body["chat_type"] == "group" and body["sender"] and body["chat_id_list"]
            msgid = f"msg-{len(self.tasks) + 1}"
            self.tasks[msgid] = body
            self.status[msgid] = 0
            return self.answer({"errcode": 0, "fail_list": [], "msgid": msgid})
        if path == "/cgi-bin/externalcontact/get_groupmsg_send_result":
            msgid = body["msgid"]
            chat = self.tasks[msgid]["chat_id_list"][0]
            return self.answer({"errcode": 0, "send_list": [
                {"chat_id": chat, "userid": body["userid"], "status": self.status[msgid], "send_time": 1790000000}]})
        if path == "/cgi-bin/externalcontact/remind_groupmsg_send":
            self.reminders.append(body["msgid"])
            return self.answer({"errcode": 0, "errmsg": "ok"})
        return Response("not found", status=404)

    @staticmethod
    def answer(body: dict[str, Any]) -> Response:
        return Response(json.dumps(body), content_type="application/json")


@pytest.fixture
def wecom(httpserver: HTTPServer) -> FakeWeCom:
    fake = FakeWeCom()
    httpserver.expect_request("").respond_with_handler(fake.handle)  # every path
    return fake


def channel_for(httpserver: HTTPServer) -> WeComGroupMsgChannel:
    return WeComGroupMsgChannel(ChannelContext(env=ENV, options={"base_url": httpserver.url_for("/").rstrip("/")}))


def test_a_send_creates_a_task_with_its_attachments_and_keeps_the_token(httpserver, wecom, sample_action):
    channel = channel_for(httpserver)
    image = Attachment("image", "poster.png", "image/png", data=b"\x89PNG-bytes")
    link = Attachment("link", "回放", url="https://example.com/r", title="回放", description="45分钟")
    action = replace(sample_action("morning_post"), attachments=(image, link))
    [task] = channel.render(action, Target("g1", "一群", SETTINGS))
    assert channel.send(task, action.key) == Ok(provider_id="msg-1", detail="handed to the sender")
    assert channel.send(task, action.key + "#again").provider_id == "msg-2"  # type: ignore[union-attr]
    assert wecom.tokens_issued == 1  # kept until it expires
    body = wecom.tasks["msg-1"]
    assert body["sender"] == "xiaoya" and body["chat_id_list"] == ["wrOgQhDgAA-chat-1"]
    assert body["allow_select"] is False and body["text"] == {"content": action.text}
    assert body["attachments"] == [{"msgtype": "image", "image": {"pic_url": "https://wework.qpic.cn/poster-1.png"}},
                                   {"msgtype": "link", "link": {"title": "回放", "url": "https://example.com/r",
                                                                "desc": "45分钟"}}]
    assert wecom.uploads == [("image", b"\x89PNG-bytes"), ("image", b"\x89PNG-bytes")]
    card = Attachment("miniprogram", "cover.png", "image/png", data=b"\x89PNG-cover", title="打卡", appid="wx1",
                      page="pages/checkin")
    handout = Attachment("file", "讲义.pdf", "application/pdf", data=b"%PDF-1.4")
    [task] = channel.render(replace(action, attachments=(card, handout)), Target("g1", "一群", SETTINGS))
    assert isinstance(channel.send(task, action.key), Ok)
    assert wecom.tasks["msg-3"]["attachments"] == [
        {"msgtype": "miniprogram", "miniprogram": {"title": "打卡", "pic_media_id": "media-3", "appid": "wx1",
                                                   "page": "pages/checkin"}},
        {"msgtype": "file", "file": {"media_id": "media-4"}}]
    assert wecom.uploads[2:] == [("image", b"\x89PNG-cover"), ("file", b"%PDF-1.4")]
    channel.close()


def test_an_expired_token_is_fetched_again_once(httpserver, wecom, sample_action):
    channel = channel_for(httpserver)
    action = sample_action("morning_post")
    [task] = channel.render(action, Target("g1", "一群", SETTINGS))
    assert isinstance(channel.send(task, action.key), Ok)
    wecom.expire_next_call = True  # WeCom says the kept token expired (42001)
    assert isinstance(channel.send(task, action.key), Ok)
    assert wecom.tokens_issued == 2 and len(wecom.tasks) == 2


def test_bad_credentials_and_work_only_a_person_can_do(httpserver, wecom, sample_action):
    channel = WeComGroupMsgChannel(ChannelContext(env={**ENV, "WECOM_CONTACT_SECRET": "wrong-SECRET"},
                                                  options={"base_url": httpserver.url_for("/").rstrip("/")}))
    action = sample_action("morning_post")
    [task] = channel.render(action, Target("g1", "一群", SETTINGS))
    result = channel.send(task, action.key)
    assert isinstance(result, Permanent) and "40001" in result.reason and "wrong-SECRET" not in result.reason
    from sopengine.channels import ChannelConfigError

    with pytest.raises(ChannelConfigError, match="work only a person can do"):
        channel.render(sample_action("red_packet", "send"), Target("g1", "一群", SETTINGS))
    assert WeComGroupMsgChannel.check_settings({"sender": "xiaoya"}, ENV)[0].key == "chat_id"


def test_settle_reads_the_send_result(httpserver, wecom, sample_action):
    channel = channel_for(httpserver)
    action = sample_action("morning_post")
    [task] = channel.render(action, Target("g1", "一群", SETTINGS))
    for _ in range(3):
        channel.send(task, action.key)
    wecom.status.update({"msg-1": 1, "msg-2": 2, "msg-3": 0})
    due = datetime(2026, 10, 1, 8, tzinfo=SH)
    handed = [HandedOver(f"k{i}", f"msg-{i}", Target("g1", "一群", SETTINGS), due, due + timedelta(hours=1))
              for i in (1, 2, 3)]
    settled = {s.key: s for s in channel.settle(handed)}
    assert settled["k1"].state == "sent" and settled["k1"].at is not None
    assert settled["k2"].state == "failed" and "不是好友" in settled["k2"].reason
    assert "k3" not in settled
    assert channel.remind(handed[2]) == Ok() and wecom.reminders == ["msg-3"]


SOP = """
sop: notice
timezone: Asia/Shanghai
lifetime: 3d
match: {tags: [customers]}
channel: wecom_groupmsg
steps:
  - {id: morning, kind: morning_post, cron: "0 8 * * *", days: 1-2, text: 早上好，今天的福利清单来了, grace: 2h}
"""

GROUPS = """
groups:
  - id: c1
    name: 客户福利群
    start: 2026-09-30
    tags: [customers]
    channels: {wecom_groupmsg: {chat_id: wrOgQhDgAA-chat-1, sender: xiaoya, corpid_env: WECOM_CORPID,
                                secret_env: WECOM_CONTACT_SECRET}}
"""


def test_the_daemon_follows_each_task_to_sent_or_overdue_and_reminds_once(httpserver, wecom, tmp_path, host, store):
    (tmp_path / "sop.yaml").write_text(textwrap.dedent(SOP), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "sop.yaml"], [tmp_path / "groups.yaml"], host.load_options(ENV))
    assert [p.message for p in ws.problems if p.severity == "error"] == []
    start = datetime(2026, 10, 1, tzinfo=SH)
    store.apply(ws.sops, ws.groups, start)
    channel = channel_for(httpserver)
    clock = VirtualClock(start)

    def run(until: datetime) -> None:
        Daemon(store, {"wecom_groupmsg": channel}, clock, env=ENV).run(until=until)

    run(datetime(2026, 10, 1, 8, 30, tzinfo=SH))
    first, second = store.list_actions()
    assert (first.state, second.state) == ("due", "planned")  # handed to the sender, waiting
    wecom.status["msg-1"] = 1  # 小雅 sent it from the WeCom client
    run(datetime(2026, 10, 1, 9, tzinfo=SH))
    assert store.list_actions()[0].state == "sent"
    # the second day's task is never sent: one reminder halfway to its deadline, then overdue
    run(datetime(2026, 10, 2, 11, tzinfo=SH))
    assert wecom.reminders == ["msg-2"]
    assert store.list_actions()[1].state == "overdue"
    wecom.status["msg-2"] = 1  # sent late after all
    run(datetime(2026, 10, 2, 12, tzinfo=SH))
    assert store.list_actions()[1].state == "sent" and wecom.reminders == ["msg-2"]
    channel.close()


def test_validate_refuses_work_only_a_person_can_do_on_a_mass_send(tmp_path, host):
    sop = SOP.replace("steps:\n", "steps:\n  - {id: packet, kind: red_packet, at: day 1 20:00, amount: 20, count: 10,"
                                  " blessing: 恭喜, announce: 红包预告}\n")
    (tmp_path / "sop.yaml").write_text(textwrap.dedent(sop), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    ws = load_workspace([tmp_path / "sop.yaml"], [tmp_path / "groups.yaml"], host.load_options(ENV))
    found = [p.message for p in ws.problems if p.severity == "error"]
    assert found == ["step 'packet': red_packet/send is work only a person can do, and channel 'wecom_groupmsg' "
                     "cannot hand it to one: route the step to a channel people work (channel: wechat)"]


def test_lint_warns_when_a_plan_exceeds_the_mass_send_quota(tmp_path):
    from click.testing import CliRunner

    from sopengine.cli import main

    daily = SOP.replace("days: 1-2", "days: 1-20").replace("lifetime: 3d", "lifetime: 21d")
    (tmp_path / "sop.yaml").write_text(textwrap.dedent(daily), encoding="utf-8")
    (tmp_path / "groups.yaml").write_text(textwrap.dedent(GROUPS), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "sop.yaml"), "--groups", str(tmp_path / "groups.yaml"),
                                       "--format", "json"])
    found = [f for f in json.loads(result.stdout) if f["rule"] == "over-quota"]
    assert len(found) == 1 and "at most 4 sends a month" in found[0]["message"] and "2026-10" in found[0]["message"]
    weekly = SOP.replace('cron: "0 8 * * *", days: 1-2', 'cron: "0 8 * * 1", days: 1-20').replace(
        "lifetime: 3d", "lifetime: 21d")
    (tmp_path / "sop.yaml").write_text(textwrap.dedent(weekly), encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(tmp_path / "sop.yaml"), "--groups", str(tmp_path / "groups.yaml"),
                                       "--format", "json"])
    assert not [f for f in json.loads(result.stdout) if f["rule"] == "over-quota"]
