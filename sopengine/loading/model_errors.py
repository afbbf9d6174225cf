"""Turn pydantic ValidationErrors into positioned, readable :class:`Problem` values."""

from __future__ import annotations

import types
import typing
from typing import Any, Iterator, Sequence

from pydantic import BaseModel, ValidationError

from sopengine.model.problems import Problem, did_you_mean
from sopengine.loading.source import Loc, YamlDocument


def problems_from_validation(
    doc: YamlDocument, exc: ValidationError, model: type[BaseModel], prefix: Loc = (), label: str = ""
) -> list[Problem]:
    """One problem per distinct place in ``doc``, in the order pydantic found them.

    ``prefix`` is where the validated value sits inside the document (e.g.
    ``("steps", 3)`` when one step was validated on its own) and ``label``
    names it in messages (``step 'morning'``).
    """
    lead = f"{label}: " if label else ""
    data = doc.plain()
    seen: set[tuple[Any, ...]] = set()
    problems: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(error["loc"])
        real = _existing_prefix(data, loc)
        kind = error["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            allowed = _fields_at(model, tuple(error["loc"])[:-1])
            message = f"{lead}unknown key {key!r}{did_you_mean(key, allowed)}"
            where, at_key = real, True
        elif kind == "missing":
            message = f"{lead}missing required key {str(loc[-1])!r}"
            where, at_key = real, False
        else:
            inner = loc[len(prefix):] if label else loc
            message = f"{lead}{_describe(inner, real[len(prefix):] if label else real)}: {_clean(error['msg'])}"
            where, at_key = real, False
        marker = (tuple(where), kind == "missing" and loc[-1])
        if marker in seen:
            continue
        seen.add(marker)
        problems.append(doc.problem(where, message, key=at_key))
    return problems


def _existing_prefix(data: Any, loc: Sequence[Any]) -> tuple[Any, ...]:
    """The longest prefix of ``loc`` that exists in ``data``."""
    node, out = data, []
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            break
        out.append(part)
    return tuple(out)


def _describe(loc: Sequence[Any], real: Sequence[Any]) -> str:
    # Union-member names pydantic adds (e.g. 'list[str]') are not the user's words.
    shown = [p for p in loc[: max(len(real), 1)] if not (isinstance(p, str) and "[" in p)]
    text = ""
    for part in shown:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "value"


def _clean(message: str) -> str:
    return message.removeprefix("Value error, ")


def _fields_at(model: type[BaseModel], path: Sequence[Any]) -> list[str]:
    """Field names of the model found at ``path`` inside ``model`` (best effort)."""
    current: Any = model
    for part in path:
        current = _step_into(current, part)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _step_into(annotation: Any, part: Any) -> Any:
    for candidate in _flatten(annotation):
        if _is_model(candidate) and isinstance(part, str) and part in candidate.model_fields:
            return candidate.model_fields[part].annotation
        origin = typing.get_origin(candidate)
        if isinstance(part, int) and origin in (list, tuple):
            return typing.get_args(candidate)[0]
        if isinstance(part, str) and origin is dict:
            return typing.get_args(candidate)[1]
    return None


def _flatten(annotation: Any) -> Iterator[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from _flatten(arg)
    elif origin is typing.Annotated:
        yield from _flatten(typing.get_args(annotation)[0])
    else:
        yield annotation


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)
