"""What every stored action read back carries: enough to render it again as the daemon does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ActionRecord:
    """An action row's identity, timing and rendering inputs (see :func:`sopengine.rendering.actions.outbound`).

    Readers add what their use needs: a claim its lease bookkeeping
    (:class:`.claims.ClaimedAction`), a display its state (:class:`.queries.StoredAction`).
    """

    key: str
    sop_id: str
    step: str
    part: str | None
    group_id: str
    kind: str
    channel: str
    due: datetime
    deadline: datetime
    day: int
    occurrence: int
    item: Any
    data: Any
    version_id: int
