"""Roles -> what may be searched and read, and the search plan the API and CLI share (pure)."""

from __future__ import annotations

import pytest

from application.access import ALL_CLASSES, can_read, restrict, scope_for
from application.searching import SearchParams, browse_request
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


def test_public_plan_masks_the_query_and_the_text() -> None:
    request = browse_request(SearchParams(q="CCCD 001095001234 số hóa"), "public")
    assert "001095001234" not in request.query.q and "số hóa" in request.query.q
    assert request.visible == ("public",)
    assert request.redact is not None and "0912" not in request.redact("id", "gọi 0912345678")


def test_staff_plan_is_unmasked() -> None:
    request = browse_request(SearchParams(q="CCCD 001095001234", access=("conditional",)), "staff")
    assert request.query.q == "CCCD 001095001234" and request.redact is None
    assert request.query.filters.access == ["conditional"] and request.visible == ("public", "conditional")
