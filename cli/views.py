"""Terminal views of one record and of its classification (rich), for `sohoa show` and `sohoa classify`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from schemas import Classification, Metadata, Page, Record

if TYPE_CHECKING:
    from storage.ocfl_store import VersionSummary

__all__ = ["print_classification", "print_metadata", "print_record", "print_versions"]


def print_metadata(console: Console, meta: Metadata) -> None:
    table = Table("field", "value", show_header=False, box=None, pad_edge=False)
    signer = meta.signer
    rows = {
        "số, ký hiệu": "/".join(x for x in (meta.number, meta.notation) if x),
        "loại": meta.doc_type,
        "cơ quan ban hành": _named(meta.issuer, meta.issuer_printed, meta.confidence.get("issuer")),
        "cơ quan chủ quản": _named(meta.parent_issuer, meta.parent_issuer_printed, None),
        "tỉnh (nay)": meta.province
        and (
            f"{meta.province} (nay {meta.province_present})"
            if meta.province_present != meta.province
            else meta.province
        ),
        "địa danh, ngày": ", ".join(
            x for x in (meta.place, meta.date and meta.date.isoformat() or meta.date_partial) if x
        ),
        "trích yếu": meta.subject,
        "người ký": signer and " ".join(x for x in (signer.authority, signer.position, signer.name) if x),
        "độ mật": meta.secrecy,
        "độ khẩn": meta.urgency,
        "kính gửi": "; ".join(meta.addressees),
        "nơi nhận": "; ".join(meta.recipients),
        "dữ liệu cá nhân": ", ".join(f"{p.kind} (p.{p.page})" for p in meta.personal_data),
    }
    for name, value in rows.items():
        if value:
            table.add_row(f"[dim]{name}[/dim]", value)
    for reason in meta.review:
        table.add_row("[dim]cần kiểm tra[/dim]", reason)
    console.print(table)


def _named(name: str | None, printed: str | None, confidence: float | None) -> str | None:
    """'Ủy ban nhân dân tỉnh Vĩnh Phúc (0.86) ← trên văn bản: Ủy ban nhân dân tỉnh I Vĩnh P Phúc'."""
    if not name:
        return None
    text = f"{name} ({confidence:.2f})" if confidence is not None else name
    return f"{text} ← trên văn bản: {printed}" if printed and printed != name else text


def print_classification(console: Console, c: Classification) -> None:
    colour = {"public": "green", "conditional": "yellow", "not_accessible": "red"}.get(c.access, "magenta")
    console.print(
        f"access [bold {colour}]{c.access}[/bold {colour}] · retention {c.retention or '-'}"
        + (f" · protected until {c.protect_until}" if c.protect_until else "")
        + f" · rules {c.rules_version or '-'}"
    )
    if c.decisions:
        table = Table("rule", "tag", "outcome", "evidence", "page", "conf.")
        for d in c.decisions:
            page = str(d.page or "")
            table.add_row(d.rule, d.tag or "", d.outcome, d.evidence, page, f"{d.confidence:.2f}")
        console.print(table)
    if c.needs_review:
        console.print("[bold magenta]needs review:[/bold magenta]")
        for reason in c.review_reasons:
            console.print(f"  • {reason}", markup=False)


def print_pages(console: Console, pages: list[Page]) -> None:
    for page in pages:
        console.rule(f"page {page.number} — confidence {page.confidence:.0f}")
        console.print(page.text, markup=False, highlight=False)


def print_record(console: Console, record: Record, *, with_text: bool = True) -> None:
    console.print(f"[bold]{record.title}[/bold]  [dim]{record.id}[/dim]")
    pages = f"{record.page_count} page" + ("" if record.page_count == 1 else "s")
    console.print(f"source {record.source} · {pages} · sha256 {record.sha256}")
    print_metadata(console, record.metadata)
    print_classification(console, record.classification)
    if with_text:
        print_pages(console, record.pages)


def print_versions(console: Console, versions: list[VersionSummary], shown: int) -> None:
    """The versions of a package, oldest first, with who, when and why; `shown` marked."""
    console.print("[bold]versions[/bold]")
    for v in versions:
        mark = "*" if v.number == shown else " "
        who = v.user.name if v.user else "?"
        console.print(f" {mark} {v.name}  {v.created:%Y-%m-%d %H:%M}Z  {who}: {v.message or ''}")
