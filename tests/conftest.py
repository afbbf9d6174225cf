"""Shared fixtures. Outside network is denied for every test (pytest-socket, see pyproject)."""

from __future__ import annotations

from pathlib import Path

import pytest

import os
import shutil
import tempfile
import uuid
from typing import Iterator

from sqlalchemy import create_engine, text

from sopengine.planning.ledger_planner import LedgerPlanner
from sopengine.plugins import load_plugins
from sopengine.store import Store
from sopengine.store import pair_counts
from sopengine.words import DEFAULT, set_language

from .pg import PostgresServer, start_postgres


ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

# Caches (the holidays calendar cache) go to a fresh folder, never the user's ~/.cache;
# set before anything reads it, and inherited by the CLI subprocesses tests start.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="sopengine-test-cache-")


@pytest.fixture
def spec_dir() -> Path:
    """The spec's own example SOP and groups file."""
    return DATA / "spec"


@pytest.fixture
def sops_dir() -> Path:
    """The shipped sample SOPs."""
    return ROOT / "sops"


REQUIRE_PG = os.environ.get("SOPENGINE_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer | None]:
    server, why = start_postgres()
    if server is None and REQUIRE_PG:
        pytest.fail(f"PostgreSQL is required here (SOPENGINE_REQUIRE_POSTGRES=1) but: {why}")
    yield server
    if server is not None:
        server.stop()


def new_pg_database(server: PostgresServer) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path, postgres) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    if postgres is None:
        pytest.skip("no PostgreSQL server: initdb/pg_ctl or psycopg missing (CI runs these)")
    return new_pg_database(postgres)


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language, whatever an earlier one's ``--lang`` left set
    (the CLI sets the process's language, and a CliRunner runs it in this process)."""
    set_language(DEFAULT)
    yield
    set_language(DEFAULT)


@pytest.fixture
def host():  # type: ignore[no-untyped-def]
    return load_plugins()


@pytest.fixture
def store(store_url, host) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    s = Store.open(store_url, host.kinds, planner=LedgerPlanner())
    yield s
    # whatever the test did, the counts status reads agree with counting every action
    with s.engine.connect() as conn:
        assert pair_counts.drift(conn) == {}
    s.close()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
REQUIRED = os.environ.get("SOPENGINE_REQUIRE_BROWSER") == "1"


@pytest.fixture
def browser():  # type: ignore[no-untyped-def]
    if not (CHROMIUM and DRIVER):
        if REQUIRED:
            pytest.fail("chromium and chromedriver are required here")
        pytest.skip("chromium/chromedriver not installed (CI installs them)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    yield driver
    driver.quit()
