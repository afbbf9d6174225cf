"""Operators' words: every label, instruction, state name and heading people read, in one
catalogue per language (:mod:`.zh`, the default, and :mod:`.en`).

Code asks for a word by key (``say("state.overdue")`` → 已逾期 / overdue), with fields for the
ones that carry values (``say("red_packet.send", amount=…)``). Kinds and plugins may also give a
literal text where a key is accepted (:func:`word`): a plugin's own kind labels itself.

The language is the process's (``sopengine --lang en`` or ``SOPENGINE_LANG=en``), held in a
context variable so a test or a request can speak another one for a while (:func:`speaking`).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator, Mapping

from sopengine.words import en, zh

#: Languages with a catalogue, the default first.
LANGUAGES = ("zh", "en")
DEFAULT = "zh"
_CATALOGUES: Mapping[str, Mapping[str, str]] = {"zh": zh.WORDS, "en": en.WORDS}
_language: ContextVar[str] = ContextVar("sopengine_language", default=DEFAULT)


def catalogue(lang: str | None = None) -> Mapping[str, str]:
    """The words of ``lang`` (the current language by default)."""
    return _CATALOGUES[lang or _language.get()]


def say(key: str, **fields: Any) -> str:
    """The word for ``key`` in the current language, its ``{fields}`` filled in. KeyError for a
    key no catalogue has (a typo is a bug, never a blank label)."""
    text = catalogue().get(key)
    if text is None:
        text = _CATALOGUES[DEFAULT][key]
    return text.format(**fields) if fields else text


def word(text_or_key: str, **fields: Any) -> str:
    """:func:`say` for a catalogue key; anything else is a literal text, given back as written."""
    return say(text_or_key, **fields) if text_or_key in _CATALOGUES[DEFAULT] else text_or_key


def language() -> str:
    """The current language."""
    return _language.get()


def set_language(lang: str) -> None:
    """Speak ``lang`` from now on in this context (the CLI sets it once, from ``--lang``)."""
    if lang not in _CATALOGUES:
        raise ValueError(f"no words for language {lang!r} (known: {', '.join(LANGUAGES)})")
    _language.set(lang)


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak ``lang`` inside the block, then what was spoken before."""
    if lang not in _CATALOGUES:
        raise ValueError(f"no words for language {lang!r} (known: {', '.join(LANGUAGES)})")
    token = _language.set(lang)
    try:
        yield
    finally:
        _language.reset(token)


def state_label(state: str) -> str:
    """How people read an action's state (已逾期 / overdue)."""
    return word(f"state.{state}") if f"state.{state}" in _CATALOGUES[DEFAULT] else state


__all__ = ["DEFAULT", "LANGUAGES", "catalogue", "language", "say", "set_language", "speaking", "state_label",
           "word"]
