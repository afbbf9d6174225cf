"""Built-in ``wecom_groupmsg`` channel: WeCom customer-group mass send (企业微信客户群群发).

Customer groups (客户群) cannot have robots; every SCRM reaches them through the mass-send API.
A send creates a task (``externalcontact/add_msg_template``, ``chat_type: group``) that the
group's owner (``sender``) confirms in the WeCom client: the action is *handed over*, its
``msgid`` recorded, and the daemon asks every few minutes what became of it
(``get_groupmsg_send_result``): sent when the sender sent it, failed for WeCom's reasons, overdue
when not sent by due + grace, with one ``remind_groupmsg_send`` halfway there.

Group settings: ``chat_id`` (the customer group's id) and ``sender`` (its owner's userid);
``corpid_env`` and ``secret_env`` name the variables holding the corp id and the customer-contact
secret (or set them once for all groups as channel options). The access token is kept until it
expires and fetched again when WeCom says it expired (42001, 40014). Images (uploaded with
``media/uploadimg``), link cards and files (``media/upload``) ride as attachments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from sopengine.plugin_api import (
    Capabilities, ChannelConfigError, ChannelContext, HandedOver, Ok, OutboundAction, Permanent, Quota,
    RegisterChannel, SendResult, SettingProblem, Settled, Target, check_env_setting, hookimpl, split_text,
)

__version__ = "0.1.0"
__all__ = ["GroupMessage", "WeComGroupMsgChannel"]

DEFAULT_BASE_URL = "https://qyapi.weixin.qq.com"
ADD_PATH = "/cgi-bin/externalcontact/add_msg_template"
RESULT_PATH = "/cgi-bin/externalcontact/get_groupmsg_send_result"
REMIND_PATH = "/cgi-bin/externalcontact/remind_groupmsg_send"
UPLOAD_IMAGE_PATH = "/cgi-bin/media/uploadimg"
UPLOAD_FILE_PATH = "/cgi-bin/media/upload"
#: What a task's send result says, by status: 1 sent; 2 and 3 failed, for these reasons.
FAILED_STATUSES = {2: "客户不是好友，无法发送（WeCom status 2）", 3: "客户已收到其他群发消息（WeCom status 3）"}
#: Text of one mass-send message, in UTF-8 bytes.
TEXT_BYTES = 4000


@dataclass(frozen=True)
class GroupMessage:
    """One mass-send task to create: whose corp (the env var names), who sends it, to which
    group, the text and the attachments (image and file bytes are uploaded at send)."""

    corpid_env: str
    secret_env: str
    sender: str
    chat_id: str
    text: str
    attachments: tuple[Any, ...] = field(default_factory=tuple)


class WeComGroupMsgChannel:
    """Creates WeCom customer-group mass-send tasks and follows them up."""

    name = "wecom_groupmsg"
    capabilities = Capabilities(formats=frozenset({"text"}), manual=True, max_body_bytes=TEXT_BYTES,
                                content=frozenset({"image", "link", "file", "miniprogram"}), notes_for_operators=False,
                                max_content_bytes={"image": 2 * 1024 * 1024, "file": 20 * 1024 * 1024},
                                content_types={"image": frozenset({"image/png", "image/jpeg"})},
                                quotas=(Quota(4, "month"),))

    def __init__(self, context: ChannelContext):
        import httpx  # with the channel, not the plugin: `sopengine plan` never pays for it

        self._env = context.env
        self._options = context.options
        self._base = str(context.options.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
        self._client = httpx.Client(transport=context.http, timeout=float(context.options.get("timeout", 10.0)))
        self._apis: dict[tuple[str, str], Any] = {}

    @staticmethod
    def check_settings(settings: Mapping[str, Any], env: Mapping[str, str]) -> list[SettingProblem]:
        """``chat_id`` and ``sender`` are required; ``corpid_env``/``secret_env`` name variables."""
        problems = [SettingProblem(f"{key} is missing ({what})", key)
                    for key, what in (("chat_id", "the customer group's chat id"), ("sender", "its owner's userid"))
                    if not isinstance(settings.get(key), str) or not settings.get(key)]
        for key in ("corpid_env", "secret_env"):
            if key in settings:
                problems += check_env_setting(settings, key, env, what="set it, or the channel option")
        return problems

    def target_key(self, target: Target) -> str:
        return f"wecom_groupmsg:{target.settings.get('sender', target.group_id)}"

    def _names(self, target: Target) -> tuple[str, str]:
        names = []
        for key in ("corpid_env", "secret_env"):
            name = target.settings.get(key) or self._options.get(key)
            if not isinstance(name, str) or not name:
                raise ChannelConfigError(f"group {target.group_id}: no {key} (in channels.wecom_groupmsg or the "
                                         "channel options)")
            names.append(name)
        return names[0], names[1]

    def render(self, action: OutboundAction, target: Target) -> Sequence[GroupMessage]:
        """One task for ``action``; ChannelConfigError for work only a person does in the group
        (a mass send cannot send a red packet) or unusable settings."""
        if action.operator_only:
            raise ChannelConfigError(f"{action.kind}/{action.part} is work only a person can do: a mass send "
                                     "cannot do it (route the step to wechat)")
        corpid_env, secret_env = self._names(target)
        sender, chat_id = target.settings.get("sender"), target.settings.get("chat_id")
        if not sender or not chat_id:
            raise ChannelConfigError(f"group {target.group_id}: channels.wecom_groupmsg needs chat_id and sender")
        pieces = split_text(action.text, TEXT_BYTES)  # a long post: several tasks, the attachments on the last
        return [GroupMessage(corpid_env, secret_env, str(sender), str(chat_id), piece,
                             action.attachments if i == len(pieces) - 1 else ()) for i, piece in enumerate(pieces)]

    def _api(self, corpid_env: str, secret_env: str) -> Any:
        corpid, secret = self._env.get(corpid_env), self._env.get(secret_env)
        if not corpid or not secret:
            raise ChannelConfigError(f"env var {corpid_env if not corpid else secret_env} is not set")
        from sopengine_wecom_groupmsg.api import WeComApi

        key = (corpid, secret)
        if key not in self._apis:
            self._apis[key] = WeComApi(self._client, self._base, corpid, secret)
        return self._apis[key]

    def send(self, payload: GroupMessage, idempotency_key: str) -> SendResult:
        """Create the task (uploading its image and file first); Ok carries the ``msgid``."""
        from sopengine_wecom_groupmsg.api import ApiError
        from sopengine_wecom_groupmsg.body import task_body

        try:
            api = self._api(payload.corpid_env, payload.secret_env)
            answer = api.call(ADD_PATH, task_body(payload, api))
        except ChannelConfigError as exc:
            return Permanent(str(exc))
        except ApiError as exc:
            return exc.result
        if answer.get("fail_list"):
            return Permanent(f"WeCom did not create the task for {answer['fail_list']}")
        return Ok(provider_id=str(answer.get("msgid", "")), detail="handed to the sender")

    def settle(self, handed: Sequence[HandedOver]) -> Sequence[Settled]:
        """What became of each task: its send result for the group's chat id."""
        from sopengine_wecom_groupmsg.api import ApiError

        out = []
        for h in handed:
            try:
                api = self._api(*self._names(h.target))
                answer = api.call(RESULT_PATH, {"msgid": h.provider_id, "userid": h.target.settings.get("sender"),
                                                "limit": 1000})
            except (ApiError, ChannelConfigError):
                continue  # asked again next round
            chat_id = h.target.settings.get("chat_id")
            rows = [r for r in answer.get("send_list") or [] if r.get("chat_id") in (None, chat_id)]
            status = next((int(r.get("status", 0)) for r in rows), 0)
            if status == 1:
                sent_at = next((r.get("send_time") for r in rows), None)
                at = datetime.fromtimestamp(int(sent_at), timezone.utc) if sent_at else None
                out.append(Settled(h.key, "sent", "sent by the sender", at))
            elif status in FAILED_STATUSES:
                out.append(Settled(h.key, "failed", FAILED_STATUSES[status]))
        return out

    def remind(self, handed: HandedOver) -> SendResult:
        """``remind_groupmsg_send`` (WeCom allows three a day per task: the daemon sends one)."""
        from sopengine_wecom_groupmsg.api import ApiError

        try:
            self._api(*self._names(handed.target)).call(REMIND_PATH, {"msgid": handed.provider_id})
        except ChannelConfigError as exc:
            return Permanent(str(exc))
        except ApiError as exc:
            return exc.result
        return Ok()

    def close(self) -> None:
        self._client.close()


@hookimpl
def register_channels(register: RegisterChannel) -> None:
    register("wecom_groupmsg", WeComGroupMsgChannel)
