"""A real PostgreSQL server for tests, started on loopback in a temporary folder.

initdb/pg_ctl refuse to run as root, so as root the cluster runs as the
``postgres`` user (or ``nobody``). Without the binaries the PostgreSQL tests
skip with the reason — unless SOPENGINE_REQUIRE_POSTGRES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PostgresServer:
    directory: Path
    port: int
    user: str | None

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://sopengine@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://sopengine@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        _run(self.user, ["pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def _run(user: str | None, args: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
    command = ["runuser", "-u", user, "--", *args] if user else args
    return subprocess.run(command, check=check, capture_output=True, text=True, timeout=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_postgres() -> tuple[PostgresServer | None, str]:
    """Start a throwaway cluster; returns (server, "") or (None, why not)."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        return None, "PostgreSQL's initdb/pg_ctl are not on PATH"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed"
    user = None
    if os.geteuid() == 0:
        for candidate in ("postgres", "nobody"):
            try:
                pwd.getpwnam(candidate)
                user = candidate
                break
            except KeyError:
                continue
        if user is None or not shutil.which("runuser"):
            return None, "running as root with no unprivileged user for PostgreSQL"
    directory = Path(tempfile.mkdtemp(prefix="sopengine-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(directory, entry.pw_uid, entry.pw_gid)
    os.chmod(directory, 0o700)
    port = _free_port()
    data = directory / "data"
    try:
        _run(user, ["initdb", "-D", str(data), "-A", "trust", "-U", "sopengine", "-E", "UTF8", "--no-locale"])
        _run(user, ["pg_ctl", "-D", str(data), "-l", str(directory / "log"), "-w", "-t", "60", "-o",
                    f"-h 127.0.0.1 -p {port} -k {directory} -c fsync=off -c full_page_writes=off", "start"])
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        out = getattr(exc, "stderr", "") or ""
        shutil.rmtree(directory, ignore_errors=True)
        return None, f"could not start PostgreSQL: {out.strip()[:300]}"
    return PostgresServer(directory, port, user), ""
