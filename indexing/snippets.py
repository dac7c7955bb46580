"""Search-result snippets: a short window of the original page text with the matches marked.

Pure, shared by every backend. Matching runs on the folded key of the text (accent-insensitive,
so exact and folded matches are both marked). The key has one character per character of the NFC
text, so a match found in the key is marked at the same offsets in the original text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from indexing.page_keys import folded_view
from indexing.query import QueryPart, token_spans, tokens_after, word_spans
from vntext.normalise import nfc

__all__ = ["SNIPPET_CHARS", "TextMatch", "find_matches", "snippet"]

SNIPPET_CHARS = 200
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class TextMatch:
    """Where in a page's text a query part matched: [start, end) of the NFC text."""

    start: int
    end: int
    part: int  # index of the query part that matched


def find_matches(text: str, parts: Sequence[QueryPart]) -> list[TextMatch]:
    """Every place in NFC `text` where a query part's folded tokens stand in a row, in order.

    Each part's first token is found by substring search (indexing.query.word_spans) and the
    tokens after it cut one by one: the whole text is cut into tokens only where that cannot
    tell (a combining mark before a match)."""
    folded = folded_view(text)
    matches = []
    for number, part in enumerate(parts):
        starts = word_spans(folded, part.folded[0])
        if starts is None:
            return _cut_matches(folded, parts)
        rest = part.folded[1:]
        for start, end in starts:
            if rest:
                after = tokens_after(folded, end, len(rest))
                if [folded[a:b] for a, b in after] != list(rest):
                    continue
                end = after[-1][1]
            matches.append(TextMatch(start, end, number))
    return sorted(matches, key=lambda m: (m.start, -m.end))


def _cut_matches(folded: str, parts: Sequence[QueryPart]) -> list[TextMatch]:
    """find_matches by cutting the whole folded text into tokens."""
    spans = token_spans(folded)
    tokens = [folded[start:end] for start, end in spans]
    where: dict[str, list[int]] = {}
    for index, token in enumerate(tokens):
        where.setdefault(token, []).append(index)
    matches = []
    for number, part in enumerate(parts):
        size = len(part.folded)
        for first in where.get(part.folded[0], []):
            if tuple(tokens[first : first + size]) == part.folded:
                matches.append(TextMatch(spans[first][0], spans[first + size - 1][1], number))
    return sorted(matches, key=lambda m: (m.start, -m.end))


def _best_run(matches: list[TextMatch], width: int) -> tuple[int, int]:
    """(start, end) of the first run of matches within `width` chars showing the most parts."""
    wanted = len({m.part for m in matches})
    best, best_count = (matches[0].start, matches[0].end), 0
    for first, anchor in enumerate(matches):
        limit = max(anchor.start + width, anchor.end)
        shown, end = set(), anchor.end
        for match in matches[first:]:
            if match.start >= limit:
                break
            if match.end <= limit:
                shown.add(match.part)
                end = max(end, match.end)
        if len(shown) > best_count:
            best, best_count = (anchor.start, end), len(shown)
        if best_count == wanted:
            break
    return best


def _window(text: str, run: tuple[int, int], width: int) -> tuple[int, int]:
    """A window of about `width` chars around `run`, some context before it, cut at spaces."""
    run_start, run_end = run
    slack = max(0, width - (run_end - run_start))
    start = max(0, run_start - slack // 3)
    end = min(len(text), max(run_end, start + width))
    start = max(0, min(start, end - width))
    if start > 0 and not text[start - 1].isspace():  # do not start mid-word
        start = next((i + 1 for i in range(start, run_start) if text[i].isspace()), start)
    if end < len(text) and not text[end].isspace():  # do not end mid-word
        end = next((i for i in range(end - 1, run_end - 1, -1) if text[i].isspace()), end)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _merged(matches: list[TextMatch], start: int, end: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in matches:
        if match.start < start or match.end > end:
            continue
        if spans and match.start < spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], match.end))
        else:
            spans.append((match.start, match.end))
    return spans


def _escape(text: str) -> str:
    return html.escape(_SPACE.sub(" ", text), quote=False)


def _render(text: str, start: int, end: int, marks: list[tuple[int, int]]) -> str:
    out = ["…"] if start > 0 else []
    at = start
    for mark_start, mark_end in marks:
        out.append(_escape(text[at:mark_start]))
        out.append(f"<mark>{_escape(text[mark_start:mark_end])}</mark>")
        at = mark_end
    out.append(_escape(text[at:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def snippet(text: str, parts: Sequence[QueryPart], width: int = SNIPPET_CHARS) -> str:
    """HTML-escaped text around the best match, matches wrapped in <mark>…</mark>.

    Without a match (or without parts) the snippet is the beginning of the text.
    """
    original = nfc(text)
    matches = find_matches(original, parts) if parts else []
    run = _best_run(matches, width) if matches else (0, 0)
    start, end = _window(original, run, width)
    return _render(original, start, end, _merged(matches, start, end))
