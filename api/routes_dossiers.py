"""GET /dossiers and /dossiers/{id}: the dossiers (hồ sơ) and their documents a caller may see;
POST /dossiers/{id}/split: an archivist moves the document boundaries.

Every field is computed over the documents the caller may see (api/dossier_view.py): a dossier
none of whose documents a role may see does not exist for that role, and a hidden document is
neither listed nor counted nor felt in a date, a retention period or a page number.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam

from api.auth import caller_of, client_of, state_of
from api.dossier_view import DossierView, dossier_not_found, dossier_view, iter_known_dossiers
from api.models import (
    DossierDocumentOut,
    DossierItemOut,
    DossierOut,
    DossiersOut,
    ErrorOut,
    SplitDocumentOut,
    SplitIn,
    SplitOut,
    WithheldOut,
)
from api.reading import audit_reads
from api.routes_review import Archivist
from api.state import ApiState
from api.vietnamese import coded_reasons
from application.access import Caller, can_list_restricted
from application.dossier_review import Refusal, SplitRefused, split_dossier
from application.services import services_for
from core.errors import BadInput, NotFound

__all__ = ["DossierId", "dossier_item", "dossier_out", "list_dossiers", "read_dossier_view", "router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/dossiers", tags=["dossiers"])
DossierId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{8,64}$", description="Dossier id (hex)")]
_ERRORS = {401: {"model": ErrorOut}, 404: {"model": ErrorOut}}
MAX_PER_PAGE = 100


def read_dossier_view(request: Request, caller: Caller, dossier_id: str, action: str) -> DossierView:
    """The dossier as `caller` may see it, its documents' reads logged as any record read is."""
    state = state_of(request)
    view = dossier_view(state, caller, dossier_id)
    _audit(state, caller, request, action, view)
    return view


def _audit(state: ApiState, caller: Caller, request: Request, action: str, view: DossierView) -> None:
    access = {r.id: r.classification.access for r in view.records}
    audit_reads(state, caller, client_of(request), action, access, {"dossier": view.id})


def dossier_out(view: DossierView, caller: Caller) -> DossierOut:
    s = view.summary
    archivist = can_list_restricted(caller.role)
    return DossierOut(
        id=s.id,
        code=s.code,
        title=s.title,
        organ_id=s.organ_id,
        fonds_code=s.fonds_code,
        start_date=s.start_date,
        end_date=s.end_date,
        retention=s.retention,
        access=s.access,
        pages=s.pages,
        language=s.language,
        reliability=s.reliability,
        documents=[
            DossierDocumentOut(
                id=d.id,
                order=d.order,
                pages=list(d.pages),
                page_count=d.page_count,
                number=d.number,
                notation=d.notation,
                doc_type=d.doc_type,
                date=d.date,
                issuer=d.issuer,
                subject=d.subject,
                access=d.access,
                retention=d.retention,
            )
            for d in s.documents
        ],
        withheld=[
            WithheldOut(id=w.id, order=w.order, pages=list(w.pages), access=w.access) for w in view.withheld
        ]
        if archivist
        else None,
        review_reasons=coded_reasons(s.review_reasons)[0] if archivist else None,
        review_reason_codes=coded_reasons(s.review_reasons)[1] if archivist else None,
    )


def dossier_item(view: DossierView) -> DossierItemOut:
    s = view.summary
    return DossierItemOut(
        id=s.id,
        code=s.code,
        title=s.title,
        start_date=s.start_date,
        end_date=s.end_date,
        retention=s.retention,
        access=s.access,
        pages=s.pages,
        documents=len(s.documents),
    )


def list_dossiers(
    request: Request, caller: Caller, page: int, per_page: int
) -> tuple[int, list[DossierView]]:
    """(how many dossiers the caller may know of, the views of page `page`), in id order."""
    state = state_of(request)
    known = list(iter_known_dossiers(state, caller))
    views = []
    for dossier_id, hits in known[(page - 1) * per_page : page * per_page]:
        try:
            view = dossier_view(state, caller, dossier_id, hits)
        except NotFound:  # its documents indexed, the dossier not committed (or gone): not listed
            log.warning("dossier %s: documents in the index, no committed dossier", dossier_id)
            continue
        _audit(state, caller, request, "dossiers", view)
        views.append(view)
    return len(known), views


