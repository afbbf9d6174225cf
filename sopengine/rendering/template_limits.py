"""Bounds on what one render may cost: time, output size, and the size of what it builds.

A template is user code. The sandbox keeps it from reaching the machine; these bounds keep it
from holding the machine: a render runs at most :data:`RENDER_SECONDS`, writes at most
:data:`MAX_OUTPUT_CHARS`, and no single operation may build a string wider than
:data:`MAX_WIDTH` padding or :data:`MAX_OUTPUT_CHARS` in all (``'{:>900000000}'.format(x)``,
``|center(9e8)``, ``'%0900000000d' % 1``, ``range(100000)|join('x' * 9000)``). Exceeding one
raises :class:`RenderLimit`, a :class:`~jinja2.exceptions.SecurityError`, which the caller
reports like any template problem: at validate with the line, at dispatch as a failed action.

Time is checked cooperatively (every call, every attribute read, every 1,000 steps of a
``range``, every piece of output) and, in the main thread, also by a ``SIGALRM`` timer that
interrupts even a loop that calls nothing: a daemon rendering a runaway template gets control
back, and honours SIGTERM, within seconds.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from contextvars import ContextVar
from itertools import islice
from collections.abc import Sequence
from typing import Any, Callable, Iterator

from jinja2.exceptions import SecurityError
from jinja2.sandbox import MAX_RANGE

#: Longest a render may run (seconds).
RENDER_SECONDS = 2.0
#: Most characters one render may write, or one operation build (a chat message is far shorter).
MAX_OUTPUT_CHARS = 200_000
#: Widest padding, indentation or line width a template may ask for.
MAX_WIDTH = 10_000
#: Filters whose numeric arguments are widths or counts of characters.
WIDTH_FILTERS = frozenset({"center", "indent", "wordwrap", "truncate", "batch", "slice", "filesizeformat"})
#: ``str`` methods whose numeric arguments are widths.
WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})

_FORMAT_NUMBER = re.compile(r"\{[^{}]*?[:!][^{}]*?(\d+)")
_PERCENT_NUMBER = re.compile(r"%[-+ #0]*(\d+|\*)?(?:\.(\d+))?")


class RenderLimit(SecurityError):
    """A render went past one of its bounds."""


_deadline: ContextVar[float | None] = ContextVar("sopengine_render_deadline", default=None)


def check_time() -> None:
    """Raise :class:`RenderLimit` when the current render's time is up (no-op outside one)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise RenderLimit(f"the template ran longer than {RENDER_SECONDS:g} s")


class _Alarm:
    """The SIGALRM handler, installed once in the main thread: inside a render past its deadline
    it stops the render; otherwise it hands the signal to whatever handler was there before."""

    installed = False
    previous: Any = signal.SIG_DFL

    @classmethod
    def usable(cls) -> bool:
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return False
        if not cls.installed:
            cls.previous = signal.signal(signal.SIGALRM, cls.handle)
            cls.installed = True
        return True

    @classmethod
    def handle(cls, signum: int, frame: Any) -> None:
        deadline = _deadline.get()
        if deadline is not None and time.monotonic() >= deadline:
            raise RenderLimit(f"the template ran longer than {RENDER_SECONDS:g} s")
        if callable(cls.previous):
            cls.previous(signum, frame)


def start_budget(seconds: float = RENDER_SECONDS) -> tuple[Any, bool] | None:
    """Start bounding renders to ``seconds``; pass the result to :func:`end_budget` (in a
    ``finally``). None inside an enclosing budget, which keeps its own deadline. (Two calls
    rather than a context manager: a render costs microseconds, and so does a generator.)"""
    if _deadline.get() is not None:
        return None
    token = _deadline.set(time.monotonic() + seconds)
    armed = _Alarm.usable()
    if armed:
        signal.setitimer(signal.ITIMER_REAL, seconds + 0.05)
    return token, armed


def end_budget(started: tuple[Any, bool] | None) -> None:
    if started is None:
        return
    token, armed = started
    if armed:
        signal.setitimer(signal.ITIMER_REAL, 0)
    _deadline.reset(token)


