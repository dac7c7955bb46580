"""The web page, in Vietnamese: search with facets, a record beside its page images, the review
queue. Server-rendered (Jinja2) with one small script; everything is served by the app itself.

The pages call the same functions as the JSON API (search_as, readable_record, review_items), so
they show exactly what the API would serve the same caller.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from api.auth import COOKIE, caller_of, client_of, state_of
from api.dossier_view import scrubbed, shown_link
from api.reading import audit_reads, masked_record, readable_record
from api.routes_dossiers import DossierId, dossier_item, dossier_out, list_dossiers, read_dossier_view
from api.routes_records import PDF_NAME, RecordId, has_personal_data
from api.routes_review import log_queue_read, review_items
from api.routes_search import MAX_PAGE, run_search
from api.state import ApiState
from api.vietnamese import ACCESS_LABELS, conclusion_vi, evidence_vi, reason_vi, rule_title_vi, version_why_vi
from application.access import Caller, can_review, scope_for
from application.searching import SearchParams
from classify.notation import joined
from core.errors import BadInput
from indexing.query import parse_query
from indexing.snippets import find_matches
from schemas import AccessClass
from storage import read_manifest, record_versions
from storage.package import SYSTEM

__all__ = ["error_page", "router", "version_why_vi", "wants_html"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
templates.env.filters.update(
    reason_vi=reason_vi,
    conclusion_vi=conclusion_vi,
    evidence_vi=evidence_vi,
    rule_title_vi=rule_title_vi,
    number_notation=lambda m: joined(m.number, m.notation),
)

ROLE_LABELS = {"public": "Công dân", "staff": "Cán bộ", "archivist": "Lưu trữ viên", "metrics": "Giám sát"}
FACET_LABELS = {
    "doc_type": "Loại văn bản",
    "year": "Năm",
    "issuer": "Cơ quan ban hành",
    "province": "Tỉnh, thành phố",
    "access": "Mức độ tiếp cận",
    "needs_review": "Cần duyệt",
    "retention": "Thời hạn bảo quản",
}
FACETS_SHOWN = 12
PER_PAGE = 10


def wants_html(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/ui")


_MARK_TAG = re.compile(r"</?mark>")


def safe_snippet(snippet: str) -> Markup:
    """A hit's snippet as HTML holding nothing but text and <mark> highlights, whatever the
    index sent (the index escapes its snippets; this does not rely on it)."""
    pieces = _MARK_TAG.split(snippet)
    out = [
        f"<mark>{html.escape(html.unescape(piece))}</mark>"
        if index % 2
        else html.escape(html.unescape(piece))
        for index, piece in enumerate(pieces)
    ]
    return Markup("".join(out))


def highlight(text: str, q: str) -> Markup:
    """`text` HTML-escaped, with every match of the query `q` wrapped in <mark>."""
    parts = parse_query(q).parts
    matches = find_matches(text, parts) if parts else []
    out, at = [], 0
    for match in matches:
        if match.start < at:
            continue
        out.append(html.escape(text[at : match.start]))
        out.append(f"<mark>{html.escape(text[match.start : match.end])}</mark>")
        at = match.end
    out.append(html.escape(text[at:]))
    return Markup("".join(out))


def _render(
    request: Request, name: str, caller: Caller, status: int = 200, **context: object
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        name,
        {
            "caller": caller,
            "role_label": ROLE_LABELS[caller.role],
            "access_labels": ACCESS_LABELS,
            **context,
        },
        status_code=status,
    )


_ERROR_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Vui lòng kiểm tra lại điều kiện tìm kiếm."),
    401: ("Cần đăng nhập", "Trang này dành cho cán bộ có khóa truy cập."),
    403: ("Không được phép", "Bạn không có quyền xem nội dung này."),
    404: ("Không tìm thấy", "Không có hồ sơ này, hoặc hồ sơ không thuộc phạm vi bạn được xem."),
    409: ("Không thực hiện được", "Quyết định chưa được ghi."),
    503: ("Tạm thời gián đoạn", "Kho lưu trữ hoặc chỉ mục tìm kiếm chưa sẵn sàng, vui lòng thử lại sau."),
}


def error_page(request: Request, status: int, detail: str) -> Response:
    try:
        caller = caller_of(request)
    except Exception:  # an unknown key must not hide the error page itself
        caller = Caller()
    title, message = _ERROR_TEXT.get(status, ("Lỗi", "Đã có lỗi xảy ra."))
    return _render(request, "error.html", caller, status=status, title=title, message=message, detail=detail)


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/ui", status_code=307)


def _facet_links(request: Request, facets: dict, active: dict[str, object]) -> list[dict]:
    """For each facet: its values with counts and the link that toggles that value."""
    base = {k: v for k, v in request.query_params.multi_items() if k != "page"}
    groups = []
    for name, values in facets.items():
        if not values or (name == "access" and len(values) < 2 and name not in active):
            continue
        items = []
        for value in values[:FACETS_SHOWN]:
            raw = str(value.value).lower() if isinstance(value.value, bool) else str(value.value)
            selected = str(active.get(name, "")).lower() == raw.lower()
            params = {k: v for k, v in base.items() if k != name}
            if not selected:
                params[name] = raw
            label = value.value
            if name == "access":
                label = ACCESS_LABELS.get(str(value.value), str(value.value))
            elif name == "needs_review":
                label = "Có" if value.value else "Không"
            items.append(
                {
                    "label": label,
                    "count": value.count,
                    "selected": selected,
                    "href": f"/ui?{urlencode(params)}",
                }
            )
        groups.append({"name": name, "label": FACET_LABELS[name], "items": items})
    return groups


def _form_date(value: str | None) -> dt.date | None:
    """A date from a form field: empty is none, anything but YYYY-MM-DD is a bad request."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"Ngày không hợp lệ (cần dạng YYYY-MM-DD): {value[:20]}") from None


