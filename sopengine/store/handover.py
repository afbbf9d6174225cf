"""Actions handed to a person to send through a provider (a WeCom mass-send task): which wait
for the provider's word, and what became of them."""

from __future__ import annotations

from datetime import datetime
from typing import Collection

from sqlalchemy import select

from sopengine.store import states
from sopengine.store.bulk import in_chunks
from sopengine.store.commands import transition
from sopengine.store.core import Database, write_audit
from sopengine.store.database import aware
from sopengine.store.records import HandedRecord
from sopengine.store.tables import actions, audit

#: The audit detail that says a sender was reminded (WeCom allows few reminders a day: once each).
REMINDED = "sender reminded"
#: What a handed-over action waits in.
WAITING_FOR_PROVIDER = (states.DUE, states.OVERDUE)


def handed_over(store: Database, channels: Collection[str], limit: int) -> list[HandedRecord]:
    """Up to ``limit`` handed-over actions of ``channels`` still waiting (oldest first): handed
    (a provider id recorded), not leased by a daemon sending it now."""
    if not channels:
        return []
    # read by state through the claim index and put in order here: ordered by due in SQL, SQLite
    # would walk the due index from the ledger's first action, through everything long done
    q = (select(actions.c.id, actions.c.key, actions.c.channel, actions.c.group_id, actions.c.provider_id,
                actions.c.due, actions.c.deadline)
         .where(actions.c.channel.in_(sorted(channels)), actions.c.state.in_(WAITING_FOR_PROVIDER),
                actions.c.provider_id.is_not(None), actions.c.lease_owner.is_(None)))
    with store.engine.connect() as conn:
        rows = sorted(conn.execute(q).all(), key=lambda r: (r.due, r.id))[:limit]
        reminded: set[str] = set()
        for chunk in in_chunks(conn, [r.key for r in rows]):
            reminded.update(conn.execute(select(audit.c.action_key).where(
                audit.c.action_key.in_(chunk), audit.c.detail == REMINDED)).scalars())
    return [HandedRecord(r.key, r.channel, r.group_id, r.provider_id, aware(r.due), aware(r.deadline),
                         r.key in reminded) for r in rows]


def settle(store: Database, key: str, to_state: str, reason: str, now: datetime, actor: str) -> str:
    """Move a handed-over action to what the provider says became of it (``sent`` or
    ``failed``); returns the state it was in."""
    return transition(store, key, to_state, frozenset(WAITING_FOR_PROVIDER), now, actor=actor, reason=reason or None)


def note_reminded(store: Database, key: str, now: datetime, actor: str) -> None:
    """Record that the sender of ``key`` was reminded (so it is done once)."""
    with store.engine.begin() as conn:
        write_audit(conn, now, actor, [{"action_key": key, "group_id": key.split("/")[-2], "detail": REMINDED}])
