"""A dossier (hồ sơ) as a caller may see it: its documents found through the index under the
caller's scope, each read and checked like `readable_record`, the file-level fields computed over
those alone (application/dossiers.py `summarise`).

A dossier tells a role nothing of a document the role may not see. For public and staff:
- a dossier none of whose documents they may see does not exist for them: an unknown id and such
  a dossier take the very same path (one index query with the dossier filter under their scope,
  no hit, "not found", no storage read), so neither the answer nor its timing tells them apart;
- a hidden document is not read, not counted, and leaves no gap: the visible ones are numbered
  1..k in their order and their pages renumbered consecutively over the visible documents alone
  (a document at order 2, scan pages 4-5, behind a hidden one at pages 1-3 would otherwise say
  that something precedes it), the page count their sum. This is done whether or not something
  is hidden: the scan's own numbering (a blank separator sheet's jump, a page count above the
  documents') would say "nothing hidden here". The record's own link to its dossier
  (`shown_link`) uses the same numbering.
What public and staff are shown of the dossier itself comes from its form for their audience,
stored with its head (application/dossiers.py `DossierForm`): its own fields (title and code in
public form for the public, the same whichever documents it may see: masked with the personal
data every document lists, hidden ones included, and with what the detector finds in them) and
the ids of the documents the audience may read. Their answer reads that one file and the records
it shows, never dossier.json (which lists every document) nor a hidden document: the work done
for them does not grow with the documents hidden from them, in number or in pages.
Archivists read dossier.json, and may list what they may not read (as GET /restricted does):
such documents appear in `withheld` with id, order, scan pages and class only; their numbering is
the dossier's own.

A document's own record speaks of its dossier's scan too: its provenance (the scan's page count,
its scan pages, a split's boundaries and the ids of the documents it made or withdrew; its OCR
event's time is the whole scan's), its boundary doubts ("trang 7 của hồ sơ") and a split's "class
kept" reason ("tách lại từ trang 4,5"). Roles that may not list every document are shown those
events without their parameters, detail and time, without a split's event (a split among documents
hidden from them moves the order of a document they see) and without those reasons (`scrubbed`). No
record shown to them names its near-duplicate: the other record may be one they may not know of
(a hidden document of the same dossier).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from api.reading import masked_record
from api.state import ApiState
from application.access import ALL_CLASSES, Caller, can_list_restricted, can_read, class_served, scope_for
from application.dossier_intake import BOUNDARY_DOUBT
from application.dossier_review import KEPT_CLASS_START
from application.dossiers import (
    AUDIENCES,
    DocumentRow,
    DossierForm,
    DossierSummary,
    load_form,
    most_restricted,
    summarise,
    summarise_form,
)
from core.errors import NotFound
from dedup.link import RULE as NEAR_DUPLICATE_RULE
from schemas import AccessClass, AccessScope, Dossier, Record, SearchFilters, SearchHit, SearchQuery
from storage import read_record
from storage.dossier_package import read_dossier

__all__ = [
    "DossierView",
    "ShownLink",
    "Withheld",
    "dossier_hits",
    "dossier_not_found",
    "dossier_view",
    "iter_known_dossiers",
    "scrubbed",
    "shown_link",
]

BATCH = 200  # hits per index query (the contract's largest page)


def dossier_not_found(dossier_id: str) -> NotFound:
    """The one answer for an unknown dossier and for one the caller may not know of."""
    return NotFound(f"Không có hồ sơ {dossier_id}, hoặc hồ sơ không thuộc phạm vi bạn được xem.")


def _classes(caller: Caller) -> tuple[AccessClass, ...]:
    """The classes of documents the caller may know of: those it may read; archivists every class
    (they list what they may not read)."""
    return ALL_CLASSES if can_list_restricted(caller.role) else scope_for(caller.role).classes


def _walk(state: ApiState, caller: Caller, dossier: str | None) -> Iterator[SearchHit]:
    """Hits (ids, classes, dossier and order; no content) in dossier order under the caller's
    classes, `dossier`'s documents only when given, BATCH per query."""
    classes = _classes(caller)
    scope = AccessScope(classes=classes, masked=scope_for(caller.role).masked)
    offset = 0
    while True:
        query = SearchQuery(
            q="",
            limit=BATCH,
            offset=offset,
            filters=SearchFilters(dossier=dossier, access=list(classes)),
            sort="dossier_order",
            scope=scope,
            content=False,
        )
        result = state.index.search(query)
        yield from result.hits
        offset += len(result.hits)
        if not result.hits or offset >= result.total:
            return


