"""The Elasticsearch index layout: names, analysis, mapping, template and documents (pure, no I/O).

One document per record, its pages as `nested` documents, so that every query part must match on
one page (as in SQLite, where a page is a row), a hit's total counts records, paging is plain
from/size, and the best page comes back as an inner hit.

Vietnamese text: each page is indexed as the same two keys as the embedded index builds in
Python (vntext.normalise): `exact` (search_key: NFC, lower case, one tone-mark convention, so hoà = hòa)
and `folded` (folded_key: no diacritics, đ -> d), both cut into tokens here the way
indexing.query cuts a query, and joined by spaces. Doing the tone canonicalisation and the
folding client-side (rather than with a char_filter) gives both backends the very same keys and
tokens, so queries behave the same on both. The analyzers are stock components only (standard
tokenizer, lowercase, asciifolding): the folded field's asciifolding, which folds đ/Đ to d like
Lucene's ASCIIFoldingFilter table does, with preserve_original, keeps text typed with diacritics
by other tools (Kibana, curl) finding the folded words. The original page text is kept in
_source only, for snippets.

What the public may see and search is kept apart from the full text, field by field. A page's
`text`, `exact` and `folded` are its public form (indexing.masking.mask_text) and that form's
keys; for a page that holds personal data (`personal: true`) the full text and its keys are
`private_text`, `private_exact` and `private_folded`. Likewise a record's `title` is its public
form and `private_title` the full title when the two differ. The metadata a facet counts and a
filter compares, `doc_type`, `issuer`, the provinces (`province_key` as named on the document's
date, `province_present` today) and `retention` (with their `_key`s), are public forms too, and
`private_doc_type`, `private_issuer`, `private_province_key`, `private_province_present`,
`private_retention` (and keys) the full values, on every record (an aggregation needs the field
on each document): a province is usually a name from a fixed list, and a retention one of a few
periods, but an archivist may type any value in a review, so they are masked as the SQLite index
masks them. Every value and its public form come from indexing.fields, which the SQLite index
stores too. A masked scope (the public role) reads the public fields alone: in its query, its
filters, its facets and the `_source` it asks for, so a masked value is in no field it reads and
never leaves the cluster; a full scope reads the private fields (indexing.elastic_query).

A document cut from a dossier (hồ sơ) holds the dossier's id (`dossier`) and its order in it
(`dossier_order`): the dossier filter and the dossier order sort read them.

One index per access class (mapping v8): the records of class `public` are in `sohoa-pages-public`
(an alias on `sohoa-pages-v8-public`), those of class `conditional` in `sohoa-pages-conditional`,
and so on; the alias `sohoa-pages` names the four indexes together (a marker of the layout and a
name for operators; sohoa writes through the class aliases only). Elasticsearch computes the
statistics BM25 weighs with (a word's document frequency, the mean field length) per shard, and a
search over several indexes scores each document with those of its own index's shard (the default
`query_then_fetch`; `dfs_query_then_fetch`, which pools them, is never used). So a search
addressing only its scope's class indexes scores every record against the records of its class
alone, as the SQLite index scores a page against its class's full-text tables: the public's
search names the public index alone, and neither the order of its hits (red team D3) nor the work
it does (D5) depends on a record it may not see, with one exception: Lucene counts a deleted
document (a record moved out of the class, or deleted) in the statistics until a merge drops it,
which Elasticsearch does in the background and only once no shard history retention lease holds
it (indexing.elastic: asked for after every move, reported by scrub_pending). `access` stays in
every document and every search still filters on it (a second lock).

Index names carry the mapping version and the class behind the aliases (`sohoa-pages-v8-public`
-> `sohoa-pages-public`, `sohoa-pages`); a rebuild writes four new indexes and moves the five
aliases in one atomic request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from indexing.fields import IndexedPage, TwoForms, indexed
from indexing.page_keys import page_keys
from indexing.query import token_spans
from schemas import Record
from schemas.record import ACCESS_CLASSES, AccessClass

__all__ = [
    "DEFAULT_ALIAS",
    "EXACT_ANALYZER",
    "FOLDED_ANALYZER",
    "MAPPING_VERSION",
    "check_alias",
    "class_alias",
    "class_aliases",
    "first_index_name",
    "index_settings",
    "index_template",
    "layout_swap_actions",
    "mappings",
    "mapping_version_of",
    "rebuild_index_name",
    "record_document",
    "version_pattern",
]

# 5: text, title are public forms (private_*); 6: doc_type, issuer too; 7: provinces and
# retention too, and dossier, dossier_order; 8: one index per access class
MAPPING_VERSION = 8
DEFAULT_ALIAS = "sohoa-pages"
EXACT_ANALYZER = "sohoa_exact"
FOLDED_ANALYZER = "sohoa_folded"
MAX_PAGES = 50_000  # nested documents per record (Elasticsearch's default limit is 10,000)
MAX_RESULT_WINDOW = 100_000  # offset + limit of the deepest page a search may ask for

# Elasticsearch index names: lower case, no \ / * ? " < > | space , #, not starting with - _ +.
_ALIAS = re.compile(r"[a-z0-9][a-z0-9._-]{0,150}")
_META = "sohoa_mapping_version"


def check_alias(alias: str) -> str:
    """Return `alias` if it can name an index alias and its versioned indexes, else ValueError."""
    if not _ALIAS.fullmatch(alias) or alias in (".", ".."):
        raise ValueError(f"invalid index alias {alias!r}: use lower-case letters, digits, '.', '_' or '-'")
    return alias


def class_alias(alias: str, klass: AccessClass) -> str:
    """The alias of one access class's index: `sohoa-pages-public`."""
    return f"{alias}-{klass}"