@router.get("", response_model=DossiersOut, responses={401: {"model": ErrorOut}}, summary="Dossiers (hồ sơ)")
def get_dossiers(
    request: Request,
    caller: Annotated[Caller, Depends(caller_of)],
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> DossiersOut:
    """The dossiers holding a document the caller may see, by id; each one's fields over those
    documents only."""
    total, views = list_dossiers(request, caller, page, per_page)
    return DossiersOut(total=total, page=page, per_page=per_page, items=[dossier_item(v) for v in views])


@router.get("/{dossier_id}", response_model=DossierOut, responses=_ERRORS, summary="One dossier")
def get_dossier(
    request: Request, dossier_id: DossierId, caller: Annotated[Caller, Depends(caller_of)]
) -> DossierOut:
    """The dossier's fields and its documents in order, over the documents the caller may see
    (personal data masked for the public); 404 when it may see none."""
    return dossier_out(read_dossier_view(request, caller, dossier_id, "dossier"), caller)


_REFUSED = {  # what the archivist reads when a split is refused (application/dossier_review.py);
    # the web page shows it after "Không tách được: ", an API client alone: each a whole reason
    Refusal.HELD: (
        "Hồ sơ {dossier} có văn bản mật: bản gốc nằm trong khu lưu giữ tài liệu mật, chỉ tách lại được ở đó."
    ),
    Refusal.NOT_TEXT_PAGES: (
        "Các trang {listed} không phải trang có chữ của hồ sơ: chỉ chọn được các trang có chữ (theo số "
        "trang của bản quét cả hồ sơ)."
    ),
    Refusal.SECRET_DOCUMENT: (
        "Ranh giới mới cắt hoặc gộp một văn bản mật: {span} là một văn bản không được "
        "tiếp cận; tách lại sẽ đọc lại và phân loại lại chúng từ đầu. Hãy giữ nguyên ranh giới của văn "
        "bản đó, hoặc duyệt lại nó trước."
    ),
    Refusal.SECRECY_MARK: (
        "Văn bản ở {span} sau khi tách mang dấu mật: hồ sơ như vậy chỉ được tách lại "
        "trong khu lưu giữ tài liệu mật."
    ),
}
_UNCHANGED = " Chưa thay đổi gì."


def _split_refused(refused: SplitRefused) -> NotFound | BadInput:
    """A refused split said in Vietnamese: an unknown dossier the one answer for any dossier not
    found (`dossier_not_found`), the others a 400 naming the pages at fault."""
    if refused.kind is Refusal.NO_DOSSIER:
        return dossier_not_found(refused.dossier)
    pages = refused.pages or (0,)
    span = f"trang {pages[0]}" if pages[0] == pages[-1] else f"các trang {pages[0]}–{pages[-1]}"
    text = _REFUSED[refused.kind].format(
        dossier=refused.dossier, span=span, listed=", ".join(map(str, pages))
    )
    return BadInput(text + _UNCHANGED)


@router.post(
    "/{dossier_id}/split",
    response_model=SplitOut,
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}, **_ERRORS},
    summary="Move a dossier's document boundaries (archivists)",
)
def split(request: Request, dossier_id: DossierId, body: SplitIn, caller: Archivist) -> SplitOut:
    """The dossier's documents start at the scan pages `at` (page 1 always starts one): the
    documents whose pages change are read again from the stored pages and classified afresh, the
    others keep their records; what no longer exists is withdrawn."""
    state = state_of(request)
    services = services_for(state.settings)  # the API's own (application.services caches them)
    who = f"{caller.who} (API)"
    with state.review_lock:
        try:
            report = split_dossier(services, dossier_id, list(body.at), who)
        except SplitRefused as exc:
            log.info("split of %s refused: %s", dossier_id, exc)
            raise _split_refused(exc) from None
    for record_id in [*report.kept, *report.added, *report.withdrawn]:
        state.forget(record_id)  # renders made under the old boundaries
    state.audit.append(
        who=caller.who,
        role=caller.role,
        action="dossier-split",
        records=[*report.added, *report.withdrawn],
        client=client_of(request),
        detail={"dossier": dossier_id, "at": sorted(set(body.at))},
    )
    documents = report.documents
    return SplitOut(
        id=report.dossier,
        kept=report.kept,
        added=report.added,
        withdrawn=report.withdrawn,
        documents=[SplitDocumentOut(id=d.id, order=d.order, pages=[d.first, d.last]) for d in documents],
    )
