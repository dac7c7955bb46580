"""GET /records/{id} and its text, page images, searchable PDF and original file."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api.auth import caller_of, client_of, state_of
from api.dossier_view import scrubbed, shown_link
from api.images import (
    DEFAULT_WIDTH,
    FORMATS,
    MAX_WIDTH,
    MIN_WIDTH,
    CannotRedact,
    redaction_boxes,
    render_page,
)
from api.models import DossierLinkOut, ErrorOut, PageOut, PageTextOut, RecordOut, TextOut, VersionOut
from api.reading import Forbidden, audit_reads, masked_record, public_file_name, readable_record
from api.state import ApiState
from api.vietnamese import coded_reasons, event_vi, version_why_vi
from application.access import Caller, scope_for
from core.errors import NotFound
from indexing.masking import find_spans, values_of
from schemas import Page, Record
from storage import original_key, read_manifest, record_versions, safe_name
from storage.layout import SEARCHABLE_PDF as PDF_NAME
from storage.ocfl_store import VersionSummary
from storage.package import package_key

__all__ = ["PDF_NAME", "has_personal_data", "record_view", "router"]

router = APIRouter(prefix="/records", tags=["records"])
RecordId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{8,64}$", description="Record id (hex)")]
_ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}}


def has_personal_data(record: Record) -> bool:
    """True when the record lists personal data or any page text holds some (the masker's view)."""
    values = values_of(record)
    return bool(values) or any(find_spans(page.text, values) for page in record.pages)


def _read(request: Request, caller: Caller, record_id: str, action: str, **kw: bool | int | None) -> Record:
    state = state_of(request)
    record = readable_record(state, caller, record_id, **kw)
    audit_reads(state, caller, client_of(request), action, {record.id: record.classification.access})
    return record


def _version_out(version: VersionSummary) -> VersionOut:
    user = version.user.name if version.user else None
    return VersionOut(
        number=version.number,
        created=version.created,
        user=user,
        message=version.message,
        why=version_why_vi(version.message),
    )


def record_view(state: ApiState, record: Record, caller: Caller, version: int | None = None) -> RecordOut:
    masked = scope_for(caller.role).masked
    shown = masked_record(record) if masked else scrubbed(record, caller)
    has_pdf = PDF_NAME in read_manifest(state.store, record.id, version)
    versions = record_versions(state.store, record.id) if caller.role == "archivist" else None
    link = shown_link(state, caller, record)
    reasons, codes = coded_reasons(shown.classification.review_reasons)
    return RecordOut(
        id=shown.id,
        title=shown.title,
        source=shown.source,
        media_type=shown.media_type,
        page_count=shown.page_count,
        ingested_at=shown.ingested_at,
        updated_at=shown.updated_at,
        access=shown.classification.access,
        masked=masked,
        metadata=shown.metadata,
        classification=shown.classification.model_copy(update={"review_reasons": reasons}),
        review_reason_codes=codes,
        pages=[_page_out(record.id, p) for p in shown.pages],
        has_pdf=has_pdf,
        has_original=record.dossier is None,
        dossier=DossierLinkOut(id=link.id, code=link.code, order=link.order, pages=list(link.pages))
        if link
        else None,
        events=None if masked else [event_vi(e) for e in shown.events],
        version=(version or versions[-1].number) if versions else None,
        versions=[_version_out(v) for v in versions] if versions else None,
    )


def _page_out(record_id: str, page: Page) -> PageOut:
    reasons, codes = coded_reasons(page.review_reasons)
    return PageOut(
        number=page.number,
        confidence=page.confidence,
        needs_review=page.needs_review,
        review_reasons=reasons,
        review_reason_codes=codes,
        width=page.width,
        height=page.height,
        image=f"/records/{record_id}/pages/{page.number}",
    )


@router.get("/{record_id}", response_model=RecordOut, responses=_ERRORS, summary="One record")
def get_record(
    request: Request,
    record_id: RecordId,
    caller: Annotated[Caller, Depends(caller_of)],
    version: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="An earlier version (archivists only)")
    ] = None,
) -> RecordOut:
    """Metadata, classification with its rule-level evidence, and pages; for an archivist, the
    record's versions with who, when and why, and any one of them (`version`)."""
    record = _read(request, caller, record_id, "record", version=version)
    return record_view(state_of(request), record, caller, version)


@router.get("/{record_id}/text", response_model=TextOut, responses=_ERRORS, summary="Page texts")
def get_text(request: Request, record_id: RecordId, caller: Annotated[Caller, Depends(caller_of)]) -> TextOut:
    record = _read(request, caller, record_id, "text")
    masked = scope_for(caller.role).masked
    shown = masked_record(record) if masked else record
    return TextOut(
        id=record.id, masked=masked, pages=[PageTextOut(number=p.number, text=p.text) for p in shown.pages]
    )


