"""Every render is bounded in time and in size; exceeding a bound is a clear problem, fast."""

from __future__ import annotations

import time

import pytest

from sopengine.rendering.templating import TemplateProblem, compile_condition, render_template
from sopengine.rendering.template_limits import RENDER_SECONDS

COSTLY = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "format width": "{{ '{:>900000000}'.format('x') }}",
    "center": "{{ 'x'|center(900000000) }}",
    "indent": "{{ 'x'|indent(900000000) }}",
    "join": "{{ range(100000)|join('x' * 9000) }}",
    "percent": "{{ '%0900000000d' % 1 }}",
    "format filter": "{{ '%0900000000d'|format(1) }}",
    "lipsum": "{{ lipsum(n=100000) }}",
    "ljust": "{{ 'x'.ljust(900000000) }}",
    "str join": "{{ ('x' * 9000).join(range(100000)|map('string')) }}",
    "output": "{% for i in range(100000) %}{{ 'x' * 9000 }}{% endfor %}",
    "fact loop": "{% for a in group.names %}{% for b in group.names %}{% for c in group.names %}"
                 "{% endfor %}{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("source", COSTLY.values(), ids=COSTLY.keys())
def test_a_costly_template_is_stopped_with_a_clear_problem(source):
    started = time.monotonic()
    with pytest.raises(TemplateProblem, match="template stopped: "):
        render_template(source, {"group": {"names": list(range(5000))}})
    assert time.monotonic() - started < RENDER_SECONDS + 1.5


def test_ordinary_templates_are_untouched():
    text = render_template("{{ range(3)|join(', ') }}|{{ range(5)|length }}|{{ range(5)|last }}|"
                           "{{ '%05.1f' % 3.14159 }}|"
                           "{{ '{:>4}'.format('a') }}|{{ 'ab'|center(6) }}|{{ '{:,}'.format(1234567) }}|"
                           "{{ '%s=%d'|format('a', 3) }}", {})
    assert text == "0, 1, 2|5|4|003.1|   a|  ab  |1,234,567|a=3"


def test_a_condition_is_bounded_too():
    with pytest.raises(TemplateProblem, match="expression stopped"):
        compile_condition("group.names|join(group.sep)|length > 0")(
            {"group": {"names": list(range(100000)), "sep": "x" * 9000}})


def test_a_bound_in_one_render_does_not_carry_into_the_next():
    with pytest.raises(TemplateProblem):
        render_template(COSTLY["nested loops"], {})
    assert render_template("{{ 1 + 1 }}", {}) == "2"
