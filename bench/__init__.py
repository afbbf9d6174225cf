"""Benchmarks of sopengine against its targets (``python -m bench``).

Every figure is the median of ``--repeat`` runs and every comparison
(APScheduler 3, raw sqlite3) is measured side by side in the same run. The
modules are one per benchmark: :mod:`.apply_bench`, :mod:`.burst`,
:mod:`.idle`, :mod:`.reapply`, :mod:`.plan_cmd`; :mod:`.aps` holds the
APScheduler side, :mod:`.fixtures` the shared SOP, groups, null channel and
fast inserts, :mod:`.report` the table. Nothing here is a timed unit test.
"""

from .report import Row

__all__ = ["Row"]
