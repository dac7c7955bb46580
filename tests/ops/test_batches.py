"""Batch reports: folded from the stored outcomes and records, kept in storage, pure parts apart."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from application.batch_text import batch_markdown
from application.batches import (
    build_report,
    iter_batches,
    load_outcomes,
    load_report,
    merge_outcome,
    record_outcome,
    review_reasons,
    save_report,
)
from core.errors import NotFound
from schemas import Classification, IngestOutcome, Page, Record
from schemas.record import utcnow
from storage import open_store


def _record(rid: str, *, qualities: list[float], page_flags: dict[int, str] | None = None, **cls) -> Record:
    flags = page_flags or {}
    pages = [
        Page(
            number=n,
            quality=q,
            confidence=q * 100,
            needs_review=n in flags,
            review_reasons=[flags[n]] if n in flags else [],
        )
        for n, q in enumerate(qualities, start=1)
    ]
    return Record(
        id=rid,
        source=f"{rid}.pdf",
        sha256=rid * 2,
        size=1,
        media_type="application/pdf",
        page_count=len(pages),
        pages=pages,
        classification=Classification(**({"needs_review": False} | cls)),
    )


OUTCOMES = [
    IngestOutcome(path="in/a.pdf", status="ingested", id="a", pages=2),
    IngestOutcome(path="in/b.pdf", status="ingested", id="b", pages=1),
    IngestOutcome(path="in/b-copy.pdf", status="duplicate", id="b"),
    # a status the near-duplicate feature adds: the report counts any status it meets
    IngestOutcome.model_construct(
        path="in/b-rescan.pdf", status="near_duplicate", id="c", pages=1, reason="like b", seconds=0.0
    ),
    IngestOutcome(path="in/empty.pdf", status="quarantined", reason="file is empty (0 bytes)"),
    IngestOutcome(path="in/lock.pdf", status="quarantined", reason="PDF is password-protected"),
    IngestOutcome(path="in/zero.tif", status="quarantined", reason="file is empty (0 bytes)"),
    IngestOutcome(path="in/down.pdf", status="failed", reason="Transient: index unreachable"),
]
RECORDS = [
    _record("a", qualities=[0.9, 0.5], page_flags={2: "low OCR confidence (50 < 60)"}),
    _record("b", qualities=[0.8]),
    _record("c", qualities=[0.7], needs_review=True, review_reasons=["secrecy mark MẬT found"]),
]


def test_report_counts_reasons_and_quality() -> None:
    start = utcnow()
    report = build_report(
        "night", OUTCOMES, RECORDS, started_at=start, finished_at=start + timedelta(minutes=2), run_pages=4
    )
    assert report.files == 8
    assert report.counts == {
        "ingested": 2,
        "duplicate": 1,
        "near_duplicate": 1,
        "quarantined": 3,
        "failed": 1,
    }
    assert report.pages == 3  # ingested records only; duplicates add nothing
    assert report.pages_per_minute == 2.0  # 4 pages OCR'd in this run over 2 minutes
    assert report.mean_page_quality == pytest.approx((0.9 + 0.5 + 0.8 + 0.7) / 4)
    assert report.quarantine_reasons == {"empty": 2, "encrypted": 1}
    assert [(q.path, q.reason_class) for q in report.quarantined][0] == ("in/empty.pdf", "empty")
    review = {n.id: n.reasons for n in report.needs_review}
    assert review == {"a": ["page 2: low OCR confidence (50 < 60)"], "c": ["secrecy mark MẬT found"]}
    assert [n.path for n in report.needs_review] == ["in/a.pdf", "in/b-rescan.pdf"]
    assert [(n.path, n.reason) for n in report.near_duplicates] == [("in/b-rescan.pdf", "like b")]
    assert [f.path for f in report.failed] == ["in/down.pdf"]


def test_an_empty_batch_has_no_rates() -> None:
    start = utcnow()
    report = build_report("nothing", [], [], started_at=start, finished_at=start, run_pages=0)
    assert report.files == 0 and report.pages_per_minute is None and report.mean_page_quality is None
    assert set(report.counts) >= {"ingested", "duplicate", "near_duplicate", "quarantined", "failed"}


def test_review_reasons_never_empty_for_a_flagged_record() -> None:
    flagged = _record("x", qualities=[0.9], needs_review=True)
    assert review_reasons(flagged) == ["flagged for review"]
    assert review_reasons(_record("y", qualities=[0.9])) == []


@pytest.mark.parametrize(
    ("earlier", "latest", "kept"),
    [
        ("ingested", "duplicate", "earlier"),  # a rerun of the batch finds what it stored
        ("failed", "ingested", "latest"),
        ("quarantined", "quarantined", "latest"),
        (None, "duplicate", "latest"),
    ],
)
def test_merge_outcome(earlier: str | None, latest: str, kept: str) -> None:
    old = IngestOutcome(path="a", status=earlier, id="r", pages=1) if earlier else None
    new = IngestOutcome(path="a", status=latest, id="r")
    assert merge_outcome(old, new) is (old if kept == "earlier" else new)


def test_merge_keeps_a_different_record(tmp_path: Path) -> None:
    old = IngestOutcome(path="a", status="ingested", id="r1", pages=1)
    new = IngestOutcome(path="a", status="duplicate", id="r2")
    assert merge_outcome(old, new) is new


def test_outcomes_and_report_persist_across_runs(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "store"))
    first = IngestOutcome(path="in/đơn.pdf", status="ingested", id="a", pages=2)
    record_outcome(store, "lô 1/2025", first)
    record_outcome(store, "lô 1/2025", IngestOutcome(path="in/đơn.pdf", status="duplicate", id="a"))
    record_outcome(store, "lô 1/2025", IngestOutcome(path="in/x.pdf", status="failed", reason="down"))
    record_outcome(store, "lô 1/2025", IngestOutcome(path="in/x.pdf", status="quarantined", reason="empty"))
    assert [(o.path, o.status) for o in load_outcomes(store, "lô 1/2025")] == [
        ("in/x.pdf", "quarantined"),
        ("in/đơn.pdf", "ingested"),
    ]
    saved = save_report(store, "lô 1/2025", started_at=utcnow(), run_pages=0)
    assert saved.counts["ingested"] == 1 and saved.counts["quarantined"] == 1
    assert load_report(store, "lô 1/2025") == saved
    assert list(iter_batches(store)) == ["lô 1-2025"]  # the batch name made a safe key
    with pytest.raises(NotFound):
        load_report(store, "never")


def test_markdown_lists_every_file_that_needs_a_person() -> None:
    start = utcnow()
    report = build_report("night|1", OUTCOMES, RECORDS, started_at=start, finished_at=start, run_pages=0)
    text = batch_markdown(report)
    assert text.startswith("# Batch night\\|1")
    for path in ("in/empty.pdf", "in/lock.pdf", "in/down.pdf", "in/b-rescan.pdf", "in/a.pdf"):
        assert f"| {path} |" in text
    assert "| quarantined | 3 |" in text


def test_a_record_stored_just_before_a_crash_counts_as_ingested_by_its_batch(tmp_path: Path) -> None:
    """Killed after the package was committed but before its outcome was noted: the rerun finds
    a duplicate, and the report still says this batch ingested it."""
    from storage import sha256_file, write_package

    original = tmp_path / "scan.png"
    original.write_bytes(b"not really a png, but bytes to keep")
    digest = sha256_file(original)
    record = _record(digest[:32], qualities=[0.9, 0.8]).model_copy(
        update={"sha256": digest, "size": original.stat().st_size, "batch": "b1"}
    )
    store = open_store(str(tmp_path / "store"))
    write_package(store, record, original)
    rerun = IngestOutcome(path=str(original), status="duplicate", id=record.id)
    assert record_outcome(store, "b1", rerun).model_dump(include={"status", "pages"}) == {
        "status": "ingested",
        "pages": 2,
    }
    assert record_outcome(store, "b2", rerun).status == "duplicate"  # another batch's record
