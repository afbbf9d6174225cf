"""What a step carries besides text: an image, a link card, a file. Read once from the SOP's
folder and named by SHA-256; checked against what its channel can carry, at the line; in the
JSON plan; kept in the ledger once; sent with the post; shown on the operator's task."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import replace
from datetime import datetime

from click.testing import CliRunner

from sopengine import load_workspace
from sopengine.cli import main
from sopengine.model.content import Attachment
from sopengine.testing import SAMPLE_DUE

from .content_world import PNG, SH, workspace

def errors(ws):  # type: ignore[no-untyped-def]
    return [(p.line, p.message) for p in ws.problems if p.severity == "error"]


def test_an_image_is_read_once_and_named_by_its_hash(tmp_path, host):
    ws = workspace(tmp_path, host)
    assert errors(ws) == []
    [sop] = ws.sops
    image = sop.steps[0].image
    assert image is not None and image.sha256 == hashlib.sha256(PNG).hexdigest() and image.size == len(PNG)
    assert sop.media == {image.sha256: PNG} and image.type == "image/png" and image.name == "day1.png"


def test_mistakes_are_errors_at_the_line(tmp_path, host):
    assert errors(workspace(tmp_path, host, image="posters/none.png")) == [
        (12, "step 'poster': image: file not found: posters/none.png")]
    found = errors(workspace(tmp_path, host, image="../secret.png"))
    assert len(found) == 1 and "leads outside the SOP file's folder" in found[0][1]
    (tmp_path / "notes.txt").write_text("x")
    found = errors(workspace(tmp_path, host, image="notes.txt"))
    assert found and "is text/plain, not an image" in found[0][1]


def test_a_step_carrying_what_its_channel_cannot_is_an_error_at_its_line(tmp_path, host):
    assert errors(workspace(tmp_path, host, channel="wecom")) == []  # a robot posts images and link cards
    assert errors(workspace(tmp_path, host, channel="wecom", image="https://cdn.example.com/a.png")) == []
    feishu = errors(workspace(tmp_path, host, channel="feishu"))
    assert feishu == [(12, "step 'poster': channel 'feishu' cannot carry an image: it carries text, link")]
    dingtalk = errors(workspace(tmp_path, host, channel="dingtalk"))
    assert dingtalk == [(12, "step 'poster': channel 'dingtalk' cannot carry an image (only by URL): it carries "
                             "text, image_url, link")]
    assert errors(workspace(tmp_path, host, channel="dingtalk", image="https://cdn.example.com/a.png")) == []
    (tmp_path / "big.png").write_bytes(PNG + b"\0" * (3 * 1024 * 1024))
    big = errors(workspace(tmp_path, host, channel="wecom", image="big.png"))
    assert big == [(12, "step 'poster': big.png is 3.0 MB; channel 'wecom' takes at most 2.0 MB")]
    handout = "    file: posters/day1.png\n"
    found = errors(workspace(tmp_path, host, channel="wecom", extra=handout))
    assert found == [(14, "step 'poster': channel 'wecom' cannot carry a file: it carries text, image, link")]


def test_the_json_plan_names_what_each_action_carries(tmp_path, host):
    workspace(tmp_path, host)
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "camp.yaml"), "--groups", str(tmp_path / "groups.yaml"),
                                       "--format", "json"])
    assert result.exit_code == 0, result.output
    [action] = json.loads(result.stdout)
    assert action["image"] == {"path": "posters/day1.png", "name": "day1.png", "type": "image/png",
                               "size": len(PNG), "sha256": hashlib.sha256(PNG).hexdigest()}
    assert action["link"]["title"] == "第1课回放" and action["link"]["url"] == "https://example.com/replay/1"


def test_the_ledger_keeps_each_file_once_and_a_new_file_is_a_new_version(tmp_path, host, store):
    ws = workspace(tmp_path, host)
    store.apply(ws.sops, ws.groups, datetime(2026, 9, 30, tzinfo=SH))
    sha = hashlib.sha256(PNG).hexdigest()
    assert store.media(sha) == PNG and store.media("0" * 64) is None
    again = store.apply(ws.sops, ws.groups, datetime(2026, 9, 30, 1, tzinfo=SH))
    assert not again.changed_anything
    (tmp_path / "posters" / "day1.png").write_bytes(PNG + b"\0")
    ws2 = load_workspace([tmp_path / "camp.yaml"], [tmp_path / "groups.yaml"], host.load_options())
    changed = store.apply(ws2.sops, ws2.groups, datetime(2026, 9, 30, 2, tzinfo=SH))
    assert changed.new_versions == ["camp"]
    assert store.media(hashlib.sha256(PNG + b"\0").hexdigest()) == PNG + b"\0"


def test_channels_render_what_they_carry(sample_action, sample_target):
    from sopengine.channels import ChannelContext
    from sopengine_dingtalk.render import render_messages as dingtalk
    from sopengine_email.compose import compose
    from sopengine_email.render import render_draft
    from sopengine_slack.blocks import render_blocks
    from sopengine_wecom.render import render_messages as wecom

    del ChannelContext
    image = Attachment("image", "day1.png", "image/png", data=PNG, sha256=hashlib.sha256(PNG).hexdigest())
    link = Attachment("link", "回放", url="https://example.com/r", title="回放", description="45分钟")
    action = replace(sample_action("message"), attachments=(image, link))
    bodies = [m.body for m in wecom(action, sample_target({"webhook_env": "K"}), "text")]
    assert [b["msgtype"] for b in bodies] == ["text", "image", "news"]
    assert bodies[1]["image"] == {"base64": base64.b64encode(PNG).decode(), "md5": hashlib.md5(PNG).hexdigest()}
    assert bodies[2]["news"]["articles"] == [{"title": "回放", "url": "https://example.com/r", "description": "45分钟"}]
    by_url = replace(action, attachments=(replace(image, data=None, url="https://cdn.example.com/p.png"),))
    ding = [m.body for m in dingtalk(by_url, sample_target({"webhook_env": "K"}), "text")]
    assert ding[-1]["markdown"]["text"] == "![day1.png](https://cdn.example.com/p.png)"
    slack = render_blocks(replace(action, attachments=(link,)))
    assert slack[-1][1][-1]["text"]["text"].startswith("<https://example.com/r|回放>")
    draft = render_draft(replace(action, attachments=(image, link, Attachment("file", "讲义.pdf", "application/pdf",
                                                                                data=b"%PDF-1.4"))),
                         sample_target({"to": ["a@example.com"]}), "ops@example.com")
    message = compose(draft, "k1", SAMPLE_DUE)
    types = [part.get_content_type() for part in message.walk()]
    assert "image/png" in types and "application/pdf" in types and 'src="cid:' in draft.html
    assert "https://example.com/r" in draft.text
    note = replace(sample_action("red_packet", "send"), attachments=(image,))
    assert [m.body["msgtype"] for m in wecom(note, sample_target({"webhook_env": "K"}), "text")] == ["text"]


class Capturing:
    """An automatic channel that keeps the actions it renders (with the bytes they carry)."""

    name = "wecom"

    def __init__(self) -> None:
        from sopengine.channels import Capabilities

        self.capabilities = Capabilities(content=frozenset({"image", "link"}))
        self.actions: list = []  # type: ignore[type-arg]

    def target_key(self, target):  # type: ignore[no-untyped-def]
        return target.group_id

    def render(self, action, target):  # type: ignore[no-untyped-def]
        self.actions.append(action)
        return [action.key]

    def send(self, payload, idempotency_key):  # type: ignore[no-untyped-def]
        from sopengine.channels import Ok

        return Ok()


def test_the_daemon_sends_the_bytes_the_ledger_keeps_even_when_the_file_is_gone(tmp_path, host, store):
    from sopengine.daemon.clock import VirtualClock
    from sopengine.daemon.runner import Daemon

    ws = workspace(tmp_path, host, channel="wecom")
    store.apply(ws.sops, ws.groups, datetime(2026, 9, 30, tzinfo=SH))
    (tmp_path / "posters" / "day1.png").unlink()  # another machine: only the ledger has it
    channel = Capturing()
    Daemon(store, {"wecom": channel}, VirtualClock(datetime(2026, 9, 30, tzinfo=SH))).run(
        until=datetime(2026, 10, 2, tzinfo=SH))
    [action] = channel.actions
    image, link = action.attachments
    assert (image.kind, image.data, image.name) == ("image", PNG, "day1.png")
    assert (link.kind, link.url, link.description) == ("link", "https://example.com/replay/1", "45分钟")
    assert [a.state for a in store.list_actions()] == ["sent"]


MINI = """    miniprogram: {title: 打卡小程序, appid: wx1234567890, page: "pages/checkin?day=1",
                  picture: posters/day1.png}
    mentions: [小美, "{{ group.name }}的班长"]
