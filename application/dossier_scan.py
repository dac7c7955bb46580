"""A dossier's scan as read, held in memory flat in its number of pages.

Of each page of the scan (numbered across the dossier's files) this keeps its head (the page as
read, without the engine's words), what cutting the scan reads of it (classify.segment.page_cues)
and the image hashes of the page as loaded (what a document's near-duplicate fingerprint takes
from its first page). The words, most of a page's reading, stay in the page spool the page was
kept in (application/page_spool.py) and are loaded back, one page at a time, for the document
being built or stored, or for the dossier package being written. A page kept in no spool (from
a secrecy mark on: nothing of a state secret at rest in clear) is held whole in memory.

    scan = ScanPages()
    for read in read_spooled(...): scan.add(read)   # as each page is taken
    segment_cues(scan.cues)                         # cut from the cues alone
    scan.pages_of([3, 4])                           # a document's pages, words loaded back

As a `Sequence[Page]` it is every page with its words, each loaded as it is reached (what the
dossier package writes, one page at a time).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from application.page_spool import PageSpool, SpooledPage
from classify.segment import PageCues, page_cues
from dedup import ImageHashes
from schemas import Page, Record

__all__ = ["ScanPages"]


class ScanPages(Sequence[Page]):
    """Every page of a dossier scan, in order, its words in the page spool (see the module)."""

    def __init__(self) -> None:
        self._heads: list[Page] = []  # without words
        self._cues: list[PageCues] = []
        self._hashes: list[ImageHashes | None] = []
        self._words: list[tuple[PageSpool, int] | Page] = []  # where: spool and its page, or whole
        self._hidden: frozenset[int] = frozenset()

    def add(self, read: SpooledPage) -> Page:
        """Take the next page as read (numbered on from the pages before it); return its head."""
        page = read.result.page
        number = len(self._heads) + 1
        if page.number != number:  # a file after the first: numbered on from it
            page = page.model_copy(update={"number": number})
        head = page.model_copy(update={"words": []})
        self._heads.append(head)
        self._cues.append(page_cues(page))
        self._hashes.append(read.hashes)
        self._words.append((read.spool, read.result.page.number) if read.spool is not None else page)
        return head

    def take_in(self, spool: PageSpool) -> None:
        """Hold whole in memory the pages kept in `spool`, which is about to be removed."""
        for index, where in enumerate(self._words):
            if isinstance(where, tuple) and where[0] is spool:
                self._words[index] = self._load(index)

    @property
    def held_whole(self) -> list[int]:
        """The pages whose words are held in memory (kept in no spool), by number."""
        return [n for n, where in enumerate(self._words, start=1) if isinstance(where, Page)]

    @property
    def heads(self) -> list[Page]:
        """Every page without its words."""
        return [self._head(n) for n in range(1, len(self._heads) + 1)]

    @property
    def cues(self) -> list[PageCues]:
        """What cutting the scan reads of each page."""
        return list(self._cues)

    def hashes(self, number: int) -> ImageHashes:
        """The image hashes of page `number` as loaded, taken while it was read."""
        hashes = self._hashes[number - 1]
        if hashes is None:
            raise ValueError(f"scan page {number}: no image hashes taken")
        return hashes

    def page(self, number: int) -> Page:
        """Page `number` with its words (loaded back from the spool)."""
        if number in self._hidden:
            return self._head(number)
        where = self._words[number - 1]
        return where if isinstance(where, Page) else self._load(number - 1)

    def pages_of(self, numbers: Iterable[int]) -> list[Page]:
        return [self.page(n) for n in numbers]

    def with_words(self, record: Record) -> Record:
        """`record` (a document of this scan, its pages without words) with its pages' words."""
        if record.dossier is None:
            raise ValueError(f"record {record.id} is no document of a dossier")
        words = [self.page(n).words for n in record.dossier.pages]
        pages = [p.model_copy(update={"words": w}) for p, w in zip(record.pages, words, strict=True)]
        return record.model_copy(update={"pages": pages})

    def without(self, hidden: Iterable[int]) -> ScanPages:
        """The same scan with the text and words of the `hidden` pages left out."""
        view = copy.copy(self)
        view._hidden = self._hidden | frozenset(hidden)
        return view

    def _head(self, number: int) -> Page:
        head = self._heads[number - 1]
        return head.model_copy(update={"text": ""}) if number in self._hidden else head

    def _load(self, index: int) -> Page:
        where = self._words[index]
        if isinstance(where, Page):
            return where
        spool, local = where
        kept = spool.load(local)
        if kept is None:
            raise RuntimeError(f"scan page {index + 1}: its words are no longer in the page spool")
        return self._heads[index].model_copy(update={"words": kept.result.page.words})

    # ---- Sequence[Page]: every page with its words, loaded as reached ----

    def __len__(self) -> int:
        return len(self._heads)

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> list[Page]: ...
    def __getitem__(self, index: int | slice) -> Page | list[Page]:
        if isinstance(index, slice):
            return [self.page(n + 1) for n in range(len(self))[index]]
        return self.page(range(1, len(self) + 1)[index])

    def __iter__(self) -> Iterator[Page]:
        for number in range(1, len(self) + 1):
            yield self.page(number)
