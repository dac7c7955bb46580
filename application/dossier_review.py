"""An archivist moves a dossier's document boundaries (`sohoa dossier split ID --at 3,7`).

The documents whose pages are unchanged keep their records (their order, and the boundary
doubts that are now settled, updated); every new page span becomes a document read again from
the dossier's stored pages and classified afresh, with its searchable PDF cut from the stored
original; the documents whose pages went elsewhere are withdrawn. The dossier's events say who
moved which boundaries and which records came and went.

Order of writes: the new documents' packages, then the dossier's next version (the commit, its
head with its public forms computed over the documents as they now are), then
the withdrawn packages' tombstones (a last version each; storage/package.py) and the index. A
crash midway leaves the dossier as it was or as wanted; running the same split again finishes it.

A split that cannot be done raises `SplitRefused` before anything is written, its `kind` (a
`Refusal`) and the facts (the pages at fault) for each edge to say in its own words: the CLI in
English (`str()`), the API in Vietnamese. The same rules hold whichever edge asks: a dossier in
the secret hold is split only there; a document that may not be read (not_accessible, or marked
secret) is never cut up nor joined to others, since its pages would be read again and classified
afresh, and a class a person set (or a mark not on those pages) would be lost.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from application.access import class_served
from application.dossier_intake import BOUNDARY_DOUBT, build_documents, store_document
from application.dossiers import RESTRICTION, public_form_files, stored_forms
from application.secret_docs import is_marked_secret
from application.services import Services
from classify.segment import split_at
from core import __version__
from core.errors import NotFound, SohoaError
from schemas import Event, Record, SearchFilters, SearchQuery
from schemas.dossier import Dossier, DossierDocument, Segmentation
from storage import read_record, update_record
from storage.dossier_package import dossier_file_key, read_dossier, update_dossier
from storage.package import withdraw_package

__all__ = ["KEPT_CLASS", "KEPT_CLASS_START", "Refusal", "SplitRefused", "SplitReport", "split_dossier"]

log = logging.getLogger(__name__)


class Refusal(StrEnum):
    """Why a split was refused (nothing was changed)."""

    NO_DOSSIER = "no-dossier"  # no committed dossier of that id
    HELD = "held"  # its original is in the secret hold: split it there
    NOT_TEXT_PAGES = "not-text-pages"  # `pages`: not pages with text of the dossier (blank, beyond)
    SECRET_DOCUMENT = "secret-document"  # `pages`: a document that may not be read, cut up or joined
    SECRECY_MARK = "secrecy-mark"  # `pages`: a document of the new cut bears a secrecy mark


_ENGLISH = {
    Refusal.NO_DOSSIER: "no dossier {dossier!r}",
    Refusal.HELD: "dossier {dossier} holds a state secret: its original is in the hold, split it there",
    Refusal.NOT_TEXT_PAGES: "dossier {dossier}: not a page with text of this dossier: {listed}",
    Refusal.SECRET_DOCUMENT: (
        "dossier {dossier}: the document of {span} may not be read (not_accessible) and would be cut"
        " up or joined to others, its pages read again and classified afresh; keep its boundaries, or"
        " review it first"
    ),
    Refusal.SECRECY_MARK: (
        "dossier {dossier}: the document of {span} would bear a secrecy mark;"
        " such a dossier is split only in the hold"
    ),
}


class SplitRefused(SohoaError):
    """A split that was not done (nothing changed): `kind` says why, `pages` the scan pages at
    fault (the pages asked for that are not pages with text; a document's pages otherwise).
    `str()` is the English reason, for the CLI and the log."""

    def __init__(self, kind: Refusal, dossier: str, pages: tuple[int, ...] = ()) -> None:
        self.kind = kind
        self.dossier = dossier
        self.pages = pages
        first, last = (pages[0], pages[-1]) if pages else (0, 0)
        span = f"scan page {first}" if first == last else f"scan pages {first}-{last}"
        listed = ", ".join(map(str, pages))
        super().__init__(_ENGLISH[kind].format(dossier=dossier, span=span, listed=listed))


@dataclass
class SplitReport:
    """What a split did: documents kept (ids), made and withdrawn, in dossier order."""

    dossier: str
    kept: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    documents: list[DossierDocument] = field(default_factory=list)


def split_dossier(services: Services, dossier_id: str, starts: list[int], who: str) -> SplitReport:
    """Set the dossier's documents to start at the pages `starts` (scan page numbers; the first
    page with text always starts one). SplitRefused (nothing changed) for an unknown dossier, a
    held one, pages that are not pages with text of it, a document that may not be read cut up
    or joined to others, or a document of the new cut that bears a secrecy mark."""
    store = services.store
    try:
        dossier = read_dossier(store, dossier_id, scan=True, with_words=True)
    except (NotFound, ValueError):  # ValueError: not a possible dossier id ('a/b', '')
        raise SplitRefused(Refusal.NO_DOSSIER, dossier_id) from None
    if dossier.held:
        raise SplitRefused(Refusal.HELD, dossier_id)
    text_pages = {p.number for p in dossier.segmentation.pages if p.role != "blank"}
    if bad := sorted(set(starts) - text_pages):
        raise SplitRefused(Refusal.NOT_TEXT_PAGES, dossier_id, tuple(bad))
    segmentation = split_at(dossier.segmentation, starts)
    if (secret := _unreadable_moved(services, dossier, segmentation)) is not None:
        raise SplitRefused(Refusal.SECRET_DOCUMENT, dossier_id, tuple(secret.pages))
    old = {tuple(d.pages): d for d in dossier.documents}
    _withdraw_stale(services, dossier)  # a split killed after its commit: finish it
    report = SplitReport(dossier=dossier_id)
    event = Event(
        step="review-split",
        tool="sohoa",
        tool_version=__version__,
        parameters={"by": who, "starts": sorted(set(starts))},
        detail="document boundaries set by an archivist",
    )
    changed = segmentation.model_copy(
        update={"documents": [s for s in segmentation.documents if tuple(s.pages) not in old]}
    )
    going = [
        d.id
        for d in dossier.documents
        if tuple(d.pages) not in {tuple(s.pages) for s in segmentation.documents}
    ]
    with tempfile.TemporaryDirectory(prefix="sohoa-split-") as work:
        built = _rebuild(dossier, changed, services, Path(work), event)
        built = [(_no_more_open(record, dossier, services), pdf) for record, pdf in built]
        for record, _ in built:
            if is_marked_secret(record):
                assert record.dossier is not None
                raise SplitRefused(Refusal.SECRECY_MARK, dossier_id, tuple(record.dossier.pages))
        for record_id in going:  # their pages are cut again: no new document is their near duplicate
            services.similar.remove(record_id)
        added = [store_document(services, record, pdf) for record, pdf in built]
    kept = _renumber_kept(services, segmentation, old, event)
    documents = sorted(
        [
            DossierDocument(
                id=r.id,
                order=r.dossier.order,
                pages=r.dossier.pages,
                confidence=1.0,  # type: ignore[union-attr]
            )
            for r in [*kept, *added]
        ],
        key=lambda d: d.order,
    )
    wanted = {d.id for d in documents}
    withdrawn = [d.id for d in dossier.documents if d.id not in wanted]
    event = event.model_copy(
        update={"parameters": {**event.parameters, "added": [r.id for r in added], "withdrawn": withdrawn}}
    )
    after = dossier.model_copy(
        update={"pages": dossier.pages, "segmentation": segmentation, "documents": documents,
                "events": [*dossier.events, event]}
    )  # fmt: skip
    update_dossier(store, after, public_form_files(after, [*kept, *added], stored_forms(store, dossier_id)))
    for record in [*kept, *added]:
        services.index.add(record)
    for record_id in withdrawn:
        why = f"withdrawn: dossier {dossier_id} split anew, its pages moved"
        withdraw_package(store, record_id, why, who)
        services.index.delete(record_id)
        services.similar.remove(record_id)
    report.kept = [r.id for r in kept]
    report.added = [r.id for r in added]
    report.withdrawn = withdrawn
    report.documents = documents
    log.info(
        "dossier %s split by %s: %d kept, %d new, %d withdrawn",
        dossier_id,
        who,
        len(kept),
        len(added),
        len(withdrawn),
    )
    return report


KEPT_CLASS = (
    "Văn bản được tách lại từ trang {pages} vốn thuộc loại «{was}»: giữ loại đó cho đến khi người"
    " lưu trữ xác nhận (phân loại lại cho ra «{now}»)"
)
KEPT_CLASS_START = KEPT_CLASS.split("{", 1)[0]  # how every such reason begins (it names scan pages)


def _unreadable_moved(
    services: Services, dossier: Dossier, segmentation: Segmentation
) -> DossierDocument | None:
    """The first document that may not be read (not_accessible, or marked secret) whose pages
    `segmentation` would cut up or join to others; None when every such one is kept whole."""
    spans = {tuple(span.pages) for span in segmentation.documents}
    for document in dossier.documents:
        if tuple(document.pages) in spans:
            continue
        try:
            record = read_record(services.store, document.id, with_words=False)
        except NotFound:  # withdrawn meanwhile: nothing of it to lose
            continue
        if class_served(record) == "not_accessible":
            return document
    return None


def _withdraw_stale(services: Services, dossier: Dossier) -> None:
    """Withdraw the documents linked to `dossier` in the index that it no longer lists: a split
    killed between the dossier's commit and the withdrawals left them."""
    listed = {d.id for d in dossier.documents}
    query = SearchQuery(
        filters=SearchFilters(dossier=dossier.id), limit=200, content=False, sort="dossier_order"
    )
    stale: list[str] = []
    while True:
        hits = services.index.search(query).hits
        stale += [h.id for h in hits if h.id not in listed]
        if len(hits) < query.limit:
            break
        query = query.model_copy(update={"offset": query.offset + query.limit})
    for record_id in stale:
        withdraw_package(services.store, record_id)
        services.index.delete(record_id)
        services.similar.remove(record_id)
    if stale:
        log.info("dossier %s: %d documents of an unfinished split withdrawn", dossier.id, len(stale))


