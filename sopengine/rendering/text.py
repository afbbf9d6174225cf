"""Splitting long copy into bodies under a size limit (UTF-8 bytes or characters), at line boundaries where possible."""

from __future__ import annotations

from typing import Callable

_JOINERS = frozenset({"\u200d", "\ufe0e", "\ufe0f"})  # ZWJ and variation selectors bind to their neighbours


def utf8_size(ch: str) -> int:
    return len(ch.encode("utf-8"))


def split_text(text: str, limit: int, size: Callable[[str], int] = utf8_size) -> list[str]:
    """Pieces of ``text``, each of at most ``limit`` (by ``size``, additive per character).

    Whole lines are packed greedily and rejoined with ``\\n``; a line longer than
    ``limit`` on its own is cut between characters (never inside one), preferring
    not to separate an emoji from its joiner or a base from its combining mark.
    Joining the pieces with ``\\n`` where lines were packed gives ``text`` back.
    ValueError if one character alone exceeds ``limit``.
    """
    pieces: list[str] = []
    current: list[str] = []
    used = 0
    for line in text.split("\n"):
        line_size = sum(size(c) for c in line)
        if current and used + size("\n") + line_size <= limit:
            current.append(line)
            used += size("\n") + line_size
            continue
        if current:
            pieces.append("\n".join(current))
        if line_size <= limit:
            current, used = [line], line_size
            continue
        cuts = _cut_line(line, limit, size)
        pieces.extend(cuts[:-1])
        current, used = [cuts[-1]], sum(size(c) for c in cuts[-1])
    pieces.append("\n".join(current))
    return pieces


def _cut_line(line: str, limit: int, size: Callable[[str], int]) -> list[str]:
    cuts: list[str] = []
    start = used = 0
    for i, ch in enumerate(line):
        width = size(ch)
        if width > limit:
            raise ValueError(f"limit {limit} cannot hold the character {ch!r}")
        if used + width > limit:
            cut = _soft_cut(line, start, i)
            if sum(size(c) for c in line[cut:i + 1]) > limit:  # the carried joiners would not fit
                cut = i
            cuts.append(line[start:cut])
            start = cut
            used = sum(size(c) for c in line[start:i])
        used += width
    cuts.append(line[start:])
    return cuts


def _soft_cut(line: str, start: int, cut: int) -> int:
    """``cut`` moved back (at most 8 characters, never to ``start``) off a joined sequence."""
    import unicodedata  # a 1 MB extension module; only over-long lines need it

    for candidate in range(cut, max(start, cut - 8), -1):
        after, before = line[candidate], line[candidate - 1]
        if after not in _JOINERS and before != "\u200d" and not unicodedata.combining(after):
            return candidate
    return cut
