"""The :class:`Database`: one database, its engine, and the bookkeeping every write shares.

The concept modules beside it (apply, claims, outcomes, commands, queries, workers) are written
against it; :class:`sopengine.store.sql.Store` binds them into the :class:`~.abc.DataStore`
interface."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Self

from sqlalchemy import Engine, Integer, String, cast, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from sopengine.model.definition import sop_from_definition, step_fingerprint
from sopengine.model.sop import Sop
from sopengine.store.abc import Planner
from sopengine.store.database import (
    StoreUnavailable, create_store_engine, default_url, migrate, read_revision, safe_url, to_db,
)
from sopengine.store import pair_counts
from sopengine.store.bulk import driver_time, insert_rows
from sopengine.store.tables import meta, sop_versions


if TYPE_CHECKING:
    from sopengine.kinds import StepBase

#: The ``meta`` key of :meth:`Database.setup_revision`.
SETUP_REVISION = "setup_revision"


class DeferredKinds(Mapping[str, "type[StepBase]"]):
    """The step kinds ``load`` gives, asked for on first use: a store opened to read (``status``,
    ``health``) builds no stored SOP, so it never imports a kind, nor pydantic and Jinja2."""

    def __init__(self, load: Callable[[], Mapping[str, type[StepBase]]]) -> None:
        self._load = load
        self._kinds: Mapping[str, type[StepBase]] | None = None

    def _loaded(self) -> Mapping[str, type[StepBase]]:
        if self._kinds is None:
            self._kinds = self._load()
        return self._kinds

    def __getitem__(self, name: str) -> type[StepBase]:
        return self._loaded()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def builtin_kinds() -> Mapping[str, type[StepBase]]:
    """The built-in step kinds (what a store opened without kinds builds its SOPs with)."""
    from sopengine.kinds import KindRegistry

    return KindRegistry()


@dataclass
class Database:
    """A migrated database plus caches of immutable SOP versions, and the planner that decides
    what a pair's actions are (None: a store that only dispatches and reads)."""

    engine: Engine
    kinds: Mapping[str, type[StepBase]] = field(default_factory=lambda: DeferredKinds(builtin_kinds))
    planner: Planner | None = None
    _versions: dict[int, Sop] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, url: str | None = None, kinds: Mapping[str, type[StepBase]] | None = None,
             *, planner: Planner | None = None, create: bool = True) -> Self:
        """Open (and migrate) the store at ``url`` (default: :func:`default_url`).

        ``kinds``: the step kinds its stored SOPs are built with (None: the built-in ones, imported
        when first needed). ``create`` false (commands that only read): a SQLite store that does
        not exist yet is not made. Raises :class:`~.database.StoreUnavailable` with a one-line reason when the store
        cannot be opened (a server that does not answer, a bad URL, a missing driver)."""
        url = url or default_url()
        engine = create_store_engine(url, create=create)
        try:
            migrate(engine)
        except (SQLAlchemyError, OSError, ImportError) as exc:
            engine.dispose()
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise StoreUnavailable(f"cannot open the store {safe_url(url)}: "
                                   f"{reason[0] if reason else type(exc).__name__}") from None
        return cls(engine, DeferredKinds(builtin_kinds) if kinds is None else kinds, planner)

    def planner_or_raise(self) -> Planner:
        """The planner, for the writes that plan (apply, horizons, events)."""
        if self.planner is None:
            raise TypeError("this store was opened without a planner: pass planner= to Store.open")
        return self.planner

    @property
    def location(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def sop_version(self, version_id: int, conn: Connection | None = None) -> Sop:
        """The SOP of a stored version (cached: versions never change)."""
        sop = self._versions.get(version_id)
        if sop is None:
            def load(c: Connection) -> Sop:
                definition = c.execute(select(sop_versions.c.definition)
                                       .where(sop_versions.c.id == version_id)).scalar_one()
                return sop_from_definition(definition, self.kinds)
            if conn is not None:
                sop = load(conn)
            else:
                with self.engine.connect() as c:
                    sop = load(c)
            self._versions[version_id] = sop
        return sop

    def step_fingerprints(self, version_id: int, conn: Connection | None = None) -> dict[str, str]:
        """Step id → :func:`~sopengine.model.definition.step_fingerprint` in a stored version. An action
        keeps the version that planned it, so this is the fingerprint it was planned with. Empty
        when the version no longer loads (a step kind's plugin is gone): its actions then count as
        changed. Not cached here: a re-plan asks once per version (see ``Replans``)."""
        try:
            sop = self.sop_version(version_id, conn)
        except (KeyError, ValueError):
            return {}
        return {s.id: step_fingerprint(sop, s) for s in sop.steps}

    def checkpoint(self) -> None:
        """Tidy up between bursts; the daemon calls it when it goes idle, so the work happens
        then rather than inside a burst. SQLite: copy the write-ahead log back into the database
        file, without waiting for anyone (PASSIVE). PostgreSQL: fold the count deltas the
        triggers appended (:func:`.pair_counts.fold`)."""
        if self.dialect == "sqlite":
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        else:
            with self.engine.begin() as conn:
                pair_counts.fold(conn)

    def revision(self) -> int:
        """Change counter; a daemon re-reads the ledger when it moves."""
        with self.engine.connect() as conn:
            return read_revision(conn)

    def setup_revision(self) -> int:
        """The counter of changes to what is planned (not moved by confirmations or outcomes)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(meta.c.value).where(meta.c.key == SETUP_REVISION)).scalar() or 0)


@contextmanager
def writing(store: Database) -> Iterator[Connection]:
    """A transaction that writes on the strength of what it reads.

    On SQLite it holds the database write lock from its first statement (``BEGIN IMMEDIATE``):
    pysqlite alone begins at the first write, so another process could change what was read in
    between. On PostgreSQL each reader locks the rows it will write on (``FOR UPDATE``) or its
    writes re-check what they read.
    """
    with store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn


def bump_revision(conn: Connection, *, setup: bool = True) -> None:
    """Mark that the ledger changed outside the daemon's own dispatching.

    ``setup`` (the default): what is planned may have changed too (an apply, an event, an
    import, a pause), so the setup revision moves as well; a person's confirmation or skip moves
    only the revision. One increment in SQL, so two transactions bumping at once both count (the
    revision row is there from the first migration on: :func:`.database.migrate`)."""
    conn.execute(update(meta).where(meta.c.key == "revision")
                 .values(value=cast(cast(meta.c.value, Integer) + 1, String)))
    if setup and not conn.execute(update(meta).where(meta.c.key == SETUP_REVISION)
                                  .values(value=cast(cast(meta.c.value, Integer) + 1, String))).rowcount:
        conn.execute(meta.insert().values(key=SETUP_REVISION, value="1"))  # a ledger from before it


def write_audit(conn: Connection, at: datetime, actor: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Append audit rows: each names action_key, group_id, sop_id, from_state, to_state, detail.

    Written in bulk at the driver level (see :func:`.bulk.insert_rows`): a re-apply can audit
    hundreds of thousands of changes, a daemon thousands a second.
    """
    batch = [(r.get("action_key"), r.get("group_id"), r.get("sop_id"), r.get("from_state"), r.get("to_state"),
              r.get("detail")) for r in rows]
    if not batch:
        return
    stamp = driver_time(conn)(to_db(at))
    insert_rows(conn, "audit", AUDIT_COLUMNS, [(stamp, actor, *row) for row in batch])


#: Columns of an audit row, in the order :func:`write_audit` writes them.
AUDIT_COLUMNS = ("at", "actor", "action_key", "group_id", "sop_id", "from_state", "to_state", "detail")