def bounded_output(pieces: Iterator[str]) -> str:
    """Join a template's output as it is generated, refusing more than :data:`MAX_OUTPUT_CHARS`."""
    out: list[str] = []
    size = 0
    while chunk := list(islice(pieces, 256)):  # a few pieces at a time: most templates are one chunk
        out += chunk
        size += sum(map(len, chunk))
        if size > MAX_OUTPUT_CHARS:
            raise RenderLimit(f"the template writes more than {MAX_OUTPUT_CHARS:,} characters")
        check_time()
    return "".join(out)


class GuardedRange(Sequence[int]):
    """``range`` for templates: at most the sandbox's MAX_RANGE items, and the render's time
    checked as it is walked (a nested loop of empty bodies calls nothing else). A sequence, as
    ``range`` is: ``|length``, ``|random``, ``|last`` and indexing work on it."""

    def __init__(self, *args: int):
        self._values = range(*args)
        if len(self._values) > MAX_RANGE:
            raise RenderLimit(f"range of {len(self._values):,} items is too large (at most {MAX_RANGE:,})")

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, index: Any) -> Any:
        return self._values[index]

    def __iter__(self) -> Iterator[int]:
        for n, value in enumerate(self._values):
            if n % 1000 == 0:
                check_time()
            yield value

    def __repr__(self) -> str:
        return repr(self._values)


def check_width(what: str, *numbers: Any) -> None:
    """Refuse a width or count beyond :data:`MAX_WIDTH` (or not a finite number)."""
    for value in numbers:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if not value == value or abs(value) > MAX_WIDTH:  # NaN fails the first test
            raise RenderLimit(f"{what}: {value!r} is wider than {MAX_WIDTH:,}")


def check_format_string(fmt: str) -> None:
    """Refuse a ``str.format`` / ``%`` format asking for a width or precision beyond MAX_WIDTH."""
    for match in _FORMAT_NUMBER.finditer(fmt):
        check_width("format", int(match.group(1)))
    if "%" in fmt:
        for width, precision in _PERCENT_NUMBER.findall(fmt):
            for number in (width, precision):
                if number and number != "*":
                    check_width("%-format", int(number))


def check_join(separator: Any, items: Any) -> None:
    """Refuse a join whose result would exceed :data:`MAX_OUTPUT_CHARS`."""
    if not isinstance(items, (list, tuple, str, range)):
        return
    sep = len(separator) if isinstance(separator, str) else 0
    size = sep * max(0, len(items) - 1) + sum(len(x) if isinstance(x, str) else 8 for x in items)
    if size > MAX_OUTPUT_CHARS:
        raise RenderLimit(f"join would write more than {MAX_OUTPUT_CHARS:,} characters")


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` (a built-in filter) with its width arguments or its join size checked."""
    value_at = 1 if hasattr(function, "jinja_pass_arg") else 0  # after the environment or context

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_time()
        if name == "join" and len(args) > value_at:
            value = args[value_at]
            if not isinstance(value, (str, list, tuple)) and hasattr(value, "__iter__"):
                value = list(value)  # a range or generator: its size must be known first
                args = (*args[:value_at], value, *args[value_at + 1:])
            check_join(kwargs.get("d", args[value_at + 1] if len(args) > value_at + 1 else ""), value)
        elif name == "format" and len(args) > value_at and isinstance(args[value_at], str):
            check_format_string(args[value_at])
        elif name != "join":
            check_width(f"|{name}", *args[value_at + 1:], *kwargs.values())
        return function(*args, **kwargs)

    if hasattr(function, "jinja_pass_arg"):  # keep how Jinja calls it
        wrapper.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(function, "__name__", name)
    wrapper.__doc__ = function.__doc__
    return wrapper


def bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:
    """Jinja's ``lipsum`` with its sizes bounded (it is there for drafts)."""
    from jinja2.utils import generate_lorem_ipsum

    check_width("lipsum", n * max)
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)
