"""A fast first reading of YAML files, through libyaml (PyYAML's C parser).

The position-keeping round-trip loader in :mod:`sopengine.loading.source` is pure Python and
reads a 10,000-group file ten times slower than libyaml. Most files are well formed, and
positions are only needed when something is wrong. So a file is first read here, straight into
the plain values the loader validates. Positions come later, only if a problem must be placed
(the round-trip reading then runs once, lazily).

This reading must give exactly what the round-trip loader gives, so it takes no chances: it
resolves scalars with ruamel.yaml's own YAML 1.2 rules (``on:`` stays a string, ``08:00`` stays
text), keeps dates as text, and gives up (returns ``None``) on anything less plain. That is a
syntax error, a duplicate key, an anchor or alias, an explicit tag or directive, a merge key, a
number that is not plain decimal (``0o17``, ``0x1F``, ``1_000``), a key that is not a scalar, a
tab or byte-order mark, or nesting deeper than the limit. The caller then reads the file the
slow, exact way, which reports any error at its line. Values are built from libyaml's event
stream, never through its composer, which recurses in C.
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from ruamel.yaml.resolver import implicit_resolvers

#: Whether PyYAML was built with libyaml (else the fast path would be slower than the slow one).
AVAILABLE = bool(getattr(yaml, "__with_libyaml__", False))

_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOATS = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf,
                   "+.INF": math.inf, "-.inf": -math.inf, "-.Inf": -math.inf, "-.INF": -math.inf,
                   ".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan}


class NotPlain(Exception):
    """The document uses something this reading leaves to the exact loader."""


def _yaml_12_resolvers() -> dict[str | None, list[tuple[str, Any]]]:
    """ruamel.yaml's YAML 1.2 implicit resolvers (tag, regexp), in PyYAML's first-character index."""
    index: dict[str | None, list[tuple[str, Any]]] = {}
    for versions, tag, regexp, first in implicit_resolvers:
        if (1, 2) not in versions:
            continue
        for char in first:
            index.setdefault(char, []).append((tag, regexp))
    return index


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainLoader(_Base):
    """libyaml's parser with ruamel's YAML 1.2 scalar rules (only its events are used)."""

    yaml_implicit_resolvers = _yaml_12_resolvers()


def _scalar(tag: str, value: str) -> Any:
    if tag == "tag:yaml.org,2002:str" or tag == "tag:yaml.org,2002:timestamp":
        return value  # dates stay text, as in the exact loader
    if tag == "tag:yaml.org,2002:int":
        if _DECIMAL_INT.match(value):
            return int(value)
        raise NotPlain(f"integer {value!r}")
    if tag == "tag:yaml.org,2002:float":
        if value in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[value]
        if _PLAIN_FLOAT.match(value):
            return float(value)
        raise NotPlain(f"float {value!r}")
    if tag == "tag:yaml.org,2002:bool":
        return value in ("true", "True", "TRUE")
    if tag == "tag:yaml.org,2002:null":
        return None
    raise NotPlain(f"tag {tag}")  # a merge key (<<) among them


def _plain_key(key: Any) -> Any:
    return key if isinstance(key, (int, float, bool, str)) else str(key)


_NO_KEY = object()

#: Text the fast reading leaves to the exact one: a tag (``!foo``, ``!!str``), an anchor
#: (``&name``, so aliases too), a directive (``%YAML 1.1`` changes the scalar rules), a tab
#: (ruamel rejects some that libyaml takes), a byte-order mark (which hides a directive from
#: this pattern) and a quoted key glued to its colon (``["a":b]``, also read differently).
_UNUSUAL = re.compile(r"(?:^|[\s\[{,:-])[!&]|^%|\t|\ufeff|[\"']:[^\s]", re.MULTILINE)


def plain_or_none(text: str, max_depth: int) -> Any | None:
    """The document in ``text`` as plain values, or ``None`` when it must be read exactly
    (any error, anything unusual, or nesting deeper than ``max_depth``).

    Values are built from libyaml's event stream with an explicit stack (libyaml parses without
    recursion, and so does this), so no nesting, however deep, can exhaust the C stack: past
    ``max_depth`` the exact reading takes over and reports it. ``None`` is also what an empty
    document gives, so an empty text is left to the exact reading too.
    """
    if not AVAILABLE or not text.strip() or _UNUSUAL.search(text) is not None:
        return None
    loader = _PlainLoader(text)
    try:
        return _build(loader, max_depth)
    except (yaml.YAMLError, NotPlain, TypeError, ValueError):
        return None
    finally:
        loader.dispose()


def _build(loader: Any, max_depth: int) -> Any | None:
    """The one document of the stream as plain values (None: several, or none)."""
    loader.get_event()  # stream start
    if loader.check_event(yaml.StreamEndEvent):
        return None
    loader.get_event()  # document start
    stack: list[list[Any]] = []  # [container, pending key] per open collection
    # one string object per distinct text: a fleet's groups repeat their keys, tags, channels,
    # operators and pool items thousands of times, and the groups are kept for the whole apply
    texts: dict[str, str] = {}
    root: Any = _NO_KEY
    while root is _NO_KEY:
        event = loader.get_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise NotPlain("anchor or alias")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            if event.tag is not None and not event.implicit:
                raise NotPlain(f"tag {event.tag}")
            if len(stack) >= max_depth:
                return None
            stack.append([{} if isinstance(event, yaml.MappingStartEvent) else [], _NO_KEY])
            continue
        if isinstance(event, yaml.ScalarEvent):
            if event.tag is not None and event.tag != "!":
                raise NotPlain(f"tag {event.tag}")
            tag = loader.resolve(yaml.ScalarNode, event.value, event.implicit)
            value, is_scalar = _scalar(tag, event.value), True
            if type(value) is str:
                value = texts.setdefault(value, value)
        else:  # the end of a mapping or a sequence
            value, is_scalar = stack.pop()[0], False
        if not stack:
            root = value
            continue
        parent = stack[-1]
        if isinstance(parent[0], list):
            parent[0].append(value)
        elif parent[1] is _NO_KEY:
            if not is_scalar:
                raise NotPlain("a key that is not a scalar")
            key = _plain_key(value)
            if key in parent[0]:
                raise NotPlain("duplicate key")
            parent[1] = key
        else:
            parent[0][parent[1]] = value
            parent[1] = _NO_KEY
    loader.get_event()  # document end
    if not loader.check_event(yaml.StreamEndEvent):
        return None  # several documents: the exact loader says so
    return root
