"""The one template and expression environment of sopengine.

Every text field of an SOP is a Jinja2 template and every ``when:`` / ``where:``
is a Jinja2 expression, all evaluated in a single
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` with
:class:`~jinja2.StrictUndefined` (a misspelt name is an error, never an empty
string). Expressions are further restricted to an allow-list of syntax nodes,
and the binary operators that can blow up memory or CPU (``*``, ``**``) are
guarded in both templates and expressions. Contexts hold plain data only.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Mapping

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from sopengine.rendering.template_limits import (
    WIDTH_FILTERS, WIDTH_METHODS, GuardedRange, RenderLimit, bounded_filter, bounded_lipsum, bounded_output,
    check_format_string, check_join, check_time, check_width, end_budget, start_budget,
)

__all__ = [
    "TemplateProblem",
    "check_expression",
    "compile_condition",
    "environment",
    "precompile",
    "referenced_attributes",
    "render_template",
    "template_names",
]

#: Largest string/list a template may build with ``*``.
MAX_REPEAT = 10_000
#: Largest exponent ``**`` accepts.
MAX_EXPONENT = 64

#: Filters an expression may use (templates may use any sandbox-safe filter).
EXPRESSION_FILTERS = frozenset(
    {"abs", "default", "first", "float", "int", "join", "last", "length", "lower",
     "max", "min", "round", "string", "sum", "trim", "upper", "count", "list", "sort", "unique"}
)

_ALLOWED_EXPRESSION_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.Const, nodes.Name, nodes.Getattr, nodes.Getitem,
    nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.Neg, nodes.Pos,
    nodes.Add, nodes.Sub, nodes.Div, nodes.FloorDiv, nodes.Mod, nodes.CondExpr,
    nodes.List, nodes.Tuple, nodes.Dict, nodes.Pair, nodes.Filter, nodes.Test, nodes.Concat,
    nodes.Slice,
)


class TemplateProblem(ValueError):
    """A template or expression that cannot compile, render or evaluate."""


class _GuardedEnvironment(ImmutableSandboxedEnvironment):
    """Sandbox that also refuses huge repetitions, exponents, widths and formats, and checks the
    render's time at every call and attribute read (see :mod:`.template_limits`)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        check_time()
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"exponent {right} is too large")
            return left**right
        if operator == "%":
            if isinstance(left, str):
                check_format_string(left)
            return left % right
        for seq, n in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                if len(seq) * n > MAX_REPEAT:
                    raise SecurityError("repetition result is too large")
        return left * right

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        check_time()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name in WIDTH_METHODS:
                check_width(f"str.{name}", *args, *kwargs.values())
            elif name in ("format", "format_map"):
                check_format_string(owner)
            elif name == "join" and args:
                check_join(owner, list(args[0]) if isinstance(args[0], GuardedRange) else args[0])
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        check_time()
        return super().getattr(obj, attribute)

    def wrap_str_format(self, value: Any) -> Any:
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            check_format_string(owner)  # at access: the sandbox wraps str.format before any call
        return super().wrap_str_format(value)


def _new_environment() -> ImmutableSandboxedEnvironment:
    env = _GuardedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.globals["range"] = GuardedRange
    env.globals["lipsum"] = bounded_lipsum
    for name in [*WIDTH_FILTERS, "join", "format"]:
        if name in env.filters:
            env.filters[name] = bounded_filter(name, env.filters[name])
    return env


_ENV = _new_environment()


def environment() -> ImmutableSandboxedEnvironment:
    """The shared sandboxed environment (plugins may add filters to it)."""
    return _ENV


@lru_cache(maxsize=4096)
def _compiled_template(source: str) -> Any:
    try:
        return _ENV.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}") from None


def render_template(source: str, context: Mapping[str, Any]) -> str:
    """Render ``source`` with ``context``; raise :class:`TemplateProblem` on any failure."""
    if "{" not in source:
        return source
    template = _compiled_template(source)
    started = start_budget()
    try:
        return bounded_output(template.root_render_func(template.new_context(context)))
    except Exception as exc:  # any runtime error of user code (ZeroDivision, TypeError, ...)
        raise _problem(exc, "template", "a template") from None
    finally:
        end_budget(started)


def _problem(exc: Exception, what: str, a_what: str) -> TemplateProblem:
    """How a failure of user code (a template, an expression) is reported."""
    if isinstance(exc, UndefinedError):
        return TemplateProblem(f"undefined name in {what}: {exc.message}")
    if isinstance(exc, RenderLimit):
        return TemplateProblem(f"{what} stopped: {exc}")
    if isinstance(exc, SecurityError):
        return TemplateProblem(f"not allowed in {a_what}: {exc}")
    return TemplateProblem(f"{what} failed: {type(exc).__name__}: {exc}")


def precompile(source: str) -> None:
    """Compile ``source`` now (cached), so its first render costs no compilation; a broken
    template is left for its render to report."""
    if "{" in source:
        try:
            _compiled_template(source)
        except TemplateProblem:
            pass


def check_expression(source: str) -> None:
    """Raise :class:`TemplateProblem` unless ``source`` is an allowed expression."""
    try:
        tree = _ENV.parse("{{ (" + source + ") }}")
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"expression syntax error: {exc.message}") from None
    body = tree.body
    if len(body) != 1 or not isinstance(body[0], nodes.Output) or len(body[0].nodes) != 1:
        raise TemplateProblem("must be a single expression")
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_EXPRESSION_NODES):
            raise TemplateProblem(f"{type(node).__name__.lower()} is not allowed in an expression")
        if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
            raise TemplateProblem(f"attribute {node.attr!r} is not allowed")
        if isinstance(node, nodes.Filter) and node.name not in EXPRESSION_FILTERS:
            raise TemplateProblem(f"filter {node.name!r} is not allowed in an expression")


@lru_cache(maxsize=4096)
def compile_condition(source: str) -> Callable[[Mapping[str, Any]], bool]:
    """Compile an allowed expression into ``context -> bool``.

    The returned callable raises :class:`TemplateProblem` when evaluation fails
    (an undefined fact, a type error): a rule that cannot be evaluated is never
    silently true or false.
    """
    check_expression(source)
    expr = _ENV.compile_expression(source, undefined_to_none=False)

    def evaluate(context: Mapping[str, Any]) -> bool:
        started = start_budget()
        try:
            return bool(expr(**context))
        except Exception as exc:
            raise _problem(exc, "expression", "an expression") from None
        finally:
            end_budget(started)

    return evaluate


@lru_cache(maxsize=4096)
def _parsed(text: str) -> nodes.Template:
    """The syntax tree of ``text`` (shared by the static checks, which only read it)."""
    return _ENV.parse(text)


def template_names(source: str) -> set[str]:
    """Top-level names a template reads (for static checks)."""
    from jinja2 import meta

    try:
        return set(meta.find_undeclared_variables(_parsed(source)))
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"template syntax error: {exc.message}") from None


def referenced_attributes(source: str, name: str, *, expression: bool = False) -> set[str]:
    """Attributes/keys read directly off ``name`` (``vars.host``, ``pools['x']``)."""
    text = "{{ (" + source + ") }}" if expression else source
    try:
        tree = _parsed(text)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"syntax error: {exc.message}") from None
    found: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        target = getattr(node, "node", None)
        if isinstance(target, nodes.Name) and target.name == name:
            if isinstance(node, nodes.Getattr):
                found.add(node.attr)
            elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) \
                    and isinstance(node.arg.value, str):
                found.add(node.arg.value)
    return found
