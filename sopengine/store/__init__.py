"""The occurrence ledger: groups, SOP versions, timed actions, attempts, events, audit.

One SQLAlchemy implementation serves SQLite (embedded default) and
PostgreSQL; modules are split by concept: :mod:`.apply` (sync files in),
:mod:`.ledger` (the daemon's claims and results), :mod:`.commands` (what
people do), :mod:`.queries` (what people see).
"""

from sopengine.store.core import Store
from sopengine.store.database import StoreUnavailable, default_path, default_url

__all__ = ["Store", "StoreUnavailable", "default_path", "default_url"]
