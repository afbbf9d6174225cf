"""The files steps carry, kept in the ledger by the SHA-256 of their bytes."""

from __future__ import annotations

from datetime import datetime
from typing import Collection

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from sopengine.model.sop import Sop
from sopengine.store.core import Database
from sopengine.store.database import to_db
from sopengine.store.tables import media


def keep_media(conn: Connection, sops: Collection[Sop], now: datetime) -> int:
    """Store the files of ``sops`` not kept yet (by hash: a file is written once, however many
    versions carry it). Returns how many were written."""
    wanted: dict[str, tuple[str, str, bytes]] = {}
    for sop in sops:
        for step in sop.steps:
            for ref in step.media().values():
                if ref.sha256 and ref.sha256 in sop.media:
                    wanted[ref.sha256] = (ref.name, ref.type, sop.media[ref.sha256])
    if not wanted:
        return 0
    known = set(conn.execute(select(media.c.sha256).where(media.c.sha256.in_(sorted(wanted)))).scalars())
    fresh = [{"sha256": sha, "name": name, "type": kind, "size": len(data), "data": data, "created_at": to_db(now)}
             for sha, (name, kind, data) in wanted.items() if sha not in known]
    if fresh:
        conn.execute(insert(media), fresh)
    return len(fresh)


def media_bytes(store: Database, sha256: str) -> bytes | None:
    """The bytes of the file with this SHA-256, or None when the ledger does not keep it."""
    with store.engine.connect() as conn:
        data = conn.execute(select(media.c.data).where(media.c.sha256 == sha256)).scalar()
    return bytes(data) if data is not None else None