def _no_more_open(record: Record, dossier: Dossier, services: Services) -> Record:
    """`record` (a document cut again) with the most restricted class of the documents whose
    pages it takes, when classifying it afresh gave a more open one: it goes to review with the
    reason, and a person decides. An archivist's decision is never undone by a split."""
    assert record.dossier is not None
    mine = set(record.dossier.pages)
    before = [
        read_record(services.store, d.id, with_words=False).classification.access
        for d in dossier.documents
        if mine & set(d.pages)
    ]
    strictest = min(before, key=RESTRICTION.index, default=None)
    now = record.classification.access
    if strictest is None or RESTRICTION.index(strictest) >= RESTRICTION.index(now):
        return record
    reason = KEPT_CLASS.format(pages=",".join(map(str, sorted(mine))), was=strictest, now=now)
    classification = record.classification.model_copy(
        update={
            "access": strictest,
            "needs_review": True,
            "review_reasons": [*record.classification.review_reasons, reason],
        }
    )
    return record.model_copy(update={"classification": classification})


def _rebuild(
    dossier: Dossier, changed: Segmentation, services: Services, work: Path, event: Event
) -> list[tuple[Record, Path]]:
    """The new documents, read from the stored pages, their PDFs cut from the stored originals."""
    if not changed.documents:
        return []
    originals = []
    for index, file in enumerate(dossier.files):
        local = work / f"original-{index + 1:04d}{Path(file.name).suffix.lower()}"
        services.store.get_file(dossier_file_key(services.store, dossier, index), local)
        originals.append(local)
    return build_documents(
        dossier,
        dossier.pages,
        changed,
        services,
        originals,
        work,
        batch=dossier.batch,
        events=[*dossier.events, event],  # how the scan was read, then who cut it again
    )


def _renumber_kept(
    services: Services, segmentation: Segmentation, old: dict[tuple[int, ...], DossierDocument], event: Event
) -> list[Record]:
    """The documents whose pages are unchanged: their order as now, their boundary doubts gone
    (a person settled them), rewritten only when something changed."""
    kept: list[Record] = []
    for span in segmentation.documents:
        previous = old.get(tuple(span.pages))
        if previous is None:
            continue
        record = read_record(services.store, previous.id, with_words=False)
        assert record.dossier is not None
        reasons = record.classification.review_reasons
        settled = [r for r in reasons if not r.startswith(BOUNDARY_DOUBT)]
        if record.dossier.order == span.order and settled == reasons:
            kept.append(record)
            continue
        classification = record.classification.model_copy(
            update={
                "review_reasons": settled,
                "needs_review": bool(settled) or record.classification.access == "undetermined",
            }
        )
        record = record.model_copy(
            update={
                "dossier": record.dossier.model_copy(update={"order": span.order}),
                "classification": classification,
                "events": [*record.events, event],
            }
        )
        update_record(services.store, record)
        kept.append(record)
    return kept
