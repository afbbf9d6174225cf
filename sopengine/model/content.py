"""What a step carries besides its text: an image (a poster, 海报), a link card, a file.

An SOP file writes a path inside its folder or a URL::

    image: posters/day1.png          # or https://cdn.example.com/day1.png
    link: {title: 第1课回放, url: https://example.com/replay/1, description: 45分钟, picture: https://…/cover.jpg}
    file: handouts/第1课讲义.pdf

Loading reads a file once (confined to the SOP's folder), and the step then names it by its
SHA-256: the ledger keeps the bytes (``media``), a version changes when the file does, and a
daemon on another machine sends the same bytes.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The content kinds a step may carry besides text, as channels declare them (``Capabilities.content``):
#: ``image`` (an image file or URL), ``image_url`` (an image only when given by URL), ``link``, ``file``,
#: ``miniprogram`` (a WeChat mini program card), ``mentions`` (members mentioned by name).
CONTENT_KINDS = ("image", "image_url", "link", "file", "miniprogram", "mentions")
#: The most a file a step carries may weigh, whatever the channel (channels declare less).
MAX_FILE_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


#: The first bytes of the images a page shows inline.
IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


def image_type(data: bytes) -> str | None:
    """``image/png``, ``image/jpeg``, ``image/gif`` or ``image/webp`` by the bytes themselves
    (never by a name someone wrote), else None."""
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


class MediaFile(BaseModel):
    """An image or a file a step carries: a ``path`` inside the SOP's folder (with its size and
    SHA-256 once loaded) or a ``url``."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    path: str | None = Field(None, description="As written, relative to the SOP file.")
    url: str | None = Field(None, description="An http(s) address, sent as it is.")
    name: str = Field(description="The file's name, as people see it.")
    type: str = Field(description="Its media type (image/png, application/pdf…).")
    size: int | None = Field(None, description="Bytes (for a path, once loaded).")
    sha256: str | None = Field(None, description="Of its bytes (for a path, once loaded): the ledger's key.")

    @classmethod
    def written(cls, value: Any) -> Any:
        """A step's ``image:``/``file:`` as written (a path or a URL) as the mapping this model reads."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        name = PurePosixPath(text.split("?", 1)[0]).name or text
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if is_url(text):
            return {"url": text, "name": name, "type": guessed}
        return {"path": text, "name": name, "type": guessed}

    def to_json(self) -> dict[str, Any]:
        """What the JSON plan and an operator's task show of it."""
        return self.model_dump(mode="json", exclude_none=True)


class LinkCard(BaseModel):
    """A link card (图文链接): title, address, and optionally a description and a picture URL."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    title: str = Field(min_length=1, max_length=128, description="The card's title.")
    url: str = Field(pattern=r"^https?://", description="Where it opens (http or https).")
    description: str | None = Field(None, max_length=512, description="A line under the title.")
    picture: str | None = Field(None, pattern=r"^https?://", description="The card's picture (a URL).")

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class MiniProgram(BaseModel):
    """A WeChat mini program card (小程序卡片): its title, ``appid``, the ``page`` it opens, and its
    cover ``picture`` (a path inside the SOP's folder, or a URL)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    title: str = Field(min_length=1, max_length=64, description="The card's title.")
    appid: str = Field(min_length=1, max_length=64, description="The mini program's appid (wx…).")
    page: str = Field(min_length=1, max_length=512, description="The page it opens, e.g. pages/index?from=sop.")
    picture: MediaFile = Field(description="The card's cover: a path inside the SOP's folder, or a URL.")

    @field_validator("picture", mode="before")
    @classmethod
    def _picture_as_written(cls, value: Any) -> Any:
        return MediaFile.written(value)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


@dataclass(frozen=True)
class Attachment:
    """What a channel renders besides text: ``kind`` ``image``, ``link`` or ``file``; for a file
    kept in the ledger its bytes (``data``), for an address its ``url``."""

    kind: str
    name: str = ""
    media_type: str = ""
    url: str | None = None
    data: bytes | None = None
    sha256: str | None = None
    title: str = ""
    description: str = ""
    picture: str | None = None
    #: A mini program card's appid and page (its cover is ``data``/``url``).
    appid: str = ""
    page: str = ""

    @classmethod
    def of_media(cls, kind: str, media: MediaFile, data: bytes | None) -> "Attachment":
        return cls(kind, media.name, media.type, media.url, data, media.sha256)

    @classmethod
    def of_miniprogram(cls, card: MiniProgram, data: bytes | None) -> "Attachment":
        cover = card.picture
        return cls("miniprogram", cover.name, cover.type, cover.url, data, cover.sha256, title=card.title,
                   appid=card.appid, page=card.page)

    @classmethod
    def of_link(cls, link: LinkCard) -> "Attachment":
        return cls("link", link.title, "", link.url, title=link.title, description=link.description or "",
                   picture=link.picture)
