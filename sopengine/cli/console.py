"""The ``sopengine`` program: the command line, then a quick way out of the interpreter."""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def run() -> NoReturn:
    """Run the command line as a program and leave with its exit code (0 ok, 1 a problem, 2 usage).

    Once the command is over, the process ends without tearing the interpreter down: freeing every
    module and object one by one takes about 40 ms, an eighth of a ``validate``, and the operating
    system frees them all at once. What a normal exit does that anyone can see still happens
    first: the ``atexit`` functions run (logging's shutdown among them) and the standard streams
    are flushed. While another thread is alive (work a command left running), the normal exit is
    taken, which waits for it.
    """
    from sopengine.cli import main

    try:
        main()
    except SystemExit as exit_:
        code = _exit_status(exit_.code)
    else:
        code = 0
    if any(t is not threading.main_thread() and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe or stream: nothing more can reach it
    os._exit(code)


def _exit_status(code: object) -> int:
    """What ``sys.exit(code)`` would make of ``code``: None is 0, an int itself, anything else
    is printed to stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
