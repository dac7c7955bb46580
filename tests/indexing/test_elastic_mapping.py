"""The Elasticsearch index layout, without a server: analysis, mapping, names, documents."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from indexing.elastic_mapping import (
    DEFAULT_ALIAS,
    EXACT_ANALYZER,
    FOLDED_ANALYZER,
    MAPPING_VERSION,
    check_alias,
    class_alias,
    class_aliases,
    first_index_name,
    index_settings,
    index_template,
    layout_swap_actions,
    mapping_version_of,
    mappings,
    rebuild_index_name,
    record_document,
    version_pattern,
)
from indexing.query import parse_query
from schemas import PersonalData
from schemas.record import ACCESS_CLASSES
from tests.indexing.conformance import FOLDING_ROWS, make_record

# The analysis components that ship with every Elasticsearch (no plugin to download at start).
STOCK_TOKENIZERS = {"standard"}
STOCK_FILTERS = {"lowercase", "asciifolding"}


def _analyzer(name: str) -> dict:
    return index_settings()["analysis"]["analyzer"][name]


def _filter_types(analyzer: dict) -> list[str]:
    defined = index_settings()["analysis"]["filter"]
    return [defined[f]["type"] if f in defined else f for f in analyzer["filter"]]


def test_analyzers_use_stock_components_only() -> None:
    analysis = index_settings()["analysis"]
    assert set(analysis) == {"filter", "analyzer"}  # no char_filter, no custom tokenizer
    for name in (EXACT_ANALYZER, FOLDED_ANALYZER):
        analyzer = _analyzer(name)
        assert analyzer["type"] == "custom"
        assert analyzer["tokenizer"] in STOCK_TOKENIZERS
        assert set(_filter_types(analyzer)) <= STOCK_FILTERS


def test_exact_analyzer_lowercases_and_keeps_diacritics() -> None:
    assert _filter_types(_analyzer(EXACT_ANALYZER)) == ["lowercase"]


def test_folded_analyzer_folds_after_lowercase_and_keeps_the_original() -> None:
    analyzer = _analyzer(FOLDED_ANALYZER)
    assert _filter_types(analyzer) == ["lowercase", "asciifolding"]
    (folding,) = [f for f in analyzer["filter"] if f != "lowercase"]
    assert index_settings()["analysis"]["filter"][folding] == {
        "type": "asciifolding",
        "preserve_original": True,
    }


@pytest.mark.parametrize("text", ["Đ", "đ", "ĐẢNG ỦY", "Đồng Tháp", "đường"])
def test_d_with_stroke_is_folded_to_d_in_the_folded_key(text: str) -> None:
    # Lucene's ASCIIFoldingFilter maps U+0110/U+0111 to D/d too; the cluster test checks it live.
    document = record_document(make_record("r", text))
    (page,) = document["pages"]
    assert "đ" not in page["folded"] and "Đ" not in page["folded"]
    assert page["folded"].startswith("d")
    assert page["exact"].startswith("đ")


def test_mapping_has_keyword_facets_and_nested_twice_keyed_pages() -> None:
    properties = mappings()["properties"]
    for facet in ("doc_type", "year", "issuer", "access", "retention", "needs_review"):
        assert properties[facet]["type"] in {"keyword", "integer", "boolean"}, facet
        assert properties[facet].get("index", True), facet
    pages = properties["pages"]
    assert pages["type"] == "nested"
    assert pages["properties"]["exact"]["analyzer"] == EXACT_ANALYZER
    assert pages["properties"]["folded"]["analyzer"] == FOLDED_ANALYZER
    assert pages["properties"]["text"]["index"] is False  # kept for snippets, never searched
    assert mappings()["dynamic"] == "strict"
    assert set(mappings()["_source"]["excludes"]) == {
        "pages.exact",
        "pages.folded",
        "pages.private_exact",
        "pages.private_folded",
    }
    assert pages["properties"]["private_exact"]["analyzer"] == EXACT_ANALYZER
    assert pages["properties"]["private_folded"]["analyzer"] == FOLDED_ANALYZER


def test_every_document_field_is_mapped() -> None:
    record = make_record(
        "r", "trang một", "trang hai", doc_type="Quyết định", issuer="UBND", date=dt.date(2020, 1, 2)
    )
    record.pages[1].text = "ông Bùi Văn Thắng, điện thoại 0914 762 305"
    record.metadata.personal_data = [PersonalData(kind="name", value="Bùi Văn Thắng")]
    document = record_document(record)
    properties = mappings()["properties"]
    assert set(document) == set(properties)
    plain, personal = document["pages"]
    assert set(personal) == set(properties["pages"]["properties"])
    assert set(plain) < set(personal) and plain["personal"] is False  # one form: nothing private
    assert plain["text"] == "trang một" and personal["private_text"] == record.pages[1].text
    json.dumps(document)  # plain JSON


def test_a_page_with_personal_data_is_searchable_by_the_public_in_its_public_form_only() -> None:
    record = make_record("r", "ông Bùi Văn Thắng, sinh năm 1976, điện thoại 0914/762/305")
    record.metadata.personal_data = [PersonalData(kind="name", value="Bùi Văn Thắng")]
    (page,) = record_document(record)["pages"]
    assert page["personal"] is True
    for key in ("exact", "folded", "text"):  # what the public may search, and its snippets
        assert not re.search(r"0914|762|305|1976|thắng|thang", page[key], re.IGNORECASE), (key, page[key])
    assert "dien thoai" in page["folded"]
    assert "0914" in page["private_folded"] and "thang" in page["private_folded"]  # staff's keys
    assert page["private_text"] == record.pages[0].text


def test_the_title_is_kept_in_its_public_form_and_in_full_apart() -> None:
    record = make_record("r", "trang một", subject="Cấp lại giấy tờ cho ông Bùi Văn Thắng, CCCD 001076012345")
    record.metadata.personal_data = [PersonalData(kind="name", value="Bùi Văn Thắng")]
    document = record_document(record)
    assert not re.search(r"thắng|001076012345", document["title"], re.IGNORECASE), document["title"]
    assert document["title"].startswith("Cấp lại giấy tờ cho ông ")
    assert document["private_title"] == record.title
    plain = record_document(make_record("p", "trang một", subject="Về việc số hóa"))
    assert plain["title"] == "Về việc số hóa" and plain["private_title"] is None  # one form
    assert mappings()["properties"]["private_title"] == mappings()["properties"]["title"]  # stored only
    assert mappings()["properties"]["title"]["index"] is False


def test_doc_type_and_issuer_are_kept_in_public_form_and_in_full() -> None:
    record = make_record(
        "r", "trang một", doc_type="Đơn", issuer="Hộ kinh doanh Bùi Văn Thắng, ĐT 0914 762 305"
    )
    record.metadata.personal_data = [PersonalData(kind="name", value="Bùi Văn Thắng")]
    document = record_document(record)
    for key in ("issuer", "issuer_key"):
        assert not re.search(r"thắng|0914|762", document[key], re.IGNORECASE), document[key]
    assert document["issuer"].startswith("Hộ kinh doanh ")
    assert document["private_issuer"] == "Hộ kinh doanh Bùi Văn Thắng, ĐT 0914 762 305"
    assert document["private_issuer_key"] == "hộ kinh doanh bùi văn thắng, đt 0914 762 305"
    assert document["doc_type"] == document["private_doc_type"] == "Đơn"  # no personal data: equal
    assert document["doc_type_key"] == document["private_doc_type_key"] == "đơn"
    bare = record_document(make_record("b"))
    assert (
        bare["issuer"] is bare["private_issuer"] is bare["issuer_key"] is bare["private_issuer_key"] is None
    )


def test_provinces_and_retention_are_kept_in_public_form_and_in_full() -> None:
    """As the SQLite index keeps them: an archivist may type any value in a review."""
    name = "Bùi Văn Thắng"
    record = make_record(
        "r", "trang một", retention=f"Đến khi {name} thôi kinh doanh", province=f"Tỉnh {name}",
        province_present="Phú Thọ",
    )  # fmt: skip
    record.metadata.personal_data = [PersonalData(kind="name", value=name)]
    document = record_document(record)
    for key in ("retention", "province_key"):
        assert not re.search(r"thắng", document[key], re.IGNORECASE), document[key]
    assert document["private_retention"] == f"Đến khi {name} thôi kinh doanh"
    assert document["private_province_key"] == f"tỉnh {name.lower()}"
    assert document["province_present"] == document["private_province_present"] == "Phú Thọ"
    assert document["province_present_key"] == document["private_province_present_key"] == "phú thọ"
    properties = mappings()["properties"]
    for field in ("private_retention", "private_province_key", "private_province_present_key", "dossier"):
        assert properties[field] == properties["retention"], field  # keywords, for terms and aggs


def test_a_document_of_a_dossier_names_its_dossier_and_order() -> None:
    document = record_document(make_record("d", "trang một", dossier=("hs-1", 3)))
    assert (document["dossier"], document["dossier_order"]) == ("hs-1", 3)
    assert mappings()["properties"]["dossier_order"] == {"type": "integer"}
    loose = record_document(make_record("r", "trang một"))
    assert (loose["dossier"], loose["dossier_order"]) == (None, None)


def test_template_covers_every_versioned_index_and_carries_the_version() -> None:
    template = index_template("sohoa-pages")
    (pattern,) = template["index_patterns"]
    assert pattern == version_pattern("sohoa-pages") == "sohoa-pages-v*"
    regex = re.compile(pattern.replace("*", ".*"))
    at = dt.datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    for klass in ACCESS_CLASSES:
        rebuilt = rebuild_index_name("sohoa-pages", klass, at)
        assert first_index_name("sohoa-pages", klass) == f"sohoa-pages-v{MAPPING_VERSION}-{klass}"
        assert rebuilt == f"sohoa-pages-v{MAPPING_VERSION}-{klass}-20250102t030405000006z"
        assert regex.fullmatch(first_index_name("sohoa-pages", klass)) and regex.fullmatch(rebuilt)
        assert not regex.fullmatch(class_alias("sohoa-pages", klass))  # an alias is never an index
    assert not regex.fullmatch("sohoa-pages")  # the alias itself is never an index
    assert mapping_version_of({"mappings": template["template"]["mappings"]}) == MAPPING_VERSION
    assert mapping_version_of({"mappings": {}}) == 0


def test_one_alias_per_access_class() -> None:
    assert class_aliases("a") == {
        "public": "a-public",
        "conditional": "a-conditional",
        "not_accessible": "a-not_accessible",
        "undetermined": "a-undetermined",
    }
    for alias in class_aliases("sohoa-pages").values():
        assert check_alias(alias) == alias  # a valid name
    assert "fingerprints" not in ACCESS_CLASSES  # no clash with the near-duplicate lookup's alias


def test_rebuild_names_sort_by_time() -> None:
    at = dt.datetime(2025, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    names = [rebuild_index_name(DEFAULT_ALIAS, "public", at + dt.timedelta(seconds=s)) for s in (0, 1, 3600)]
    assert names == sorted(names) and len(set(names)) == 3


@pytest.mark.parametrize("alias", ["sohoa-pages", "archive.2025", "a", "x_y-z"])
def test_valid_aliases(alias: str) -> None:
    assert check_alias(alias) == alias


@pytest.mark.parametrize("alias", ["", "Sohoa", "-x", "_x", "a b", "a/b", "a*", "a,b", "a#", "..", "ả"])
def test_invalid_aliases_are_refused(alias: str) -> None:
    with pytest.raises(ValueError, match="alias"):
        check_alias(alias)


NEW = {klass: f"a-v8-{klass}-2" for klass in ACCESS_CLASSES}
ADDS = [
    action
    for klass in ACCESS_CLASSES
    for action in (
        {"add": {"index": f"a-v8-{klass}-2", "alias": f"a-{klass}", "is_write_index": True}},
        {"add": {"index": f"a-v8-{klass}-2", "alias": "a"}},
    )
]


def test_the_layout_swap_is_one_request_moving_every_alias_off_the_old_indexes() -> None:
    old = {
        "a-v8-public": {"a", "a-public"},
        "a-v8-not_accessible": {"a", "a-not_accessible"},
        "hand-made": {"a", "other-alias"},  # an alias not of this layout is left alone
    }
    assert layout_swap_actions("a", NEW, old) == [
        {"remove": {"index": "a-v8-not_accessible", "alias": "a"}},
        {"remove": {"index": "a-v8-not_accessible", "alias": "a-not_accessible"}},
        {"remove": {"index": "a-v8-public", "alias": "a"}},
        {"remove": {"index": "a-v8-public", "alias": "a-public"}},
        {"remove": {"index": "hand-made", "alias": "a"}},
        *ADDS,
    ]
    assert layout_swap_actions("a", NEW, {}) == ADDS


def test_the_single_index_of_mapping_v7_is_moved_off_in_the_same_request() -> None:
    """Migration: the alias of the whole leaves the old single index as the class aliases arrive."""
    assert layout_swap_actions("a", NEW, {"a-v7": {"a"}}) == [
        {"remove": {"index": "a-v7", "alias": "a"}},
        *ADDS,
    ]


# -- documents -----------------------------------------------------------------------------


def test_document_fields_follow_the_sqlite_rules() -> None:
    record = make_record(
        "r1",
        "Trang một",
        "Trang hai",
        subject="Về việc số hóa",
        doc_type="  Quyết định ",
        issuer="UBND tỉnh Vĩnh Phúc",
        date=dt.date(2019, 5, 2),
        access="conditional",
        review_pages=(2,),
        ingested_at=dt.datetime(2024, 1, 1, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
    )
    document = record_document(record)
    assert document["id"] == "r1" and document["title"] == record.title
    assert document["doc_type_key"] == "quyết định"
    assert document["issuer_key"] == "ubnd tỉnh vĩnh phúc"
    assert (document["year"], document["date"]) == (2019, "2019-05-02")
    assert document["ingested_at"] == "2024-01-01T00:00:00.000000+00:00"
    assert document["needs_review"] is True  # page 2 needs review
    assert document["page_count"] == 2
    assert [p["number"] for p in document["pages"]] == [1, 2]
    assert document["pages"][0]["text"] == "Trang một"


def test_undated_unclassified_record() -> None:
    document = record_document(make_record("bare"))
    assert document["pages"] == [] and document["page_count"] == 0
    assert document["date"] is None and document["year"] is None
    assert document["doc_type"] is None and document["doc_type_key"] is None


def test_keys_put_tones_in_one_place() -> None:
    one = record_document(make_record("a", "đảng uỷ, hoà bình, thuỷ lợi, khoẻ"))["pages"][0]
    two = record_document(make_record("b", "Đảng ủy, hòa bình, thủy lợi, khỏe"))["pages"][0]
    assert one["exact"] == two["exact"] == "đảng ủy hòa bình thủy lợi khỏe"
    assert one["folded"] == two["folded"] == "dang uy hoa binh thuy loi khoe"


def _contains_tokens(haystack: str, needle: str) -> bool:
    return f" {needle} " in f" {haystack} "


@pytest.mark.parametrize(("text", "query"), FOLDING_ROWS)
def test_page_keys_hold_the_query_tokens_in_a_row(text: str, query: str) -> None:
    # The document keys are cut exactly like parse_query cuts the query, so the tokens a phrase
    # query sends stand in a row in the indexed key (on the folded key at least).
    (page,) = record_document(make_record("r", f"Mở đầu. {text}; kết thúc"))["pages"]
    for part in parse_query(query).parts:
        assert _contains_tokens(page["folded"], " ".join(part.folded)), (text, query)


def test_keys_split_where_the_query_splits() -> None:
    (page,) = record_document(make_record("r", "Số 2154/QĐ-UBND tại TP.HCM, 1.000 đồng (mã_01)"))["pages"]
    assert page["exact"] == "số 2154 qđ ubnd tại tp hcm 1 000 đồng mã 01"
    assert _contains_tokens(page["exact"], " ".join(parse_query("TP.HCM").parts[0].exact))
