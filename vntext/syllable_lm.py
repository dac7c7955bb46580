"""A syllable-level model of written Vietnamese: how common each syllable is, and which pairs of
syllables are known to stand together (inside a word: "kiểm tra", "khẩn cấp", "năng khiếu").

It answers one question for the OCR diacritic correction (ocr/diacritics.py): among the syllables
spelled with the same letters as a word read without confidence (khân: khẩn, khăn, khán...; sông:
sống, sóng, song...), which does the context make most likely, and by how much.

The base model is vntext/data/syllable_lm.tsv.gz (built by vntext/build_syllable_lm.py from
Tesseract's vie word list, wordfreq's Vietnamese frequencies and pyvi's word list; sources and
licences in its header). It grows from the archive's own pages: `learn` counts the syllable pairs
of text read with high confidence, `save_learned` / `load_learned` keep those counts in a small
TSV beside the archive. The counts give a third estimate, the share of a syllable's followers on
the archive's pages, weighted by how often that syllable was seen (n / (n + LEARNED_K)).

Syllables are compared in one form: NFC, lower case, tones of open oa/oe/uy on the first vowel
(`syllable_key`): "Hoà" and "hòa" are one syllable.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from vntext.normalise import canonical_tones, fold, nfc
from vntext.syllables import is_syllable

__all__ = [
    "BASE_MODEL",
    "LEARNED_FILE",
    "LEARNED_K",
    "PAIR_WEIGHT",
    "UNKNOWN_CB",
    "SyllableModel",
    "active_model",
    "base_model",
    "syllable_key",
    "use_learned",
]

log = logging.getLogger(__name__)

BASE_MODEL = Path(__file__).resolve().parent / "data" / "syllable_lm.tsv.gz"
UNKNOWN_CB = 800  # centibels of a syllable no source knows: rarer than any listed (<= 650)
LEARNED_K = 50  # the archive's own counts weigh n / (n + LEARNED_K) for a syllable seen n times
PAIR_WEIGHT = 0.95  # the bigram estimate's share against the unigram frequency


@functools.lru_cache(maxsize=65536)
def syllable_key(word: str) -> str:
    """The form syllables are compared in: NFC, lower case, hòa not hoà."""
    return canonical_tones(nfc(word)).lower()


class SyllableModel:
    """Unigram frequencies (centibels: frequency = 10^(-cB/100)) and known bigrams."""

    def __init__(
        self,
        unigrams: dict[str, int],
        bigrams: Iterable[tuple[str, str]],
        name_bigrams: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.unigrams = dict(unigrams)
        self.bigrams = set(bigrams)  # inside words
        self.name_bigrams = set(name_bigrams)  # inside place names only
        self.learned: Counter[tuple[str, str]] = Counter()  # pairs read on the archive's pages
        self.learned_first: Counter[str] = Counter()  # ... counted by their first syllable
        self.name = "base"  # which model this is, for the page's record: "base" or "learned:..."
        # the summed frequency of each syllable's known successors (inside words or names)
        self.successor_mass: defaultdict[str, float] = defaultdict(float)
        for first, second in self.bigrams | self.name_bigrams:
            self.successor_mass[first] += self._frequency(second)
        self._by_fold: dict[str, list[str]] = defaultdict(list)
        for syllable in sorted(self.unigrams):
            self._by_fold[fold(syllable)].append(syllable)

    @classmethod
    def load(cls, path: Path = BASE_MODEL) -> SyllableModel:
        unigrams: dict[str, int] = {}
        bigrams: dict[str, list[tuple[str, str]]] = {"b": [], "n": []}
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                kind, _, rest = line.rstrip("\n").partition("\t")
                if kind == "u":
                    syllable, _, centibels = rest.partition("\t")
                    unigrams[syllable] = int(centibels)
                elif kind in bigrams:
                    first, _, second = rest.partition(" ")
                    bigrams[kind].append((first, second))
        return cls(unigrams, bigrams["b"], bigrams["n"])

    def __contains__(self, syllable: str) -> bool:
        return syllable_key(syllable) in self.unigrams

    def centibels(self, syllable: str) -> int:
        """How rare a syllable is: -100 log10 of its frequency (UNKNOWN_CB when unknown)."""
        return self.unigrams.get(syllable_key(syllable), UNKNOWN_CB)

    def known_pair(self, first: str, second: str, *, kind: str = "words") -> bool:
        """Whether the two syllables are known to stand together: `kind` "words" inside a word,
        "names" inside a place name, "any" either."""
        pair = (syllable_key(first), syllable_key(second))
        in_words = kind != "names" and pair in self.bigrams
        return in_words or (kind != "words" and pair in self.name_bigrams)

    def _frequency(self, syllable: str) -> float:
        return 10 ** (-self.unigrams.get(syllable, UNKNOWN_CB) / 100)

    def log_prob(self, syllable: str, after: str | None = None, *, kind: str = "words") -> float:
        """log10 P(syllable | the syllable before it): the unigram frequency interpolated with a
        bigram estimate, which shares the probability among the known successors of the syllable
        before in proportion to their frequencies (a syllable found in many words says less about
        its neighbour). `kind`: which known pairs count (see `known_pair`)."""
        unigram = self._frequency(syllable_key(syllable))
        if after is None:
            return math.log10(unigram)
        first, second = syllable_key(after), syllable_key(syllable)
        bigram = 0.0
        if self.known_pair(first, second, kind=kind):
            bigram = unigram / max(self.successor_mass[first], unigram)
        estimate = PAIR_WEIGHT * bigram + (1 - PAIR_WEIGHT) * unigram
        seen = self.learned_first.get(first, 0)
        if seen:
            weight = seen / (seen + LEARNED_K)
            estimate = (1 - weight) * estimate + weight * self.learned.get((first, second), 0) / seen
        return math.log10(estimate)

    def variants(self, word: str) -> list[str]:
        """The known syllables spelled with the same letters as `word` (diacritics and đ/d
        aside), in their compared form; `word`'s own form among them only when known."""
        return self._by_fold.get(fold(syllable_key(word)), [])

    # --- growth from the archive's own pages ----------------------------------------------------

    def learn(self, lines: Iterable[Iterable[str]]) -> int:
        """Count the neighbouring syllable pairs of each line of words (text read with high
        confidence); a word that is no Vietnamese syllable breaks the chain. Returns pairs added."""
        added = 0
        for line in lines:
            previous = None
            for word in line:
                syllable = syllable_key(word.strip(".,;:!?()[]{}\"'“”‘’«»…"))
                if not is_syllable(syllable):
                    previous = None
                    continue
                if previous is not None:
                    self.learned[(previous, syllable)] += 1
                    self.learned_first[previous] += 1
                    added += 1
                previous = None if word.endswith((".", ",", ";", ":", "!", "?")) else syllable
        return added

    def save_learned(self, path: Path) -> None:
        rows = sorted(self.learned.items())
        path.write_text("".join(f"{a} {b}\t{n}\n" for (a, b), n in rows), encoding="utf-8")

    def load_learned(self, path: Path) -> None:
        """Add the counts kept in `path`; the model's `name` becomes "learned:<pairs>:<sha256 of
        the file, 12 digits>" (what a page's "text" step records)."""
        data = path.read_bytes()
        for row in data.decode("utf-8").splitlines():
            pair, _, count = row.partition("\t")
            first, _, second = pair.partition(" ")
            if first and second and count.isdigit():
                self.learned[(first, second)] += int(count)
                self.learned_first[first] += int(count)
        digest = hashlib.sha256(data).hexdigest()[:12]
        self.name = f"learned:{sum(self.learned.values())}:{digest}"


