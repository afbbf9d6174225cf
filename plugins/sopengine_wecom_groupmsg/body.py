"""The body of a mass-send task: its text and attachments (uploads done through the API)."""

from __future__ import annotations

from typing import Any


def task_body(message: Any, api: Any) -> dict[str, Any]:
    """``add_msg_template``'s body for ``message``: an image by URL as it is, an image file
    uploaded (``media/uploadimg`` gives a lasting URL), a file uploaded (``media/upload``: a
    media id), a link card as a ``link``. Raises the API's error for a failed upload."""
    from sopengine.plugin_api import Permanent
    from sopengine_wecom_groupmsg import UPLOAD_FILE_PATH, UPLOAD_IMAGE_PATH
    from sopengine_wecom_groupmsg.api import ApiError

    attachments: list[dict[str, Any]] = []
    for a in message.attachments:
        if a.kind == "image":
            url = a.url or api.upload(UPLOAD_IMAGE_PATH, a.name, a.data, a.media_type)["url"]
            attachments.append({"msgtype": "image", "image": {"pic_url": url}})
        elif a.kind == "link" and a.url:
            link = {"title": a.title, "url": a.url, "desc": a.description, "picurl": a.picture or ""}
            attachments.append({"msgtype": "link", "link": {k: v for k, v in link.items() if v}})
        elif a.kind == "file" and a.data is not None:
            media_id = api.upload(UPLOAD_FILE_PATH, a.name, a.data, a.media_type, kind="file")["media_id"]
            attachments.append({"msgtype": "file", "file": {"media_id": media_id}})
        elif a.kind == "file" and a.url:  # a file by address: a link to it
            attachments.append({"msgtype": "link", "link": {"title": a.name, "url": a.url}})
        elif a.kind == "miniprogram":
            if a.data is None:
                raise ApiError(Permanent("a mini program card's picture must be a file in the SOP's folder "
                                         "(WeCom wants it uploaded)"))
            cover = api.upload(UPLOAD_FILE_PATH, a.name, a.data, a.media_type, kind="image")["media_id"]
            attachments.append({"msgtype": "miniprogram", "miniprogram": {
                "title": a.title, "pic_media_id": cover, "appid": a.appid, "page": a.page}})
    body: dict[str, Any] = {"chat_type": "group", "sender": message.sender, "chat_id_list": [message.chat_id],
                            "allow_select": False, "text": {"content": message.text}}
    if attachments:
        body["attachments"] = attachments
    return body
