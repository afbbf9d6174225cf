"""YAML documents that remember where every value came from.

Positions come from ruamel.yaml's round-trip loader (YAML 1.2, so ``on:`` is a
string key, not ``True``): its parsed tree turns any path into a 1-based
``line:col``. Syntax errors and duplicate keys become
:class:`~sopengine.model.problems.Problem` values, never tracebacks. A plain,
well-formed file is first read by libyaml (:mod:`sopengine.loading.fast_yaml`),
and the round-trip reading runs only when a position is asked for.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sopengine.loading.fast_yaml import plain_or_none
from sopengine.model.problems import Problem, SopFileError

Loc = Sequence[str | int]

#: Largest file read (a groups file of 100,000 groups is about 20 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Deepest nesting of mappings and lists (an SOP needs a handful of levels).
MAX_DEPTH = 64
#: Most values aliases may add to a file beyond the ones written in it (``*anchor`` reuses).
MAX_ALIAS_VALUES = 100_000


class YamlDocument:
    """A parsed YAML file: :meth:`plain` gives its values, :meth:`position` where one was written.

    A document read by the fast path (:mod:`sopengine.loading.fast_yaml`) has its values but no
    positions yet: the first :meth:`position` reads ``text`` again with the round-trip loader,
    which keeps them (``tree``). A file without problems never pays for that.
    """

    def __init__(self, path: Path, tree: Any = None, *, text: str | None = None, plain: Any = None) -> None:
        self.path = path
        self._tree = tree
        self._text = text
        self._plain = plain
        self._exact = text is None

    @property
    def tree(self) -> Any:
        """The round-trip tree (CommentedMap/CommentedSeq with ``lc`` positions)."""
        if not self._exact:
            self._exact = True
            try:
                self._tree = _read_exact(self.name, self._text or "")
            except SopFileError:
                self._tree = None  # the fast path read it: positions fall back to 1:1
        return self._tree

    @property
    def name(self) -> str:
        return str(self.path)

    def plain(self) -> Any:
        """The document as plain dicts, lists, str, int, float, bool and None (the same object
        on every call, until :meth:`forget_values`: treat it as read-only)."""
        if self._plain is None:
            fast = plain_or_none(self._text, MAX_DEPTH) if not self._exact and self._text is not None else None
            self._plain = fast if fast is not None else to_plain(self.tree)
        return self._plain

    def forget_values(self) -> None:
        """Let go of the values once what they build is built: a groups file of 100,000 groups
        holds hundreds of megabytes of them, where its text is a tenth of that. Positions are
        read from the text (or the round-trip tree) as before; :meth:`plain`, if asked again, reads
        them again."""
        self._plain = None

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """1-based (line, col) of the value at ``loc`` (of its key if ``key``).

        Walks as deep as the path exists and answers the deepest position
        found, so a path to a missing key points at the mapping that lacks it.
        """
        node = self.tree
        line, col = _own_position(node)
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if isinstance(node, CommentedMap) and part in node:
                line, col = node.lc.key(part) if (key and last) else node.lc.value(part)
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line, col = node.lc.item(part)
                node = node[part]
            else:
                break
        return line + 1, col + 1

    def problem(self, loc: Loc, message: str, *, key: bool = False, severity: str = "error") -> Problem:
        """A problem positioned at ``loc``."""
        line, col = self.position(loc, key=key)
        return Problem(self.name, line, col, message, severity)  # type: ignore[arg-type]


class Positions(Mapping[str, tuple[int, int]]):
    """Names → 1-based (line, col) in ``doc``, each found on first use: a file whose values are
    all fine is never read again for positions (see :class:`YamlDocument`)."""

    def __init__(self, doc: YamlDocument, paths: Mapping[str, Loc]) -> None:
        self._doc = doc
        self._paths = dict(paths)
        self._found: dict[str, tuple[int, int]] = {}

    def __getitem__(self, name: str) -> tuple[int, int]:
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = self._doc.position(self._paths[name])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _own_position(node: Any) -> tuple[int, int]:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return lc.line, lc.col
    return 0, 0


class _TextDatesConstructor(RoundTripConstructor):
    """Keeps dates as text so a bad date is a positioned validation error, not a crash."""


_TextDatesConstructor.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda self, node: self.construct_scalar(node)
)


def new_yaml() -> YAML:
    """A round-trip YAML 1.2 loader that leaves dates as strings."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _TextDatesConstructor
    return yaml


