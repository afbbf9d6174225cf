"""Splitting copy under a byte/character limit (sopengine.rendering.text, used by wecom and slack)."""

from __future__ import annotations

from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopengine_slack.blocks import escape
from sopengine.rendering.text import split_text, utf8_size

SPLITTERS = [pytest.param(split_text, id="text")]
copy = st.text(st.sampled_from(list("ab \n") + ["一", "😀", "é", "\u0301", "\u200d", "\ufe0f", "&", "<"]), max_size=300)


@pytest.mark.parametrize("split", SPLITTERS)
@settings(max_examples=200, deadline=None)
@given(text=copy, limit=st.integers(min_value=5, max_value=64))
def test_pieces_fit_and_lose_nothing(split: Callable[..., list[str]], text: str, limit: int) -> None:
    for size in (utf8_size, lambda ch: len(escape(ch))):
        pieces = split(text, limit, size)
        assert all(sum(size(c) for c in p) <= limit for p in pieces)
        assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


@pytest.mark.parametrize("split", SPLITTERS)
def test_lines_are_kept_whole_when_they_fit(split: Callable[..., list[str]]) -> None:
    assert split("早安\n打卡第1天\n今天的作业", 20) == ["早安\n打卡第1天", "今天的作业"]


@pytest.mark.parametrize("split", SPLITTERS)
def test_an_overlong_line_is_cut_between_characters(split: Callable[..., list[str]]) -> None:
    pieces = split("一二三四五😀六", 7)
    assert pieces == ["一二", "三四", "五😀", "六"]


@pytest.mark.parametrize("split", SPLITTERS)
def test_a_joined_emoji_or_accent_is_not_cut_when_avoidable(split: Callable[..., list[str]]) -> None:
    assert split("abcde\u0301f", 6) == ["abcd", "e\u0301f"]
    assert split("ab☀\ufe0f", 6) == ["ab", "☀\ufe0f"]
