"""Roles -> what may be searched and read, and the search plan the API and CLI share (pure)."""

from __future__ import annotations

import datetime as dt

import pytest

from application.access import ALL_CLASSES, can_read, restrict, scope_for
from application.searching import SearchParams, search_query
from schemas import SearchFilters

READABLE = [
    # role, class, may read
    ("public", "public", True),
    ("public", "conditional", False),
    ("public", "undetermined", False),
    ("public", "not_accessible", False),
    ("staff", "public", True),
    ("staff", "conditional", True),
    ("staff", "undetermined", False),
    ("staff", "not_accessible", False),
    ("archivist", "public", True),
    ("archivist", "conditional", True),
    ("archivist", "undetermined", True),
    ("archivist", "not_accessible", False),
]


@pytest.mark.parametrize(("role", "access", "allowed"), READABLE)
def test_can_read(role: str, access: str, allowed: bool) -> None:
    assert can_read(role, access) is allowed  # type: ignore[arg-type]


def test_scopes() -> None:
    assert scope_for("public").masked and not scope_for("staff").masked and not scope_for("archivist").masked
    assert scope_for("staff").audited == ("conditional",)
    assert scope_for("archivist").audited == ("conditional", "undetermined")
    assert all("not_accessible" not in scope_for(role).classes for role in ("public", "staff", "archivist"))
    with pytest.raises(ValueError, match="unknown role"):
        scope_for("admin")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "asked", "expected"),
    [
        ("public", None, ["public"]),
        ("public", ["conditional"], []),
        ("public", list(ALL_CLASSES), ["public"]),
        ("staff", None, ["public", "conditional"]),
        ("staff", ["conditional", "not_accessible"], ["conditional"]),
        ("archivist", ["not_accessible"], []),
        ("archivist", [], []),
    ],
)
def test_restrict_never_widens(role: str, asked: list | None, expected: list) -> None:
    filters = restrict(SearchFilters(access=asked, year=2018), role)  # type: ignore[arg-type]
    assert filters.access == expected and filters.year == 2018


def test_public_plan_masks_the_query_and_scopes_the_index() -> None:
    query = search_query(SearchParams(q="CCCD 001095001234 số hóa", needs_review=True), "public")
    assert "001095001234" not in query.q and "số hóa" in query.q
    assert query.scope.classes == ("public",) and query.scope.masked
    assert query.filters.needs_review is None  # review state is internal
    assert "needs_review" not in query.facets and "doc_type" in query.facets


def test_staff_plan_is_unmasked() -> None:
    params = SearchParams(q="CCCD 001095001234", access=("conditional",), date_from=dt.date(2018, 1, 1))
    query = search_query(params, "staff")
    assert query.q == "CCCD 001095001234" and not query.scope.masked
    assert query.filters.access == ["conditional"] and query.scope.classes == ("public", "conditional")
    assert query.filters.date_from == dt.date(2018, 1, 1) and "needs_review" not in query.facets
    assert search_query(SearchParams(needs_review=True), "staff").filters.needs_review is None
    assert search_query(SearchParams(facets=False), "staff").facets == ()


def test_only_archivists_filter_and_count_review_state() -> None:
    """A review flag may stand for a doubt about a page the caller may not see (a boundary doubt
    names the next document's first page): review state is the archivists' alone."""
    query = search_query(SearchParams(needs_review=True), "archivist")
    assert query.filters.needs_review is True and "needs_review" in query.facets
