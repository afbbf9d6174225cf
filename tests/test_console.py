"""The ``sopengine`` program (``sopengine.cli.console.run``): exit codes, every byte of output,
``atexit`` functions, and the quick way out only when no other thread is left."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from sopengine.cli import main
from sopengine.cli.console import _exit_status


def _program(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "sopengine", *args], capture_output=True, cwd=cwd, timeout=120)


def _script(tmp_path: Path, body: str, *argv: str, stdout: Any = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """Run ``body`` and then the program with ``argv``, as the console script would, its standard
    streams buffered as they are for anyone (``PYTHONUNBUFFERED`` unset)."""
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(body) + textwrap.dedent(f"""
        sys.argv = ["sopengine", *{list(argv)!r}]
        from sopengine.cli.console import run
        run()
    """), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, str(script)], stdout=stdout, stderr=subprocess.PIPE, text=True,
                          timeout=120, env=env)


def test_a_long_plan_reaches_a_pipe_whole(sops_dir):
    args = ["plan", str(sops_dir), "--groups", str(sops_dir / "groups.yaml"), "--format", "json"]
    done = _program(*args)
    assert done.returncode == 0, done.stderr.decode()
    assert len(done.stdout) > 100_000  # far more than one pipe buffer
    in_process = CliRunner().invoke(main, args)
    assert json.loads(done.stdout) == json.loads(in_process.stdout)


def test_exit_codes_and_problems_are_those_of_the_command(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("sop: x\ntitle: 坏\nsteps:\n  - id: a\n    kind: no_such_kind\n    at: day 0 08:00\n",
                   encoding="utf-8")
    done = _program("validate", str(bad))
    assert done.returncode == 1
    assert f"{bad}:5:" in done.stdout.decode()
    assert "problem(s)" in done.stderr.decode()
    assert _program("validate", "--no-such-option").returncode == 2
    assert _program("--help").returncode == 0


def test_atexit_functions_run_and_objects_are_not_torn_down(tmp_path):
    done = _script(tmp_path, """
        import atexit, sys
        atexit.register(print, "atexit ran", flush=True)
        class Finalised:
            def __del__(self):
                print("torn down", flush=True)
        kept = Finalised()
    """, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("atexit ran")
    assert "torn down" not in done.stdout  # the interpreter was not torn down: the quick way out


def test_output_left_in_a_buffer_is_written_out(tmp_path, sops_dir):
    done = _script(tmp_path, """
        import sys
        sys.stdout.write("written, never flushed\\n")
    """, "validate", str(sops_dir / "learning-camp-21d.yaml"))  # validate writes to stderr only
    assert done.returncode == 0, done.stderr
    assert done.stdout == "written, never flushed\n"


def test_output_that_cannot_be_written_is_reported(tmp_path, sops_dir):
    with open("/dev/full", "w") as full:
        done = _script(tmp_path, """
            import sys
            sys.stdout.write("a full disk\\n")
        """, "validate", str(sops_dir / "learning-camp-21d.yaml"), stdout=full)
    assert done.returncode == 120
    assert "sopengine: could not write the output" in done.stderr


def test_a_program_started_without_stdout_exits_cleanly(tmp_path):
    done = _script(tmp_path, """
        import sys
        sys.stdout = None  # what Python gives a program started with its stdout closed (>&-)
    """, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_thread_still_working_is_waited_for(tmp_path):
    done = _script(tmp_path, """
        import sys, threading, time
        def late():
            time.sleep(2)  # far longer than the program takes to reach its end
            print("thread finished", flush=True)
        threading.Thread(target=late).start()
    """, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("thread finished")


def test_a_command_that_writes_leaves_the_ledger_whole_in_its_file(tmp_path, sops_dir):
    """The store is closed when a command ends, so SQLite folds its write-ahead log into the file:
    a copy of the file alone holds what the command wrote."""
    db = tmp_path / "ledger.db"
    url = f"sqlite:///{db}"
    applied = _program("apply", str(sops_dir / "learning-camp-21d.yaml"), "--groups", str(sops_dir / "groups.yaml"),
                       "--db", url, "--format", "json")
    assert applied.returncode == 0, applied.stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"]
    listed = _program("groups", "--db", url, "--format", "json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"], "groups"
    group = json.loads(listed.stdout)[0]["id"]
    now = ["--now", "2026-09-20T00:00+08:00"]
    for command in (["pause", "--group", group, *now], ["status", *now], ["resume", "--group", group, *now],
                    ["actions", "--limit", "1"]):
        done = _program(*command, "--db", url)
        assert done.returncode == 0, (command, done.stderr.decode())
        assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.db"], command


def test_exit_status_follows_sys_exit(capsys):
    assert _exit_status(None) == 0
    assert _exit_status(2) == 2
    assert _exit_status("stopped: no store") == 1
    assert capsys.readouterr().err == "stopped: no store\n"