def dossier_hits(state: ApiState, caller: Caller, dossier_id: str) -> list[SearchHit]:
    """The dossier's documents the caller may know of, as the index has them (one query per
    BATCH documents; a document the caller may not know of costs nothing)."""
    return list(_walk(state, caller, dossier_id))


def iter_known_dossiers(state: ApiState, caller: Caller) -> Iterator[tuple[str, list[SearchHit]]]:
    """(dossier id, its documents' hits) for every dossier the caller may know of, in id order:
    one walk of the index in dossier order, ended at the first record outside a dossier."""
    current: str | None = None
    hits: list[SearchHit] = []
    for hit in _walk(state, caller, None):
        if hit.dossier is None:
            break
        if hit.dossier != current:
            if hits:
                yield current, hits  # type: ignore[misc]
            current, hits = hit.dossier, []
        hits.append(hit)
    if hits:
        yield current, hits  # type: ignore[misc]


@dataclass(frozen=True)
class Withheld:
    """A document an archivist may list but not read: id, order, scan pages and class only."""

    id: str
    order: int
    pages: tuple[int, int]
    access: AccessClass


@dataclass(frozen=True)
class DossierView:
    """What the caller is shown: the summary over the documents it may read (masked for the
    public, renumbered over them for all but archivists), the records read, and for archivists
    the dossier as stored and the withheld documents."""

    id: str
    summary: DossierSummary
    records: list[Record]  # as stored (not masked), in order: for the access log
    dossier: Dossier | None = None  # the head (dossier.json): archivists only
    withheld: list[Withheld] = field(default_factory=list)
    renumbered: bool = False


def _renumbered(rows: list[DocumentRow]) -> list[DocumentRow]:
    """The rows numbered 1..k in their order, their pages consecutive over these rows alone."""
    out, at = [], 1
    for number, row in enumerate(sorted(rows, key=lambda r: r.order), start=1):
        out.append(replace(row, order=number, pages=(at, at + row.page_count - 1)))
        at += row.page_count
    return out


def _head(state: ApiState, caller: Caller, dossier_id: str) -> Dossier | DossierForm:
    """What the caller's view is made from: for an archivist dossier.json, for anyone else the
    form for its audience alone. NotFound (`dossier_not_found`) when there is none."""
    try:
        if can_list_restricted(caller.role):
            return read_dossier(state.store, dossier_id)
        if caller.role not in AUDIENCES:
            raise NotFound(dossier_id)
        return load_form(state.store, dossier_id, caller.role)
    except (NotFound, ValueError):
        raise dossier_not_found(dossier_id) from None


def dossier_view(
    state: ApiState, caller: Caller, dossier_id: str, hits: list[SearchHit] | None = None
) -> DossierView:
    """The dossier as `caller` may see it (module docstring); `hits` when already found
    (`iter_known_dossiers`). NotFound (`dossier_not_found`) when the caller may know of none of
    its documents, before any storage read."""
    hits = dossier_hits(state, caller, dossier_id) if hits is None else hits
    if not hits:
        raise dossier_not_found(dossier_id)
    # the documents it lists now (not one a split left behind); for all but archivists, only
    # those their audience may read
    head = _head(state, caller, dossier_id)
    if isinstance(head, Dossier):
        dossier, listed_ids = head, {d.id for d in head.documents}
    else:
        dossier, listed_ids = None, set(head.documents)
    role = caller.role
    listed = dossier is not None
    records: list[Record] = []
    withheld: list[Withheld] = []
    for hit in hits:
        if hit.id not in listed_ids:
            continue
        try:
            record = read_record(state.store, hit.id, with_words=False)
        except (NotFound, ValueError):  # withdrawn since it was indexed (a boundary moved)
            continue
        link = record.dossier
        if link is None or link.dossier != dossier_id:
            continue
        access = class_served(record)
        if can_read(role, access):
            records.append(record)
        elif listed:
            withheld.append(Withheld(record.id, link.order, (link.first, link.last), access))
    if not records and not withheld:
        raise dossier_not_found(dossier_id)
    masked = scope_for(role).masked
    shown = [masked_record(r) for r in records] if masked else [scrubbed(r, caller) for r in records]
    if dossier is not None:  # archivists know every document: the scan's page count and review notes
        summary = summarise(dossier, shown)
        classes = [*(row.access for row in summary.documents), *(w.access for w in withheld)]
        summary = replace(
            summary,
            pages=dossier.page_count,
            review_reasons=list(dossier.review_reasons),
            access=most_restricted(classes),  # the documents withheld even from archivists too
        )
    else:  # numbered so whether or not something is hidden: a blank sheet's jump would say "nothing"
        assert isinstance(head, DossierForm)
        summary = summarise_form(head, shown)
        rows = _renumbered(summary.documents)
        summary = replace(summary, documents=rows, pages=sum(r.page_count for r in rows))
    records.sort(key=lambda r: r.dossier.order if r.dossier else 0)
    return DossierView(
        id=dossier_id,
        summary=summary,
        records=records,
        dossier=dossier,
        withheld=sorted(withheld, key=lambda w: w.order),
        renumbered=not listed,
    )


