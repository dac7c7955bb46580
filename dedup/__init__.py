"""Near-duplicate detection: the same paper scanned twice, found by image hash and text.

Pure fingerprints and decisions (imagehash, texthash, fingerprint, match), a rebuildable lookup
of earlier fingerprints (lookup: SQLite, one machine; elastic_lookup: Elasticsearch, shared), and
the link written into the new record (link). `open_lookup` picks the lookup that goes with a
search index, from its URL as indexing.open_index picks the index.
"""

from __future__ import annotations

from pathlib import Path

from dedup.fingerprint import (
    FINGERPRINT_FILE,
    Fingerprint,
    fingerprint,
    fingerprint_file,
    first_page_image,
)
from dedup.imagehash import ImageHashes, hamming, page_hashes
from dedup.link import NEAR_DUPLICATE, link_near_duplicate, near_duplicate_of
from dedup.lookup import (
    NearDuplicateIndex,
    RebuildReport,
    SimilarityLookup,
    read_fingerprint,
    rebuild_lookup,
)
from dedup.match import DEFAULT_THRESHOLDS, Comparison, DuplicateMatch, Thresholds, compare, decide
from dedup.texthash import estimate_jaccard, minhash, shingles, tokens
from indexing.base import SearchIndex

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FINGERPRINT_FILE",
    "NEAR_DUPLICATE",
    "Comparison",
    "Fingerprint",
    "ImageHashes",
    "DuplicateMatch",
    "NearDuplicateIndex",
    "RebuildReport",
    "Thresholds",
    "compare",
    "decide",
    "estimate_jaccard",
    "fingerprint",
    "fingerprint_file",
    "first_page_image",
    "hamming",
    "link_near_duplicate",
    "minhash",
    "near_duplicate_of",
    "open_lookup",
    "page_hashes",
    "read_fingerprint",
    "rebuild_lookup",
    "SimilarityLookup",
    "shingles",
    "tokens",
]


def open_lookup(index: SearchIndex, path: Path) -> SimilarityLookup:
    """The near-duplicate lookup beside `index`: with an Elasticsearch index (an http(s) URL)
    one lookup on its cluster, shared by every machine; else a SQLite file of this machine at
    `path`."""
    if index.url.startswith(("http://", "https://")):
        from dedup.elastic_lookup import ElasticNearDuplicateIndex

        return ElasticNearDuplicateIndex(index)  # type: ignore[arg-type]  # an ElasticIndex by its URL
    return NearDuplicateIndex(path)