@router.get(
    "/{record_id}/pages/{number}",
    responses={**_ERRORS, 200: {"content": {"image/png": {}, "image/jpeg": {}}}},
    response_class=Response,
    summary="A page image, scaled",
)
def get_page_image(
    request: Request,
    record_id: RecordId,
    number: Annotated[int, PathParam(ge=1, le=100_000)],
    caller: Annotated[Caller, Depends(caller_of)],
    width: Annotated[int, Query(ge=MIN_WIDTH, le=MAX_WIDTH)] = DEFAULT_WIDTH,
    format: Annotated[Literal["png", "jpeg"], Query()] = "png",  # noqa: A002 - the query name
) -> Response:
    """Rendered from the stored original (a document of a dossier: from its own searchable PDF,
    which holds its pages only, never from the dossier's scan); for the public, personal data is
    blacked out."""
    state = state_of(request)
    record = _read(request, caller, record_id, "page", with_words=True)
    page = next((p for p in record.pages if p.number == number), None)
    if page is None:
        raise NotFound(f"Hồ sơ {record_id} không có trang {number}.")
    if record.dossier is not None and PDF_NAME not in read_manifest(state.store, record.id):
        raise NotFound(f"Văn bản {record_id} không có ảnh trang: bản PDF của văn bản chưa được lập.")
    masked = scope_for(caller.role).masked
    try:
        boxes = redaction_boxes(page, values_of(record)) if masked else []
        data = render_page(
            state.store,
            record,
            number,
            width=width,
            fmt=format,
            boxes=boxes,
            cache=state.page_cache if masked else None,  # a render showing personal data is not kept
            max_pixels=state.settings.max_image_pixels,
        )
    except CannotRedact as exc:
        raise Forbidden(
            "Không che được dữ liệu cá nhân trên ảnh trang này, nên ảnh không được hiển thị công khai."
        ) from exc
    return Response(data, media_type=FORMATS[format][1])  # never cached: api.app.cache_policy


def _file_response(state: ApiState, key: str, media_type: str, filename: str) -> FileResponse:
    tmp = Path(tempfile.mkdtemp(prefix="sohoa-file-"))
    path = tmp / "file"
    state.store.get_file(key, path)

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        tmp.rmdir()

    return FileResponse(path, media_type=media_type, filename=filename, background=BackgroundTask(cleanup))


def _file_name(caller: Caller, record: Record) -> str:
    return public_file_name(record) if scope_for(caller.role).masked else safe_name(record.source)


def _whole_file_allowed(caller: Caller, record: Record) -> None:
    if scope_for(caller.role).masked and has_personal_data(record):
        raise Forbidden(
            f"Hồ sơ {record.id} có dữ liệu cá nhân: công dân chỉ được xem văn bản và ảnh trang đã che."
        )


@router.get(
    "/{record_id}/pdf",
    response_class=FileResponse,
    responses={**_ERRORS, 200: {"content": {"application/pdf": {}}}},
    summary="The searchable PDF (404 when none was made)",
)
def get_pdf(
    request: Request, record_id: RecordId, caller: Annotated[Caller, Depends(caller_of)]
) -> FileResponse:
    state = state_of(request)
    record = _read(request, caller, record_id, "pdf")
    if PDF_NAME not in read_manifest(state.store, record.id):
        raise NotFound(f"Hồ sơ {record_id} không có bản PDF có lớp chữ.")
    _whole_file_allowed(caller, record)
    name = f"{Path(_file_name(caller, record)).stem}.pdf"
    return _file_response(state, package_key(state.store, record.id, PDF_NAME), "application/pdf", name)


@router.get(
    "/{record_id}/original",
    response_class=FileResponse,
    responses={**_ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    summary="The original file, byte-identical (404 for a document of a dossier: see its /pdf)",
)
def get_original(
    request: Request, record_id: RecordId, caller: Annotated[Caller, Depends(caller_of)]
) -> FileResponse:
    state = state_of(request)
    record = _read(request, caller, record_id, "original")
    if record.dossier is not None:  # never the dossier's scan: it holds the other documents
        raise NotFound(
            f"Văn bản {record_id} là một văn bản trong hồ sơ: tệp gốc là bản quét của cả hồ sơ, không "
            f"cung cấp riêng. Các trang của văn bản này có trong bản PDF: /records/{record_id}/pdf"
        )
    _whole_file_allowed(caller, record)
    return _file_response(
        state, original_key(state.store, record.id), record.media_type, _file_name(caller, record)
    )
