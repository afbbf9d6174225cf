"""One catalogue of operators' words: every language has every word with the same fields, every
word the code asks for exists, and every word in the catalogue is asked for somewhere."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from jinja2 import Environment, meta

from sopengine.words import LANGUAGES, catalogue, say, speaking, state_label, word

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for base in ("sopengine", "plugins") for p in (ROOT / base).rglob("*")
           if p.suffix in (".py", ".html") and p.name not in ("zh.py", "en.py")]
TEMPLATES = {"notices.digest", "notices.reminder", "notices.escalation"}  # Jinja2 texts, not str.format


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def jinja_names(text: str) -> set[str]:
    return set(meta.find_undeclared_variables(Environment().parse(text)))


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_language_has_every_word_with_the_same_fields(lang):
    zh, other = catalogue("zh"), catalogue(lang)
    assert sorted(set(zh) ^ set(other)) == []
    for key, text in zh.items():
        if key in TEMPLATES:
            assert jinja_names(other[key]) == jinja_names(text), key
        else:
            assert fields(other[key]) == fields(text), key


def test_every_word_the_code_asks_for_exists_and_every_word_is_asked_for():
    code = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)
    asked = set(re.findall(r"""(?:say|word)\(\s*["']([a-z_.]+)["']""", code))
    asked |= set(re.findall(r"""["']((?:kind|instruction|dissolution)\.[a-z_.]+)["']""", code))
    prefixes = set(re.findall(r"""(?:say|word)\(\s*f["']([a-z_.]+)\.\{""", code))
    prefixes |= set(re.findall(r"""say\("([a-z_]+)\." ~""", code))  # templates: say("section." ~ s)
    asked = {k for k in asked if not k.endswith(".")}
    words = set(catalogue("zh"))
    assert sorted(asked - words) == []
    unused = sorted(k for k in words if k not in asked and not any(k.startswith(p + ".") for p in prefixes))
    assert unused == []


def test_the_language_is_chosen_and_speaking_one_is_for_a_while():
    assert say("state.overdue") == "已逾期" and state_label("overdue") == "已逾期"
    with speaking("en"):
        assert say("state.overdue") == "overdue"
        assert say("rename.to", name="毕业群") == "Rename the group to “毕业群”"
        assert word("a literal label") == "a literal label" and word("kind.morning_post") == "morning post"
    assert say("kind.morning_post") == "早报"
    with pytest.raises(ValueError, match="no words for language 'fr'"):
        with speaking("fr"):
            pass
    with pytest.raises(KeyError):
        say("state.no_such_state")