@dataclass(frozen=True)
class ShownLink:
    """A record's dossier as the caller is shown it: id, code, order and (first, last) pages."""

    id: str
    code: str | None
    order: int
    pages: tuple[int, int]


def shown_link(state: ApiState, caller: Caller, record: Record) -> ShownLink | None:
    """The dossier of a record the caller may read, the record numbered as the caller's view of
    that dossier numbers it; None outside a dossier."""
    link = record.dossier
    if link is None:
        return None
    if can_list_restricted(caller.role):
        return ShownLink(link.dossier, link.code, link.order, (link.first, link.last))
    try:
        view = dossier_view(state, caller, link.dossier)
    except NotFound:  # the dossier is not committed (or the index lags): its own numbering
        return None
    row = next((d for d in view.summary.documents if d.id == record.id), None)
    if row is None:
        return None
    return ShownLink(link.dossier, view.summary.code, row.order, row.pages)


_SPLIT_STEP = "review-split"  # the step of a split's event (application/dossier_review.py)
_TWIN = "near-duplicate of record"  # how dedup's review reason begins (dedup/match.py)


def _without_reasons(record: Record, gone: tuple[str, ...]) -> Record:
    """`record` without the review reasons that begin with one of `gone`, its own and its pages',
    and no longer awaiting review where those were all that made it so (as a split settles a
    boundary doubt: application/dossier_review.py `_renumber_kept`). A flag left without its
    reason would say what the reason was: that a page follows the document in the scan (a
    boundary doubt about the next document's first page), that it has a twin (a near-duplicate
    link to a hidden document). An undetermined class keeps the record awaiting review."""
    c = record.classification
    kept = [r for r in c.review_reasons if not r.startswith(gone)]
    if len(kept) < len(c.review_reasons):
        flagged = c.needs_review and (bool(kept) or c.access == "undetermined")
        c = c.model_copy(update={"review_reasons": kept, "needs_review": flagged})
    pages = []
    for page in record.pages:
        left = [r for r in page.review_reasons if not r.startswith(gone)]
        if len(left) < len(page.review_reasons):
            flagged = page.needs_review and bool(left)
            page = page.model_copy(update={"review_reasons": left, "needs_review": flagged})
        pages.append(page)
    return record.model_copy(update={"classification": c, "pages": pages})


def _unlinked(record: Record) -> Record:
    """`record` without its near-duplicate link (dedup's DUP.near decision, its review reason and
    its event): the link names the other record, which may be one the caller may not know of."""
    c = record.classification
    if not any(d.rule == NEAR_DUPLICATE_RULE for d in c.decisions) and not any(
        e.step == "dedup" for e in record.events
    ):
        return record
    record = _without_reasons(record, (_TWIN,))
    c = record.classification
    return record.model_copy(
        update={
            "events": [e for e in record.events if e.step != "dedup"],
            "classification": c.model_copy(
                update={"decisions": [d for d in c.decisions if d.rule != NEAR_DUPLICATE_RULE]}
            ),
        }
    )


def scrubbed(record: Record, caller: Caller) -> Record:
    """`record` without what it says of its dossier's scan (module docstring) and without its
    near-duplicate link (`_unlinked`), unless the caller may list every document; awaiting review
    only for what remains (`_without_reasons`)."""
    if can_list_restricted(caller.role):
        return record
    record = _unlinked(record)
    if record.dossier is None:
        return record
    record = _without_reasons(record, (BOUNDARY_DOUBT, KEPT_CLASS_START))
    return record.model_copy(
        update={
            # an event's time counts pages too: the intake's OCR event is the whole scan's reading
            # and a split's event (application/dossier_review.py) is left out: a document kept by a
            # split among documents hidden from the caller gets one when its order moves
            "events": [
                e.model_copy(update={"parameters": {}, "detail": "", "seconds": 0.0})
                for e in record.events
                if e.step != _SPLIT_STEP
            ],
        }
    )