def class_aliases(alias: str) -> dict[AccessClass, str]:
    """Every class's alias, in the order of ACCESS_CLASSES."""
    return {klass: class_alias(alias, klass) for klass in ACCESS_CLASSES}


def first_index_name(alias: str, klass: AccessClass) -> str:
    """A class's index on an empty cluster: `sohoa-pages-v8-public`."""
    return f"{alias}-v{MAPPING_VERSION}-{klass}"


def rebuild_index_name(alias: str, klass: AccessClass, at: datetime) -> str:
    """A class's fresh index for a rebuild: `sohoa-pages-v8-public-20250102t030405123456z` (UTC)."""
    return f"{first_index_name(alias, klass)}-{at.astimezone(UTC):%Y%m%dt%H%M%S%fz}"


def version_pattern(alias: str) -> str:
    """The index pattern every versioned index of `alias` matches (and the template covers)."""
    return f"{alias}-v*"


# ---- analysis, mapping, template ----


def index_settings() -> dict[str, Any]:
    """Index settings: the Vietnamese analyzers, from stock components only (no plugins)."""
    return {
        "number_of_shards": 1,
        "auto_expand_replicas": "0-1",  # 0 on a single node, 1 as soon as there is a second
        "max_result_window": MAX_RESULT_WINDOW,
        "mapping.nested_objects.limit": MAX_PAGES,
        # A forced merge with only_expunge_deletes rewrites every segment holding a deleted
        # document, whatever their share (by default only those over 10%): see ElasticIndex._expunge.
        "merge.policy.expunge_deletes_allowed": 0,
        "analysis": {
            "filter": {
                "sohoa_ascii_folding": {"type": "asciifolding", "preserve_original": True},
            },
            "analyzer": {
                EXACT_ANALYZER: {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase"],
                },
                FOLDED_ANALYZER: {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", "sohoa_ascii_folding"],
                },
            },
        },
    }


PAGE_KEYS = ("exact", "folded", "private_exact", "private_folded")
_KEYWORD = {"type": "keyword", "ignore_above": 2048}  # longer values are kept, not indexed
_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}


def mappings() -> dict[str, Any]:
    """Record fields (keywords for filters and facets) and the nested, twice-keyed pages."""
    return {
        "dynamic": "strict",
        "_meta": {_META: MAPPING_VERSION},
        # The keys are derived from `text`: searchable, but not worth keeping in _source.
        "_source": {"excludes": [f"pages.{key}" for key in PAGE_KEYS]},
        "properties": {
            "id": _KEYWORD,
            "title": _STORED_ONLY,  # the public form of the title
            "private_title": _STORED_ONLY,  # the full title, when it holds personal data
            "source": _STORED_ONLY,
            "doc_type": _KEYWORD,  # public forms (personal data masked) ...
            "doc_type_key": _KEYWORD,
            "issuer": _KEYWORD,
            "issuer_key": _KEYWORD,
            "private_doc_type": _KEYWORD,  # ... and the full values
            "private_doc_type_key": _KEYWORD,
            "private_issuer": _KEYWORD,
            "private_issuer_key": _KEYWORD,
            "province_key": _KEYWORD,  # the issuer's province on the document's date (public) ...
            "province_present": _KEYWORD,  # ... and today
            "province_present_key": _KEYWORD,
            "private_province_key": _KEYWORD,  # ... in full
            "private_province_present": _KEYWORD,
            "private_province_present_key": _KEYWORD,
            "year": {"type": "integer"},
            "date": {"type": "date", "format": "strict_date"},
            "ingested_at": {"type": "date_nanos"},  # microseconds, as stored
            "access": _KEYWORD,
            "retention": _KEYWORD,  # public form ...
            "private_retention": _KEYWORD,  # ... and in full
            "needs_review": {"type": "boolean"},
            "dossier": _KEYWORD,  # the id of the dossier the record is a document of
            "dossier_order": {"type": "integer"},  # its order in that dossier
            "batch": _KEYWORD,
            "page_count": {"type": "integer"},
            "pages": {
                "type": "nested",
                "properties": {
                    "number": {"type": "integer"},
                    "text": {"type": "text", "index": False},  # the public form, for snippets
                    "exact": {"type": "text", "analyzer": EXACT_ANALYZER},
                    "folded": {"type": "text", "analyzer": FOLDED_ANALYZER},
                    "personal": {"type": "boolean"},
                    "private_text": {"type": "text", "index": False},  # the full text
                    "private_exact": {"type": "text", "analyzer": EXACT_ANALYZER},
                    "private_folded": {"type": "text", "analyzer": FOLDED_ANALYZER},
                },
            },
        },
    }


