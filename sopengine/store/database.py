"""Opening the store: URL resolution, engine settings per backend, migrations.

SQLite (WAL, a busy timeout, foreign keys) is the embedded default at
:func:`default_url`; any SQLAlchemy URL works through ``--db`` or
``SOPENGINE_DB`` (PostgreSQL via psycopg is supported and tested).
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, overload

from sqlalchemy import Engine, create_engine, event, inspect, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError

from sopengine.store import pair_counts
from sopengine.store.tables import meta

ENV_VAR = "SOPENGINE_DB"
MIGRATIONS = str(Path(__file__).with_name("migrations"))
#: WAL pages (of 4 KiB) after which a commit checkpoints.
WAL_CHECKPOINT_PAGES = 16_384


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_DATA_HOME/sopengine/sopengine.db`` (``~/.local/share/...`` when unset)."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sopengine" / "sopengine.db"


def default_url(environ: Mapping[str, str] = os.environ) -> str:
    """``$SOPENGINE_DB``, else SQLite at :func:`default_path`."""
    return environ.get(ENV_VAR) or f"sqlite:///{default_path(environ)}"


class StoreUnavailable(RuntimeError):
    """The store cannot be opened: no such store (and not to be created), a bad URL, a server
    that does not answer. The message is one line and names the URL without its password."""


def safe_url(url: str) -> str:
    """``url`` with its password masked (``***``), for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show it as given, it holds nothing to hide
        return url


def create_store_engine(url: str, *, create: bool = True) -> Engine:
    """An engine with the right settings for its backend. ``create``: a SQLite file (and its
    folder) may be made; otherwise a missing one is :class:`StoreUnavailable`."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreUnavailable(f"not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            if not create and not Path(database).is_file():
                raise StoreUnavailable(f"no store at {database} (nothing has been applied there: "
                                       f"`sopengine apply` creates it)")
            if create:
                try:
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreUnavailable(f"cannot create the store {database}: {exc.strerror}") from None
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=json_text)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    try:
        return create_engine(url, pool_pre_ping=True, json_serializer=json_text)
    except (ImportError, ArgumentError) as exc:  # NoSuchModuleError is an ArgumentError
        raise StoreUnavailable(f"cannot open the store {safe_url(url)}: {exc}") from None


#: JSON text as the store writes it, through SQLAlchemy and the bulk paths alike. Chinese stays
#: readable (and a third the size) in the database. One encoder for every value: ``json.dumps``
#: with options builds a new encoder per call.
json_text = json.JSONEncoder(ensure_ascii=False).encode


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Checkpoint every 64 MiB of WAL, not every 4 MiB: each checkpoint fsyncs, and a page
    # rewritten many times between two checkpoints is copied back once. The daemon also
    # checkpoints whenever it goes idle (Store.checkpoint), so a burst starts on an empty WAL.
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA journal_size_limit={WAL_CHECKPOINT_PAGES * 4096}")
    cursor.close()


#: SQLite's page cache (KiB) while an apply writes: it touches several indexes at once. Other work
#: keeps SQLite's default of 2 MiB per connection, so a daemon holding a large ledger stays small.
BULK_CACHE_KIB = 65_536


@contextmanager
def bulk_cache(conn: Connection) -> Iterator[None]:
    """A large SQLite page cache on ``conn`` for the duration (a no-op on PostgreSQL)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    try:
        yield
    finally:  # the connection goes back to the pool: lowering the size also frees the cache
        conn.exec_driver_sql("PRAGMA cache_size=-2000")


#: The newest migration's revision. A store already there opens without importing alembic or
#: reading the migration scripts, a tenth of a second of every command's start; a test checks it
#: names the scripts' head.
HEAD_REVISION = "0024"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    with engine.begin() as conn:
        if _current_revision(conn) == HEAD_REVISION:
            return
        from alembic import command

        cfg = migration_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if conn.execute(select(meta.c.key).where(meta.c.key == "revision")).first() is None:
            conn.execute(meta.insert().values(key="revision", value="0"))  # bump_revision only increments
        pair_counts.install(conn)  # a migration rebuilding the actions table drops its triggers
        if conn.dialect.name == "sqlite":
            planner_statistics(conn)


#: What SQLite's planner should assume of a ledger, as ``ANALYZE`` writes it into sqlite_stat1 (rows
#: of a million actions: a state matches a fifth of them, a state and instant about twenty, and with
#: its step and part about ten, an id one; a group about a hundred, a step of a group about ten, a key
#: tail one, and with its SOP one; of the half still waiting, an SOP's about a tenth, a pair's about
#: fifty; an instant about twenty). Without them it takes "this state" to be as selective as "this
#: group" and reads a group's planned actions through the claim index, that is every planned action.
PLANNER_STATISTICS = {"ix_actions_claim": "1000000 200000 20 10 10 1",
                      "ux_actions_group_step_key": "1000000 100 10 1 1",
                      "ix_actions_waiting": "500000 50000 50 1", "ix_actions_due": "1000000 20"}


def planner_statistics(conn: Connection) -> None:
    """Write :data:`PLANNER_STATISTICS` for each index that has none (an ``ANALYZE`` wrote real ones)."""
    conn.exec_driver_sql("ANALYZE sqlite_schema")  # creates sqlite_stat1 if missing, and nothing else
    # after every upgrade: rebuilding a table (a migration dropping a column) drops its statistics,
    # and dropping an index drops the index's
    known = set(conn.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'actions'").scalars())
    missing = [("actions", index, stat) for index, stat in PLANNER_STATISTICS.items() if index not in known]
    if not missing:
        return
    conn.exec_driver_sql("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)", missing)
    # a connection reads sqlite_stat1 when it loads the schema, and again after an ANALYZE (this one
    # analyzes nothing else): without it, the pooled connection that migrated would plan without them
    conn.exec_driver_sql("ANALYZE sqlite_schema")


def _current_revision(conn: Connection) -> str | None:
    """The revision the store's schema is at (None: a new database)."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def migration_config() -> Any:
    """Alembic's configuration for the migrations under ``migrations/`` (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    return cfg


def to_db(instant: datetime) -> datetime:
    """An aware instant as the naive UTC the tables store."""
    return instant.astimezone(timezone.utc).replace(tzinfo=None)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    """A stored naive UTC time as an aware UTC datetime."""
    return None if value is None else value.replace(tzinfo=timezone.utc)


def read_revision(conn: Connection) -> int:
    """The store's change counter (bumped by apply, events, pause, commands)."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == "revision")).scalar()
    return int(value or 0)
