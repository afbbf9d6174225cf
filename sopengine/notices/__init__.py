"""Telling operators about their work: the morning digest, a reminder before tasks, and the
lead's word when tasks go overdue.

Notices are planned from the operator tasks in the ledger (:mod:`.planning`, pure), kept in the
ledger under their own keys, and sent once by the daemon (:mod:`.desk`) through the channel each
person's ``notify:`` names, in texts of :mod:`.texts`. What they are about is read again when
they are sent: a task done, skipped, paused or re-planned away is left out, and a notice
with nothing left to say is cancelled.
"""

from sopengine.notices.planning import TaskSlot, plan_notices

__all__ = ["TaskSlot", "plan_notices"]
