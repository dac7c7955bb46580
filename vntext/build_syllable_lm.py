"""Build vntext/data/syllable_lm.tsv.gz, the syllable model of the diacritic correction (ocr/diacritics.py).

    .venv/bin/python -m vntext.build_syllable_lm [--out vntext/data/syllable_lm.tsv.gz] [--wheels DIR]

Three sources, each shippable, none drawn from the project's corpus generator or its ground truth:

- Tesseract's own Vietnamese word list (tessdata `vie.traineddata`, Apache-2.0, Debian package
  tesseract-ocr-vie): `combine_tessdata -u` then `dawg2wordlist` on its lstm-word-dawg. 7,181
  single syllables, no frequencies: the vocabulary the engine itself was trained towards.
- wordfreq 3.1.1 (PyPI; code Apache-2.0, word frequency data CC BY-SA 4.0, Robyn Speer, built from
  Wikipedia, OpenSubtitles, OSCAR and other sources): its `small_vi` list, frequencies of 10,719
  Vietnamese tokens (syllables) in centibels. Kept: the tokens that are Vietnamese syllables.
- pyvi 0.1.1 (PyPI, MIT, Viet-Trung Tran): `pyvi/models/words.txt`, 31,157 Vietnamese words, of
  which ~25,000 have two syllables or more: each pair of neighbouring syllables inside such a word
  is a known bigram ("kiểm tra", "khẩn cấp", "năng khiếu").
- vietnamadminunits 1.0.4 (PyPI, MIT, Tran Ngoc Minh Hieu; a dependency of the project): the
  names of Vietnam's provinces, districts and wards before and after 2025 ("Tỉnh Hà Nam",
  "Huyện Thanh Trì", "Phường Phúc Xá"): their neighbouring syllables are known bigrams too.

hunspell-vi (Debian) is GPL-2: not used. The output is data derived from wordfreq's CC BY-SA 4.0
frequencies and so is itself CC BY-SA 4.0 (the header says so); the code stays Apache-2.0.

Lines of the output (UTF-8, NFC, lower case, tones on the first vowel of open oa/oe/uy):
`u<TAB>syllable<TAB>centibels` (frequency 10^(-cB/100); syllables known only to Tesseract or pyvi
get FLOOR_CB), `b<TAB>first second` (a bigram seen inside a word) and `n<TAB>first second` (one
seen inside a place name: between capitalised words, these count). The wheels are fetched with
`pip download` unless --wheels names a folder holding them. Deterministic: the same sources give
the same bytes.
"""

from __future__ import annotations

import argparse
import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from vntext.normalise import canonical_tones, nfc
from vntext.syllables import is_syllable

TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata/vie.traineddata")
WHEELS = {"wordfreq": "wordfreq==3.1.1", "pyvi": "pyvi==0.1.1"}
FLOOR_CB = 650  # a syllable in a word list but not among wordfreq's: rarer than its rarest (600)

HEADER = """\
# sohoa syllable model of Vietnamese, for the OCR diacritic correction (ocr/diacritics.py).
# Built by vntext/build_syllable_lm.py from:
#  - Tesseract tessdata vie.traineddata lstm-word-dawg (Apache-2.0): the syllable vocabulary;
#  - wordfreq 3.1.1 small_vi (data CC BY-SA 4.0, Robyn Speer et al.; sources: Wikipedia,
#    OpenSubtitles, OSCAR and others): syllable frequencies;
#  - pyvi 0.1.1 models/words.txt (MIT, Viet-Trung Tran): bigrams inside multi-syllable words;
#  - vietnamadminunits 1.0.4 data/dataset.db (MIT, Tran Ngoc Minh Hieu): bigrams inside the
#    names of provinces, districts and wards.
# This file is licensed CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/), as an
# adaptation of wordfreq's data. Lines: u TAB syllable TAB centibels | b TAB first second (inside
# a word) | n TAB first second (inside a place name).
"""


