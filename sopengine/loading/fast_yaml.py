"""A fast first reading of YAML files, through libyaml (PyYAML's C parser).

The position-keeping round-trip loader in :mod:`sopengine.loading.source` is pure Python and
reads a 10,000-group file ten times slower than libyaml. Most files are well formed, and
positions are only needed when something is wrong. So a file is first read here, straight into
the plain values the loader validates. Positions come later, only if a problem must be placed
(the round-trip reading then runs once, lazily).

This reading must give exactly what the round-trip loader gives, so it takes no chances: it
resolves scalars with ruamel.yaml's own YAML 1.2 rules (``on:`` stays a string, ``08:00`` stays
text), keeps dates as text, and gives up (returns ``None``) on anything less plain. That is a
syntax error, a duplicate key, an anchor or alias, an explicit tag or directive, a merge key, a number that
is not plain decimal (``0o17``, ``0x1F``, ``1_000``), a key that is not a scalar, or nesting
deeper than the limit. The caller then reads the file the slow, exact way, which reports any
error at its line.
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
    """libyaml parsing, ruamel's YAML 1.2 scalar rules, plain values or :class:`NotPlain`."""

    yaml_implicit_resolvers = _yaml_12_resolvers()
    yaml_constructors: dict[str | None, Any] = {}


def _scalar(loader: Any, node: Any) -> Any:
    tag, value = node.tag, node.value
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
    raise NotPlain(f"tag {tag}")


def _plain_key(key: Any) -> Any:
    return key if isinstance(key, (int, float, bool, str)) else str(key)


def _mapping(loader: Any, node: Any) -> Any:
    if node.tag != "tag:yaml.org,2002:map":
        raise NotPlain(f"tag {node.tag}")
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            raise NotPlain("complex or merge key")
        key = _plain_key(_scalar(loader, key_node))
        if key in out:
            raise NotPlain("duplicate key")
        out[key] = loader.construct_object(value_node, deep=True)
    return out


def _sequence(loader: Any, node: Any) -> Any:
    if node.tag != "tag:yaml.org,2002:seq":
        raise NotPlain(f"tag {node.tag}")
    return [loader.construct_object(child, deep=True) for child in node.value]


def _any(loader: Any, node: Any) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(loader, node)
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node)
    return _sequence(loader, node)


_PlainLoader.yaml_constructors = {None: _any}

#: Text that may hold a tag (``!foo``, ``!!str``), an anchor (``&name``, so aliases too) or a
#: directive (``%YAML 1.1`` changes the scalar rules): such files are read exactly.
#: Text that may nest deeply in block style: a line indented very far, or many ``- `` / ``? ``
#: opened on one line. libyaml's composer recurses in C, so such a file (which the exact reading
#: reports as too deep, without crashing) must never reach it; flow nesting is bounded before.
_DEEP = re.compile(r"^[ \t]{200}|(?:[-?][ \t]+){100}", re.MULTILINE)
_UNUSUAL = re.compile(r"(?:^|[\s\[{,:-])[!&]|^%", re.MULTILINE)


def plain_or_none(text: str, max_depth: int) -> Any | None:
    """The document in ``text`` as plain values, or ``None`` when it must be read exactly
    (any error, anything unusual, or nesting deeper than ``max_depth``).

    ``None`` is also what an empty document gives, so an empty text is left to the exact
    reading too.
    """
    if not AVAILABLE or not text.strip() or _UNUSUAL.search(text) is not None or _DEEP.search(text) is not None:
        return None
    loader = _PlainLoader(text)
    try:
        if not loader.check_node():
            return None
        node = loader.get_node()
        if loader.check_node():
            return None  # several documents: the exact loader says so
        if _deeper_than(node, max_depth):
            return None
        return loader.construct_document(node)
    except (yaml.YAMLError, NotPlain, RecursionError, TypeError, ValueError):
        return None
    finally:
        loader.dispose()


def _deeper_than(root: Any, limit: int) -> bool:
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        if depth > limit:
            return True
        if isinstance(node, yaml.MappingNode):
            stack += [(v, depth + 1) for _, v in node.value]
        else:
            stack += [(v, depth + 1) for v in node.value]
    return False
