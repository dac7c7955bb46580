"""Image and text hashes: stable, close for the same page or text, far for different ones."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from dedup.imagehash import PHASH_BITS, hamming, page_hashes
from dedup.texthash import NUM_HASHES, estimate_jaccard, lsh_bands, minhash, shingles, tokens
from ocr import rotate_clockwise
from tests.dedup.pages import corpus_page, rescan

CLEAN = "d01_qd_phutho__clean_p1.png"
OTHER = "d03_bc_mat_thaibinh__rot90_p2.png"


@pytest.fixture(scope="module")
def clean() -> Image.Image:
    return corpus_page(CLEAN)


def _jpeg(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        return image.copy()


def test_hamming_counts_differing_bits() -> None:
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(1 << 255, 0) == 1


def test_page_hashes_are_deterministic_and_sized(clean: Image.Image) -> None:
    first, again = page_hashes(clean), page_hashes(clean.copy())
    assert first == again
    assert first.phash.bit_length() <= PHASH_BITS and first.dhash.bit_length() <= 64
    assert 0.01 < first.ink < 0.5


@pytest.mark.parametrize(
    "degraded",
    [
        pytest.param({"angle": 1.5}, id="rotated-1.5"),
        pytest.param({"angle": -3.0, "shift": (40, -30)}, id="rotated-3-shifted"),
        pytest.param({"scale": 0.5, "angle": 0.0}, id="150-dpi"),
        pytest.param({"noise": 25.0, "quality": 20, "angle": 0.5}, id="noise-jpeg20"),
    ],
)
def test_a_degraded_copy_hashes_close(clean: Image.Image, degraded: dict) -> None:
    distance = hamming(page_hashes(clean).phash, page_hashes(_jpeg(rescan(clean, **degraded))).phash)
    assert distance <= 64, distance


def test_orientation_turns_the_page_upright_before_hashing(clean: Image.Image) -> None:
    turned = rotate_clockwise(clean, 90)  # as scanned: on its side
    assert page_hashes(turned, orientation=270) == page_hashes(clean)
    assert hamming(page_hashes(turned).phash, page_hashes(clean).phash) > 80


def test_a_different_page_hashes_far(clean: Image.Image) -> None:
    other = page_hashes(corpus_page(OTHER), orientation=270)
    assert hamming(page_hashes(clean).phash, other.phash) > 64


def test_a_blank_page_has_no_ink() -> None:
    rng = np.random.default_rng(0)
    paper = Image.fromarray((245 + rng.normal(0, 2, (700, 500))).clip(0, 255).astype(np.uint8))
    assert page_hashes(paper).ink == 0.0


def test_tokens_fold_diacritics_and_drop_debris() -> None:
    assert tokens("Quyết định số 05/QĐ-UBND , ĐỒNG Ý ! a") == [
        "quyet", "dinh", "so", "05", "qd", "ubnd", "dong",
    ]  # fmt: skip
    assert tokens("Hoà bình") == tokens("hòa BÌNH"), "one tone-mark convention"


def test_shingles_are_word_bigrams_with_stable_hashes() -> None:
    words = tokens("Ủy ban nhân dân tỉnh")
    assert len(shingles(words)) == len(words) - 1
    assert shingles(words) == shingles(list(words))
    assert len(shingles(["mot"])) == 1
    assert shingles([]) == set()


def test_minhash_estimates_jaccard() -> None:
    a = set(range(1, 1001))
    b = set(range(501, 1501))  # Jaccard 500 / 1500
    signature_a, signature_b = minhash(a), minhash(b)
    assert len(signature_a) == NUM_HASHES
    assert estimate_jaccard(signature_a, signature_a) == 1.0
    assert abs(estimate_jaccard(signature_a, signature_b) - 1 / 3) < 0.12
    assert estimate_jaccard(signature_a, minhash(set(range(5000, 6000)))) < 0.05
    assert minhash([]) == [] and estimate_jaccard([], signature_a) == 0.0


def test_equal_signatures_share_every_lsh_band() -> None:
    signature = minhash(range(100))
    assert lsh_bands(signature) == lsh_bands(list(signature))
    other = lsh_bands(minhash(range(1000, 1100)))
    assert not set(enumerate(lsh_bands(signature))) & set(enumerate(other))
