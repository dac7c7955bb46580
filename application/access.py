"""Who may see what: roles, their access classes, masking, and the checks on every read (pure).

The Law on Access to Information, as the API applies it:

| role      | search and read                       | personal data | page images, originals |
|-----------|---------------------------------------|---------------|------------------------|
| public    | public records                        | masked        | public records only    |
| staff     | public and conditional records        | shown         | the same records       |
| archivist | public, conditional, undetermined     | shown         | the same records       |
| metrics   | nothing (reads /metrics only)         | -             | none                   |

`not_accessible` (secret) records are served to no role; archivists may list them by id and
classification only. The API and `sohoa search --role/--key` both go through `scope_for` and
`restrict`, so a script sees exactly what the API serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from schemas import AccessClass, AccessScope, Record, SearchFilters
from schemas.record import ACCESS_CLASSES

__all__ = [
    "ALL_CLASSES",
    "Caller",
    "Role",
    "Scope",
    "can_list_restricted",
    "can_read_metrics",
    "can_read",
    "can_review",
    "class_served",
    "restrict",
    "scope_for",
    "search_scope",
]

Role = Literal["public", "staff", "archivist", "metrics"]
ALL_CLASSES = ACCESS_CLASSES

_READABLE: dict[str, tuple[AccessClass, ...]] = {
    "public": ("public",),
    "staff": ("public", "conditional"),
    "archivist": ("public", "conditional", "undetermined"),
    "metrics": (),  # a Prometheus scraper's key: /metrics and nothing else
}
_SHOWN_PERSONAL_DATA = ("staff", "archivist")
# the review queue is the archivists' work; its state is counted over every page of a dossier
# (a boundary doubt names the next document's first page), so to anyone else a review flag
# would tell of documents they may not see
_SHOWN_REVIEW_STATE = ("archivist",)


@dataclass(frozen=True)
class Scope:
    """What one role may be served."""

    role: Role
    classes: tuple[AccessClass, ...]  # access classes whose content may be served
    masked: bool  # personal data masked in everything served
    review_state: bool  # whether records await review may be filtered and counted in search
    audited: tuple[AccessClass, ...]  # reads of these classes go to the audit log


@dataclass(frozen=True)
class Caller:
    """Who is asking: the role, and the key (id and name) for the audit log; none for public."""

    role: Role = "public"
    key_id: str | None = None
    name: str | None = None

    @property
    def who(self) -> str:
        return f"{self.name} ({self.key_id})" if self.key_id else "anonymous"


PUBLIC = Caller()


def scope_for(role: Role) -> Scope:
    """The scope of a role; ValueError for an unknown role."""
    if role not in _READABLE:
        raise ValueError(f"unknown role {role!r}: use public, staff, archivist or metrics")
    classes = _READABLE[role]
    return Scope(
        role=role,
        classes=classes,
        masked=role not in _SHOWN_PERSONAL_DATA,
        review_state=role in _SHOWN_REVIEW_STATE,
        audited=tuple(c for c in classes if c != "public"),
    )


def search_scope(role: Role) -> AccessScope:
    """The access scope of the search contract for `role`: its classes, masked or not."""
    scope = scope_for(role)
    return AccessScope(classes=scope.classes, masked=scope.masked)


def restrict(filters: SearchFilters, role: Role) -> SearchFilters:
    """`filters` narrowed to what `role` may see: the requested access classes that the role may
    read (none asked: all it may read). Asking only for classes out of reach gives no hits."""
    allowed = scope_for(role).classes
    wanted = allowed if filters.access is None else tuple(c for c in allowed if c in filters.access)
    return filters.model_copy(update={"access": list(wanted)})


def class_served(record: Record) -> AccessClass:
    """The class a stored record is served by: a record marked as a state secret is not
    accessible whatever its class says."""
    return "not_accessible" if record.metadata.secrecy else record.classification.access


def can_read(role: Role, access: AccessClass) -> bool:
    """May `role` be served the content (text, images, metadata) of a record of this class?"""
    return access in scope_for(role).classes


def can_review(role: Role) -> bool:
    return role == "archivist"


def can_read_metrics(role: Role) -> bool:
    """May `role` read /metrics (counts per access class, per route and status)?"""
    return role in ("archivist", "metrics")


def can_list_restricted(role: Role) -> bool:
    """May `role` list secret records by id and classification?"""
    return role == "archivist"
