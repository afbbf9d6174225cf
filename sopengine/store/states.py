"""Action states and the transitions between them (pure).

::

    planned ──claim──▶ due ──ok (automatic)──▶ sent
       │                │ ──ok (manual)──▶ due (on the operator's sheet) ──done──▶ done
       │                │ ──retryable──▶ retrying ──claim──▶ due …
       │                │ ──permanent──▶ failed
       │                └─ when false ──▶ skipped
       └─ past due + grace ──▶ missed (automatic) / overdue (manual, can still be done)
    planned/retrying ──apply removed it / group dissolved──▶ cancelled
"""

from __future__ import annotations

PLANNED = "planned"
DUE = "due"
RETRYING = "retrying"
SENT = "sent"
DONE = "done"
SKIPPED = "skipped"
MISSED = "missed"
OVERDUE = "overdue"
FAILED = "failed"
CANCELLED = "cancelled"

ALL_STATES = (PLANNED, DUE, RETRYING, SENT, DONE, SKIPPED, MISSED, OVERDUE, FAILED, CANCELLED)
#: States an action never leaves by itself.
FINAL = frozenset({SENT, DONE, SKIPPED, MISSED, FAILED, CANCELLED})
#: States waiting for the daemon.
WAITING = frozenset({PLANNED, RETRYING})

#: Who may move an action from which states, by command.
OPERATOR_DONE_FROM = frozenset({PLANNED, DUE, OVERDUE, RETRYING})
SKIP_FROM = frozenset({PLANNED, DUE, OVERDUE, RETRYING})
RETRY_FROM = frozenset({FAILED, MISSED, OVERDUE})


class TransitionError(ValueError):
    """A command asked for a transition the action's state does not allow."""
