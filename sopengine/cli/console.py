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
    are flushed; output that cannot be written is reported, and the exit code is then 120, as
    Python's own exit makes it (a reader gone from a pipe is not reported). While any other thread
    is alive, daemon threads too (an executor's workers are, and the normal exit joins them), the
    normal exit is taken.
    """
    from sopengine.cli import main

    try:
        main()
    except SystemExit as exit_:
        code = _exit_status(exit_.code)
    else:
        code = 0
    if threading.active_count() > 1:  # another thread is alive (enumerate lists only live ones)
        sys.exit(code)
    atexit._run_exitfuncs()
    os._exit(_flushed(code))


def _flushed(code: int) -> int:
    """``code`` once stdout and stderr are flushed; 120 when what was written cannot be."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue  # started without it (``>&-``): nothing was written to it
        try:
            stream.flush()
        except BrokenPipeError:
            pass  # the reader has gone (``| head``): what it did not read, it did not want
        except (OSError, ValueError) as exc:
            try:
                print(f"sopengine: could not write the output: {exc}", file=sys.__stderr__)
            except (OSError, ValueError, AttributeError):
                pass
            code = 120
    return code


def _exit_status(code: object) -> int:
    """What ``sys.exit(code)`` would make of ``code``: None is 0, an int itself, anything else
    is printed to stderr and is 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