def load_yaml(path: Path, text: str | None = None) -> YamlDocument:
    """Parse ``path`` (or ``text`` under that name). Raises SopFileError on any syntax problem."""
    name = str(path)
    try:
        if text is None:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise SopFileError([Problem(name, 1, 1, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB: "
                                                        "split it (an SOP or groups file is far smaller)")])
            text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SopFileError([Problem(name, 1, 1, f"not UTF-8 text: {exc.reason} at byte {exc.start}")]) from None
    except OSError as exc:
        raise SopFileError([Problem(name, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    if len(text) > MAX_FILE_BYTES:
        raise SopFileError([Problem(name, 1, 1, f"file is larger than {MAX_FILE_BYTES // 2**20} MiB")])
    fast = plain_or_none(text, MAX_DEPTH)  # stops at MAX_DEPTH on its own, without recursing
    if fast is not None:
        return YamlDocument(path, text=text, plain=fast)
    return YamlDocument(path, _read_exact(name, text))


def _read_exact(name: str, text: str) -> Any:
    """The round-trip tree of ``text``; SopFileError (positioned) on any syntax or bounds problem."""
    too_deep = _flow_depth_problem(name, text)  # the round-trip parser recurses: bound it first
    if too_deep is not None:
        raise SopFileError([too_deep])
    yaml = new_yaml()
    try:
        tree = yaml.load(text)
    except RecursionError:
        raise SopFileError([Problem(name, 1, 1, f"nested deeper than {MAX_DEPTH} levels")]) from None
    except MarkedYAMLError as exc:
        # An unclosed construct is best shown where it opened, not at the end of the file.
        at_end = "end of stream" in (exc.problem or "")
        mark = (exc.context_mark if at_end else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        hint = full_width_hint(text, line)
        if hint is not None:
            raise SopFileError([Problem(name, hint[0], hint[1], f"YAML syntax error: {hint[2]}")]) from None
        raise SopFileError([Problem(name, line, col, f"YAML syntax error: {what}")]) from None
    except YAMLError as exc:
        raise SopFileError([Problem(name, 1, 1, f"YAML error: {exc}")]) from None
    bounded = _bounds_problem(name, tree)
    if bounded is not None:
        raise SopFileError([bounded])
    return tree


def _flow_depth_problem(name: str, text: str) -> Problem | None:
    """A problem where ``[`` and ``{`` open more than :data:`MAX_DEPTH` levels: the parser would
    recurse that deep (seconds, then a RecursionError) before any other check could run.
    Quoted text and comments are not counted."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    depth = 0
    for number, line in enumerate(text.splitlines(), start=1):
        opened = line.count("[") + line.count("{")
        if depth + opened <= MAX_DEPTH and not any(c in line for c in "'\"#"):
            depth = max(0, depth + opened - line.count("]") - line.count("}"))
            continue  # the usual line: counted whole
        quote = ""
        for col, char in enumerate(line, start=1):
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"" and (col == 1 or line[col - 2] in " [{,:"):
                quote = char
            elif char == "#" and (col == 1 or line[col - 2] == " "):
                break
            elif char in "[{":
                depth += 1
                if depth > MAX_DEPTH:
                    return Problem(name, number, col, f"nested deeper than {MAX_DEPTH} levels")
            elif char in "]}":
                depth = max(0, depth - 1)
    return None


def _bounds_problem(name: str, tree: Any) -> Problem | None:
    """A problem when ``tree`` nests deeper than :data:`MAX_DEPTH`, or its aliases expand to more
    than :data:`MAX_ALIAS_VALUES` values beyond the file's own (a "billion laughs" file would take
    minutes and gigabytes to read). Walked without recursion, each node once."""
    expanded: dict[int, int] = {}
    worst: tuple[int, Any] = (0, None)
    stack: list[tuple[Any, int, bool]] = [(tree, 1, False)]
    measuring: set[int] = set()
    distinct = 0
    while stack:
        node, depth, done = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            line, col = _own_position(node)
            return Problem(name, line + 1, col + 1, f"nested deeper than {MAX_DEPTH} levels")
        children = list(node.values()) if isinstance(node, dict) else list(node)
        if done:
            measuring.discard(id(node))
            size = 1 + sum(expanded.get(id(c), 1) for c in children)
            expanded[id(node)] = size
            if getattr(getattr(node, "anchor", None), "value", None) and size > worst[0]:
                worst = (size, node)
            continue
        if id(node) in expanded or id(node) in measuring:
            continue  # an alias of a node already measured (or being measured: a recursive alias)
        measuring.add(id(node))
        distinct += 1 + sum(1 for c in children if not isinstance(c, (dict, list)))
        stack.append((node, depth, True))
        stack += [(c, depth + 1, False) for c in children]
    total = expanded.get(id(tree), 1) if isinstance(tree, (dict, list)) else 1
    if total - distinct > MAX_ALIAS_VALUES:
        line, col = _own_position(worst[1]) if worst[1] is not None else (0, 0)
        anchor = getattr(getattr(worst[1], "anchor", None), "value", "?")
        return Problem(name, line + 1, col + 1, (
            f"aliases expand to {total:,} values ({total - distinct:,} more than written; "
            f"at most {MAX_ALIAS_VALUES:,}): &{anchor} is reused too often"))
    return None


#: Full-width punctuation a Chinese input method types where YAML needs the ASCII character.
FULL_WIDTH = {"：": ("全角冒号", "':'"), "－": ("全角减号", "'-'"), "\u3000": ("全角空格", "an ASCII space")}


def full_width_hint(text: str, error_line: int) -> tuple[int, int, str] | None:
    """(line, col, message) of the full-width character nearest before a syntax error at
    ``error_line`` that YAML could not read as syntax: ``kind：message`` is reported on the line
    after it, as "could not find expected ':'", unless this names it."""
    lines = text.splitlines()
    for number in range(min(error_line, len(lines)), max(0, error_line - 3), -1):
        content = lines[number - 1].split(" #", 1)[0]
        for char, (name, ascii_char) in FULL_WIDTH.items():
            col = content.find(char)
            if col < 0 or (char == "：" and ": " in content[:col]) or (char == "－" and content[:col].strip()):
                continue  # a colon inside a value, a dash inside text: not syntax
            if char == "\u3000" and content[:col].strip():
                continue
            return number, col + 1, (f"{name}「{char}」 where YAML needs {ascii_char}: "
                                     f"{content.strip()!r} (type it with the input method in English mode)")
    return None


def to_plain(node: Any) -> Any:
    """Recursively convert ruamel's round-trip types to plain Python values."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (int, float, bool)) else k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, dt.datetime):
        return dt.datetime(*node.timetuple()[:6], tzinfo=node.tzinfo)
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    return node
