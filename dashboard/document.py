"""A plan's document with its targets' sentences highlighted: pure functions, no database.

Each target records its quote and the 1-based line where the quote starts, lines counted as the fixture files
count them: ``text.split("\\n")`` (a ``\\r`` before the ``\\n`` belongs to the line break). A quote is looked for

1. exactly, starting on its stated line (every target of the five fixture plans is found this way);
2. exactly, anywhere: the occurrence starting nearest to the stated line (the document was edited above it);
3. ignoring whitespace and character width (NFKC): the quote typed on one line where the document breaks it,
   a full-width space or a tab the quote does not have; again the occurrence nearest to the stated line.

Quotes found by none of these are returned in ``missing`` so the page can say so. The document comes back as lines
of segments; a segment is plain text or a highlighted span with every quote covering it (quotes may overlap or
coincide: two targets read from one sentence). Escaping is left to the template.
"""

from __future__ import annotations

import bisect
import functools
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise


class Match(StrEnum):
    EXACT = "exact"  # the exact text, starting on the stated line
    MOVED = "moved"  # the exact text, starting on another line
    LOOSE = "loose"  # the same text once whitespace and character width are ignored


@dataclass(frozen=True)
class Quote:
    """What the page knows of one target: its id, its sentence and line, and what to show on the highlight."""

    target_id: int
    text: str
    line: int
    label: str = ""
    number: int = 0


@dataclass(frozen=True)
class Placement:
    quote: Quote
    start: int  # character offsets [start, end) in the document text
    end: int
    line: int  # 1-based line where the match starts
    match: Match


@dataclass(frozen=True)
class Segment:
    text: str
    quotes: tuple[Quote, ...] = ()  # every quote covering this text; empty for plain text
    starts: tuple[Quote, ...] = ()  # the quotes whose first segment this is (they carry the anchors)
    ends: tuple[Quote, ...] = ()  # the quotes whose last segment this is (followed by their links)

    @property
    def highlighted(self) -> bool:
        return bool(self.quotes)

    @property
    def overlap(self) -> bool:
        return len(self.quotes) > 1

    @property
    def anchor(self) -> Quote | None:
        """The quote whose id the segment's element carries."""
        return self.starts[0] if self.starts else None

    @property
    def extra_anchors(self) -> tuple[Quote, ...]:
        """Further quotes starting here: an element has one id, these get empty anchors of their own."""
        return self.starts[1:]

    @property
    def title(self) -> str:
        return " · ".join(q.label for q in self.quotes if q.label)


@dataclass(frozen=True)
class HighlightedDocument:
    lines: list[list[Segment]]
    placements: dict[int, Placement] = field(default_factory=dict)  # by target id
    missing: list[Quote] = field(default_factory=list)


class _Text:
    """The document with its line starts, and (computed only when a quote needs it) its loose form."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        self._loose: tuple[str, list[int]] | None = None

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def line_bounds(self, line: int) -> tuple[int, int]:
        """Offsets [start, end) of the 1-based ``line``, without its line break."""
        start = self.line_starts[line - 1]
        end = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        if end > start and self.text[end - 1] == "\r":
            end -= 1
        return start, end

    @property
    def loose(self) -> tuple[str, list[int]]:
        """The text folded by :func:`_fold`, and for each of its characters the offset it comes from."""
        if self._loose is None:
            chars: list[str] = []
            origins: list[int] = []
            for offset, char in enumerate(self.text):
                folded = _fold_char(char)
                chars.append(folded)
                origins.extend([offset] * len(folded))
            self._loose = "".join(chars), origins
        return self._loose


def _fold(text: str) -> str:
    """Width-folded (NFKC: full-width letters, digits and brackets become ASCII) with every whitespace removed."""
    return "".join(char for char in unicodedata.normalize("NFKC", text) if not char.isspace())


@functools.cache
def _fold_char(char: str) -> str:
    return _fold(char)  # a document uses a few thousand distinct characters: fold each once


def _occurrences(haystack: str, needle: str) -> Iterable[int]:
    pos = haystack.find(needle)
    while pos != -1:
        yield pos
        pos = haystack.find(needle, pos + 1)


def locate(document: _Text, quote: Quote) -> Placement | None:
    """Where ``quote`` is in the document, by the three steps of the module docstring; None if nowhere."""
    text, wanted = document.text, quote.text
    if not wanted.strip():
        return None
    if 1 <= quote.line <= len(document.line_starts):
        line_start, line_end = document.line_bounds(quote.line)
        pos = text.find(wanted, line_start)
        if pos != -1 and pos <= line_end:
            return Placement(quote, pos, pos + len(wanted), quote.line, Match.EXACT)

    def distance(pos: int) -> int:
        return abs(document.line_of(pos) - quote.line)

    exact = min(_occurrences(text, wanted), key=distance, default=None)  # min keeps the first of equals
    if exact is not None:
        return Placement(quote, exact, exact + len(wanted), document.line_of(exact), Match.MOVED)

    loose_text, origins = document.loose
    loose_quote = _fold(wanted)
    if not loose_quote:
        return None
    loose = min(_occurrences(loose_text, loose_quote), key=lambda i: distance(origins[i]), default=None)
    if loose is None:
        return None
    start, end = origins[loose], origins[loose + len(loose_quote) - 1] + 1
    return Placement(quote, start, end, document.line_of(start), Match.LOOSE)


def highlight(text: str, quotes: Sequence[Quote]) -> HighlightedDocument:
    """The document as lines of segments, every quote found highlighted; the quotes not found in ``missing``."""
    document = _Text(text)
    placements: dict[int, Placement] = {}
    missing: list[Quote] = []
    for quote in quotes:
        placement = locate(document, quote)
        if placement is None:
            missing.append(quote)
        else:
            placements[quote.target_id] = placement

    # The placements touching each line, so that each line looks only at its own.
    by_line: dict[int, list[Placement]] = {}
    for placement in placements.values():
        for line in range(placement.line, document.line_of(placement.end - 1) + 1):
            by_line.setdefault(line, []).append(placement)

    count = len(document.line_starts)
    if count > 1 and document.line_starts[-1] == len(text):
        count -= 1  # the text ends with a line break: no empty last line to show
    pieces: list[list[tuple[str, list[Quote]]]] = []
    for line in range(1, count + 1):
        start, end = document.line_bounds(line)
        touching = by_line.get(line, [])
        cuts = sorted({start, end} | {min(max(x, start), end) for p in touching for x in (p.start, p.end)})
        pieces.append(
            [
                (text[a:b], [p.quote for p in touching if p.start <= a and b <= p.end])
                for a, b in pairwise(cuts)
                if a < b
            ]
        )

    # A quote's anchor goes on the first segment it covers and its links after the last one.
    first: dict[int, tuple[int, int]] = {}
    last: dict[int, tuple[int, int]] = {}
    for i, line_pieces in enumerate(pieces):
        for j, (_, covering) in enumerate(line_pieces):
            for quote in covering:
                first.setdefault(quote.target_id, (i, j))
                last[quote.target_id] = (i, j)
    order = {quote.target_id: n for n, quote in enumerate(quotes)}
    lines = []
    for i, line_pieces in enumerate(pieces):
        segments = []
        for j, (chunk, covering) in enumerate(line_pieces):
            covering.sort(key=lambda q: order[q.target_id])
            segments.append(
                Segment(
                    chunk,
                    tuple(covering),
                    tuple(q for q in covering if first[q.target_id] == (i, j)),
                    tuple(q for q in covering if last[q.target_id] == (i, j)),
                )
            )
        lines.append(segments)
    return HighlightedDocument(lines, placements, missing)