@functools.cache
def base_model() -> SyllableModel:
    """The shipped model, loaded once per process (~0.1 s). Never grown in place."""
    return SyllableModel.load()


# --- the model the OCR uses: the shipped one, grown by the archive's learned counts if any ------
#
# The path of the learned counts (<SOHOA_HOME>/syllable_pairs.tsv, written by
# application/syllable_learning.py) is set by the application layer when a process builds its
# services (application.services.build_services): the OCR layer does not know the settings.
# Without it, or while the file does not exist or cannot be read (logged), the shipped model is
# used. The grown model is loaded once per version of the file (its size and
# modification time): a worker picks up counts learned again at its next page, and each page
# records the model's `name`.

LEARNED_FILE = "syllable_pairs.tsv"  # the learned counts' file name in an archive's data root
_learned_path: Path | None = None
_grown_lock = threading.Lock()


def use_learned(path: Path | None) -> None:
    """Set (None: clear) the file of learned counts `active_model` adds to the shipped model."""
    global _learned_path
    _learned_path = None if path is None else Path(path)


@functools.lru_cache(maxsize=2)
def _grown(path: Path, _version: tuple[int, int]) -> SyllableModel:
    model = SyllableModel.load()
    model.load_learned(path)
    return model


def active_model() -> SyllableModel:
    """The model the diacritic correction uses: `base_model()` grown by the learned counts of
    `use_learned`'s file when it exists."""
    path = _learned_path
    if path is None:
        return base_model()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return base_model()
    try:
        with _grown_lock:
            return _grown(path, (stat.st_size, stat.st_mtime_ns))
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("learned syllable counts %s not used (%s): the shipped model corrects", path, exc)
        return base_model()
