"""The near-duplicate lookup's behaviour, for every backend: a test module imports these tests
with `from tests.dedup.lookup_conformance import *` and defines the `lookup` fixture (an empty
SimilarityLookup). Atomic check-in, idempotent, images for text-poor pages, rebuilt from storage.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PIL import Image

from dedup import (
    FINGERPRINT_FILE,
    Fingerprint,
    SimilarityLookup,
    fingerprint,
    read_fingerprint,
    rebuild_lookup,
)
from dedup.texthash import minhash
from schemas import Metadata, Page, Record
from storage import LocalStore, sha256_file, write_package
from storage.changes import note_change
from storage.package import withdraw_package
from tests.dedup.pages import corpus_page


def _fp(text: range, phash: int = 0, dhash: int = 0) -> Fingerprint:
    shingles = set(text)
    return Fingerprint(
        phash=f"{phash:x}", dhash=f"{dhash:x}", ink=0.1, shingles=len(shingles),
        minhash=minhash(shingles),
    )  # fmt: skip


LETTER = _fp(range(1000))
RESCAN = _fp(range(50, 1050), phash=(1 << 30) - 1)  # Jaccard ~0.9, image 30 bits away
OTHER = _fp(range(5000, 6000))
PHOTO = _fp(range(0), phash=0xF0F0, dhash=0xFF)


def test_check_in_links_a_rescan_to_the_earlier_record(lookup: SimilarityLookup) -> None:
    assert lookup.check_in("a", LETTER) is None
    assert lookup.check_in("b", OTHER) is None
    match = lookup.check_in("c", RESCAN)
    assert match is not None
    assert (match.record_id, match.basis, match.image) == ("a", "text+image", 30)
    assert len(lookup) == 3 and "c" in lookup


def test_checking_in_the_same_record_again_never_matches_itself(lookup: SimilarityLookup) -> None:
    assert lookup.check_in("a", LETTER) is None
    assert lookup.check_in("a", LETTER) is None
    assert len(lookup) == 1


def test_records_without_text_are_compared_on_images(lookup: SimilarityLookup) -> None:
    lookup.check_in("photo", PHOTO)
    lookup.check_in("letter", LETTER)
    match = lookup.find(_fp(range(0), phash=0xF0F1, dhash=0xFF))
    assert match is not None and (match.record_id, match.basis, match.text) == ("photo", "image", None)


def test_find_registers_nothing_and_remove_forgets(lookup: SimilarityLookup) -> None:
    lookup.add("a", LETTER)
    assert lookup.find(RESCAN) is not None
    assert len(lookup) == 1
    lookup.remove("a")
    assert lookup.find(RESCAN) is None and "a" not in lookup


def test_matches_lists_every_near_duplicate_closest_first(lookup: SimilarityLookup) -> None:
    """Three scans of one paper and an unrelated letter: every scan is listed, the closest first,
    never the excluded record or the other letter (what a record going to the hold closes)."""
    lookup.add("a", LETTER)
    lookup.add("b", RESCAN)
    lookup.add("c", _fp(range(10, 1010)))  # nearer to LETTER than RESCAN is
    lookup.add("other", OTHER)
    assert [m.record_id for m in lookup.matches(LETTER, exclude="a")] == ["c", "b"]
    assert [m.record_id for m in lookup.matches(OTHER)] == ["other"]
    assert lookup.matches(_fp(range(9000, 10000))) == []


def test_concurrent_rescans_see_each_other(lookup: SimilarityLookup) -> None:
    """Eight scans of one paper checked in at once: the first is unique, every other is linked."""
    results: dict[str, object] = {}
    barrier = threading.Barrier(8)

    def check_in(n: int) -> None:
        barrier.wait()
        results[f"r{n}"] = lookup.check_in(f"r{n}", _fp(range(n, 1000 + n)))

    threads = [threading.Thread(target=check_in, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(match is None for match in results.values()) == 1
    assert len(lookup) == 8


# ---- from storage ----


def _stored(
    store: LocalStore,
    tmp_path: Path,
    name: str,
    *,
    with_fingerprint: bool,
    page: str = "d01_qd_phutho__clean_p1.png",
) -> Record:
    original = tmp_path / name
    corpus_page(page).save(original)
    digest = sha256_file(original)
    text = "Quyết định về việc thành lập Tổ công tác số hóa tài liệu lưu trữ lịch sử của tỉnh " * 3
    pages = [Page(number=1, text=text)]
    record = Record(
        id=digest[:32], source=name, sha256=digest, size=original.stat().st_size,
        media_type="image/png", page_count=1, pages=pages, metadata=Metadata(),
    )  # fmt: skip
    extra = {}
    if with_fingerprint:
        with Image.open(original) as image:
            extra[FINGERPRINT_FILE] = fingerprint(pages, image, record.metadata).to_json()
    write_package(store, record, original, extra)
    return record


def test_rebuild_refills_the_lookup_from_the_packages(tmp_path: Path, lookup) -> None:
    store = LocalStore(tmp_path / "store")
    kept = _stored(store, tmp_path, "a.png", with_fingerprint=True)
    assert read_fingerprint(store, kept.id).shingles == 19  # distinct bigrams of the text
    lookup.add("stale", OTHER)

    report = rebuild_lookup(lookup, store)

    assert (report.added, report.skipped) == (1, [])
    assert kept.id in lookup and "stale" not in lookup


def test_rebuild_can_fingerprint_older_packages_from_their_original(tmp_path: Path, lookup) -> None:
    store = LocalStore(tmp_path / "store")
    old = _stored(store, tmp_path, "old.png", with_fingerprint=False)
    assert read_fingerprint(store, old.id) is None

    assert rebuild_lookup(lookup, store).skipped == [old.id]
    report = rebuild_lookup(lookup, store, compute_missing=True)

    assert (report.added, report.computed, report.skipped) == (1, 1, [])
    assert old.id in lookup


OTHER_PAGE = "d02_cv_khan_bacninh__photocopy_p1.png"


class _StoreActingMidRebuild(LocalStore):
    """A store on which, right after the rebuild read the first fingerprint, `act` runs: what
    another process (a review, an ingest) commits while the rebuild goes on."""

    def __init__(self, root: Path, act) -> None:  # noqa: ANN001 - a test helper
        super().__init__(root)
        self.act = act

    def get_bytes(self, key: str) -> bytes:
        data = super().get_bytes(key)
        if key.endswith(FINGERPRINT_FILE) and self.act is not None:
            act, self.act = self.act, None
            act()
        return data


def test_rebuild_catches_up_with_packages_committed_or_withdrawn_meanwhile(tmp_path: Path, lookup) -> None:
    """A record withdrawn after the rebuild read its fingerprint (a review holding it as secret
    replaces its package by a catalogue row without one) is not put back by the swap, and a
    record committed meanwhile is in the lookup afterwards: both through the change journal."""
    plain = LocalStore(tmp_path / "store")
    early = _stored(plain, tmp_path, "early.png", with_fingerprint=True)
    arrived: list[Record] = []

    def meanwhile() -> None:
        withdraw_package(plain, early.id)  # no longer a record: its head is a tombstone
        note_change(plain, early.id)
        arrived.append(_stored(plain, tmp_path, "late.png", with_fingerprint=True, page=OTHER_PAGE))

    store = _StoreActingMidRebuild(tmp_path / "store", meanwhile)
    report = rebuild_lookup(lookup, store)

    assert arrived and report.caught_up == 2
    assert early.id not in lookup
    assert arrived[0].id in lookup