def key(word: str) -> str:
    return canonical_tones(nfc(word.strip())).lower()


def tesseract_words(traineddata: Path) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        prefix = Path(scratch) / "vie."
        subprocess.run(
            ["combine_tessdata", "-u", str(traineddata), str(prefix)], check=True, capture_output=True
        )
        out = Path(scratch) / "words.txt"
        subprocess.run(
            ["dawg2wordlist", f"{prefix}lstm-unicharset", f"{prefix}lstm-word-dawg", str(out)],
            check=True,
            capture_output=True,
        )
        return out.read_text(encoding="utf-8").split()


def wheel(name: str, folder: Path | None, scratch: Path) -> Path:
    if folder is not None:
        found = sorted(folder.glob(f"{name}-*.whl"))
        if found:
            return found[-1]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(scratch), WHEELS[name]],
        check=True,
    )
    return sorted(scratch.glob(f"{name}-*.whl"))[-1]


def wordfreq_vi(path: Path) -> dict[str, int]:
    import msgpack  # a dependency of the build only (it comes with prefect)

    with zipfile.ZipFile(path) as archive:
        packed = gzip.decompress(archive.read("wordfreq/data/small_vi.msgpack.gz"))
    bins = msgpack.unpackb(packed, raw=False)[1:]  # the first item is the format header
    return {word: centibels for centibels, words in enumerate(bins) for word in words}


def pyvi_words(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        text = archive.read("pyvi/models/words.txt").decode("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def admin_unit_names() -> list[str]:
    """Full names of provinces, districts and wards, old and new (vietnamadminunits' dataset)."""
    import sqlite3
    from importlib.resources import files

    database = files("vietnamadminunits") / "data" / "dataset.db"
    columns = {"admin_units": ("province", "ward"), "admin_units_legacy": ("province", "district", "ward")}
    names: set[str] = set()
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        for table, fields in columns.items():
            for field in fields:
                names.update(
                    row[0] for row in connection.execute(f"SELECT DISTINCT {field} FROM {table}") if row[0]
                )
    return sorted(names)


def _pairs(entries: list[str], unigrams: dict[str, int]) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for entry in entries:
        parts = [key(part) for part in entry.split()]
        if not all(is_syllable(part) for part in parts):
            continue
        for part in parts:
            unigrams.setdefault(part, FLOOR_CB)
        pairs.update(zip(parts, parts[1:], strict=False))
    return pairs


def build(tess: list[str], freq: dict[str, int], words: list[str], names: list[str]) -> str:
    unigrams: dict[str, int] = {}
    for token, centibels in freq.items():
        syllable = key(token)
        if is_syllable(syllable):
            unigrams[syllable] = min(centibels, unigrams.get(syllable, FLOOR_CB))
    word_pairs = _pairs(words, unigrams)
    name_pairs = _pairs(names, unigrams)
    for token in tess:
        syllable = key(token)
        if is_syllable(syllable):
            unigrams.setdefault(syllable, FLOOR_CB)
    out = io.StringIO()
    out.write(HEADER)
    for syllable in sorted(unigrams):
        out.write(f"u\t{syllable}\t{unigrams[syllable]}\n")
    for kind, pairs in (("b", word_pairs), ("n", name_pairs)):
        for first, second in sorted(pairs):
            out.write(f"{kind}\t{first} {second}\n")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "data" / "syllable_lm.tsv.gz"
    )
    parser.add_argument("--wheels", type=Path, help="a folder holding the wordfreq and pyvi wheels")
    parser.add_argument("--tessdata", type=Path, default=TESSDATA)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        text = build(
            tesseract_words(args.tessdata),
            wordfreq_vi(wheel("wordfreq", args.wheels, folder)),
            pyvi_words(wheel("pyvi", args.wheels, folder)),
            admin_unit_names(),
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as packed:
        packed.write(text.encode("utf-8"))
    lines = text.count("\n")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {lines} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