@router.get("/ui", response_class=HTMLResponse)
def search_page(
    request: Request,
    caller: Annotated[Caller, Depends(caller_of)],
    q: Annotated[str, Query(max_length=500)] = "",
    doc_type: Annotated[str | None, Query(max_length=200)] = None,
    year: Annotated[int | None, Query(ge=1000, le=9999)] = None,
    date_from: Annotated[str | None, Query(max_length=10)] = None,
    date_to: Annotated[str | None, Query(max_length=10)] = None,
    issuer: Annotated[str | None, Query(max_length=300)] = None,
    province: Annotated[str | None, Query(max_length=100)] = None,
    access: AccessClass | None = None,
    needs_review: bool | None = None,
    dossier: Annotated[str | None, Query(pattern=r"^[0-9a-f]{8,64}$")] = None,
    sort: Literal["relevance", "date"] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    state = state_of(request)
    params = SearchParams(
        q=q,
        doc_type=doc_type or None,
        year=year,
        date_from=_form_date(date_from),
        date_to=_form_date(date_to),
        issuer=issuer or None,
        province=province or None,
        dossier=dossier or None,
        access=(access,) if access else None,
        needs_review=needs_review,
        sort=sort,
        limit=PER_PAGE,
        offset=(page - 1) * PER_PAGE,
        facet_limit=FACETS_SHOWN,
    )
    found = run_search(state, caller, params, client_of(request))
    active = {
        k: v
        for k, v in {
            "doc_type": doc_type,
            "year": year,
            "issuer": issuer,
            "province": province,
            "access": access,
            "needs_review": needs_review,
        }.items()
        if v is not None and v != ""
    }
    pages = max(1, -(-found.result.total // PER_PAGE))
    base = {k: v for k, v in request.query_params.multi_items() if k != "page"}
    return _render(
        request,
        "search.html",
        caller,
        q=q,
        sort=sort,
        date_from=date_from or "",
        date_to=date_to or "",
        found=found,
        hits=[(hit, hit.access, safe_snippet(hit.snippet)) for hit in found.result.hits],
        facets=_facet_links(request, found.result.facets, active),
        page=page,
        pages=min(pages, MAX_PAGE),
        prev_href=f"/ui?{urlencode({**base, 'page': page - 1})}" if page > 1 else None,
        next_href=f"/ui?{urlencode({**base, 'page': page + 1})}" if page < min(pages, MAX_PAGE) else None,
        view_query=urlencode({"q": q}) if q else "",
        in_dossier=dossier,
        all_href=f"/ui?{urlencode({k: v for k, v in base.items() if k != 'dossier'})}",
    )


SOFTWARE_USER = "Hệ thống (sohoa)"


def _user_vi(user: object) -> str:
    """Who wrote a version: a person's name, or sohoa (any of its commands) as the system."""
    if user is None or getattr(user, "address", None) == SYSTEM.address:
        return SOFTWARE_USER
    return str(getattr(user, "name", user))


def _versions(state: ApiState, record_id: str) -> list[dict[str, object]]:
    """The record's versions, oldest first, as the archivist's record page lists them."""
    return [
        {
            "number": v.number,
            "created": v.created,
            "user": _user_vi(v.user),
            "why": version_why_vi(v.message),
        }
        for v in record_versions(state.store, record_id)
    ]


@router.get("/ui/records/{record_id}", response_class=HTMLResponse)
def record_page(
    request: Request,
    record_id: RecordId,
    caller: Annotated[Caller, Depends(caller_of)],
    q: Annotated[str, Query(max_length=500)] = "",
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> HTMLResponse:
    """A record beside its page images; for an archivist, its versions with who, when and why,
    and any one of them (`version`: anyone else is refused, as GET /records/{id} refuses)."""
    state = state_of(request)
    record = readable_record(state, caller, record_id, version=version)
    audit_reads(state, caller, client_of(request), "record-page", {record.id: record.classification.access})
    masked = scope_for(caller.role).masked
    shown = masked_record(record) if masked else scrubbed(record, caller)
    whole_files = not (masked and has_personal_data(record))
    versions = _versions(state, record.id) if caller.role == "archivist" else []
    return _render(
        request,
        "record.html",
        caller,
        record=shown,
        masked=masked,
        q=q,
        pages=[(page, highlight(page.text, q)) for page in shown.pages],
        has_pdf=whole_files and PDF_NAME in read_manifest(state.store, record.id, version),
        has_original=whole_files and record.dossier is None,  # a document's original is the dossier's
        dossier=shown_link(state, caller, record),
        versions=versions,
        version=version or (versions[-1]["number"] if versions else None),
        newest=versions[-1]["number"] if versions else None,
    )


@router.get("/ui/dossiers", response_class=HTMLResponse)
def dossiers_page(
    request: Request,
    caller: Annotated[Caller, Depends(caller_of)],
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    per_page = PER_PAGE * 2
    total, views = list_dossiers(request, caller, page, per_page)
    return _render(
        request,
        "dossiers.html",
        caller,
        total=total,
        items=[dossier_item(v) for v in views],
        masked=scope_for(caller.role).masked,
        page=page,
        pages=max(1, -(-total // per_page)),
    )


@router.get("/ui/dossiers/{dossier_id}", response_class=HTMLResponse)
def dossier_page(
    request: Request, dossier_id: DossierId, caller: Annotated[Caller, Depends(caller_of)]
) -> HTMLResponse:
    view = read_dossier_view(request, caller, dossier_id, "dossier-page")
    head = view.dossier if can_review(caller.role) else None  # dossier.json: archivists only
    return _render(
        request,
        "dossier.html",
        caller,
        dossier=dossier_out(view, caller),
        masked=scope_for(caller.role).masked,
        can_split=head is not None and not head.held,
        held=head is not None and head.held,
        starts=", ".join(str(d.first) for d in head.documents) if head else "",
    )


@router.get("/ui/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    caller: Annotated[Caller, Depends(caller_of)],
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
) -> HTMLResponse:
    if caller.role != "archivist":
        return error_page(request, 401 if caller.role == "public" else 403, "Chỉ dành cho lưu trữ viên.")
    state = state_of(request)
    queue = review_items(state, PER_PAGE * 2, (page - 1) * PER_PAGE * 2)
    log_queue_read(state, caller, client_of(request), queue, "web")
    return _render(request, "review.html", caller, queue=queue, page=page)


SIGN_OUT_CLEARS = '"cache", "cookies", "storage"'


@router.post("/ui/logout")
def logout() -> Response:
    """Sign-out: the browser forgets the key and everything this site left in it (its cache
    included, so the next visitor on a shared PC is served nothing a staff member saw)."""
    response = Response(status_code=204, headers={"Clear-Site-Data": SIGN_OUT_CLEARS})
    response.delete_cookie(COOKIE, path="/", samesite="strict")
    return response


@router.get("/ui/login", response_class=HTMLResponse)
def login_page(request: Request, caller: Annotated[Caller, Depends(caller_of)]) -> HTMLResponse:
    return _render(request, "login.html", caller)
