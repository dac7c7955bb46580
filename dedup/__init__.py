"""Near-duplicate detection: the same paper scanned twice, found by image hash and text.

Pure fingerprints and decisions (imagehash, texthash, fingerprint, match), a rebuildable lookup
of earlier fingerprints (lookup: SQLite, one machine; elastic_lookup: Elasticsearch, shared), and
the link written into the new record (link).
"""

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
from dedup.match import DEFAULT_THRESHOLDS, Comparison, Match, Thresholds, compare, decide
from dedup.texthash import estimate_jaccard, minhash, shingles, tokens

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FINGERPRINT_FILE",
    "NEAR_DUPLICATE",
    "Comparison",
    "Fingerprint",
    "ImageHashes",
    "Match",
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
    "page_hashes",
    "read_fingerprint",
    "rebuild_lookup",
    "SimilarityLookup",
    "shingles",
    "tokens",
]