def index_template(alias: str) -> dict[str, Any]:
    """The composable index template applied to every versioned index of `alias`."""
    return {
        "index_patterns": [version_pattern(alias)],
        "priority": 500,
        "template": {"settings": index_settings(), "mappings": mappings()},
        "_meta": {"description": "sohoa record index (derived from storage)", _META: MAPPING_VERSION},
    }


def mapping_version_of(index_mapping: dict[str, Any]) -> int:
    """The mapping version recorded in one index's mapping (0 when it names none)."""
    return int(index_mapping.get("mappings", {}).get("_meta", {}).get(_META, 0))


def layout_swap_actions(
    alias: str, new: Mapping[AccessClass, str], old: Mapping[str, Iterable[str]]
) -> list[dict[str, Any]]:
    """The actions of one atomic `_aliases` request moving the layout onto the indexes `new` (one
    per class): each class alias (the write index of its class) and the alias of the whole onto
    them, and off the indexes `old` (index -> the aliases of this layout it holds, as found)."""
    ours = {alias, *class_aliases(alias).values()}
    targets = set(new.values())
    actions: list[dict[str, Any]] = [
        {"remove": {"index": index, "alias": name}}
        for index in sorted(old)
        if index not in targets
        for name in sorted(set(old[index]) & ours)
    ]
    for klass in ACCESS_CLASSES:
        actions.append(
            {"add": {"index": new[klass], "alias": class_alias(alias, klass), "is_write_index": True}}
        )
        actions.append({"add": {"index": new[klass], "alias": alias}})
    return actions


# ---- documents ----


def _both_forms(name: str, value: TwoForms) -> dict[str, str | None]:
    """A metadata value and its key in public form (`name`, `name_key`) and in full (`private_`)."""
    return {
        name: value.public,
        f"{name}_key": value.public_key,
        f"private_{name}": value.full,
        f"private_{name}_key": value.full_key,
    }


def _keys(text: str) -> tuple[str, str]:
    """(exact, folded) keys cut into tokens the way parse_query cuts a query, space-joined.

    Both keys have one character per character of the text, so one cut serves both.
    """
    exact, folded = page_keys(text)
    spans = token_spans(exact)
    return " ".join(exact[start:end] for start, end in spans), " ".join(
        folded[start:end] for start, end in spans
    )


def _page(page: IndexedPage) -> dict[str, Any]:
    """A page: its public form and that form's keys; a page holding personal data also its full
    text and the full text's keys."""
    exact, folded = _keys(page.public)
    document: dict[str, Any] = {
        "number": page.number,
        "text": page.public,
        "exact": exact,
        "folded": folded,
        "personal": page.personal,
    }
    if page.personal:
        private_exact, private_folded = _keys(page.text)
        document.update(private_text=page.text, private_exact=private_exact, private_folded=private_folded)
    return document


def record_document(record: Record) -> dict[str, Any]:
    """The document of one record: the fields of indexing.fields, as the SQLite index stores them."""
    fields = indexed(record)
    province_then = _both_forms("province", fields.province_then)
    return {
        "id": fields.id,
        "title": fields.title.public,
        "private_title": fields.title.full if fields.title.masked else None,
        "source": fields.source,
        **_both_forms("doc_type", fields.doc_type),
        **_both_forms("issuer", fields.issuer),
        "province_key": province_then["province_key"],  # the name then is compared, never shown
        "private_province_key": province_then["private_province_key"],
        **_both_forms("province_present", fields.province),
        "year": fields.year,
        "date": fields.date.isoformat() if fields.date else None,
        "ingested_at": fields.ingested_at,
        "access": fields.access,
        "retention": fields.retention.public,
        "private_retention": fields.retention.full,
        "needs_review": fields.needs_review,
        "batch": fields.batch,
        "page_count": len(fields.pages),
        "dossier": fields.dossier,
        "dossier_order": fields.dossier_order,
        "pages": [_page(page) for page in fields.pages],
    }