"""


def test_mini_programs_and_mentions_by_name(tmp_path, host, store):
    from sopengine.daemon.clock import VirtualClock
    from sopengine.daemon.runner import Daemon
    from sopengine.operators.sheet import build_sheet
    from sopengine_wechat import WeChatTaskChannel

    ws = workspace(tmp_path, host, extra=MINI)
    assert errors(ws) == []
    card = ws.sops[0].steps[0].miniprogram
    assert card is not None and card.picture.sha256 == hashlib.sha256(PNG).hexdigest()
    robot = errors(workspace(tmp_path, host, channel="wecom", extra=MINI))
    assert [line for line, _ in robot] == [14, 16]
    assert "cannot carry a miniprogram" in robot[0][1] and "cannot mention members by name" in robot[1][1]
    ws = workspace(tmp_path, host, extra=MINI)
    start = datetime(2026, 9, 30, tzinfo=SH)
    store.apply(ws.sops, ws.groups, start)
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(start)).run(until=datetime(2026, 10, 1, 9, tzinfo=SH))
    [task] = [r.task for r in build_sheet(store, "wechat", datetime(2026, 10, 1).date(), SH, lambda s: [s["operator"]])]
    assert task.instruction.endswith("（发送时 @小美 @一群的班长）")
    assert [a["kind"] for a in task.attachments] == ["image", "link", "miniprogram"]
    assert task.attachments[2]["appid"] == "wx1234567890" and task.attachments[2]["page"] == "pages/checkin?day=1"


def test_the_html_task_sheet_shows_the_poster_to_save(tmp_path, host, store_url):
    from click.testing import CliRunner

    from sopengine.cli import main
    from sopengine.daemon.clock import VirtualClock
    from sopengine.daemon.runner import Daemon
    from sopengine.planning.ledger_planner import LedgerPlanner
    from sopengine.store import Store
    from sopengine_wechat import WeChatTaskChannel

    ws = workspace(tmp_path, host)
    store = Store.open(store_url, host.kinds, planner=LedgerPlanner())
    store.apply(ws.sops, ws.groups, datetime(2026, 9, 30, tzinfo=SH))
    Daemon(store, {"wechat": WeChatTaskChannel()}, VirtualClock(datetime(2026, 9, 30, tzinfo=SH))).run(
        until=datetime(2026, 10, 1, 12, tzinfo=SH))
    store.close()
    page = CliRunner().invoke(main, ["tasks", "--date", "2026-10-01", "--format", "html", "--db", store_url]).stdout
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page
    assert "第1课回放" in page and "https://example.com/replay/1" in page
