"""A document's second readings — the signature region (application/signature_reading.py), the
date's day and month digits (application/date_reading.py), the secrecy and urgency stamps
under the number (application/mark_reading.py) and the Số line whose number was read unsurely
(application/number_reading.py) — each only when the first reading lacks its field, from the
page images; one call for ingest, the dossier intake (and a split's new documents) and `sohoa
reprocess --ocr`.

What each reading gave is kept in the record's provenance log (events `ocr_signature`, with the
lines read, `ocr_date`, with the digits taken, `ocr_marks`, with the rows read and the marks
taken, and `ocr_number`, with the words read), so that `sohoa reprocess --classify`, which reads
no image, judges the stored text again with the same second readings (`recorded`) instead of
losing the name, the day, the mark or the number they gave. A recorded reading counts only
while the stored text still lacks its field on the same page: a reading of pages since read
again is not applied.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

from PIL import Image

from application.date_reading import DateReread, date_engine, reread_date
from application.mark_reading import MarkReread, mark_engine, reread_marks
from application.number_reading import NumberReread, number_engine, reread_number
from application.signature_reading import SignatureReread, reread_signature
from classify import extract
from classify.date_reading import date_gap, fill
from classify.extraction import Extraction
from classify.layout import document_lines
from classify.mark_reading import MarkFound, MarkReading, mark_gap, with_marks
from classify.number_reading import judge_lost, lost_number_gap, number_gap, resolve
from classify.signer import SecondReading, signature_gap
from ocr.engine import OcrEngine
from ocr.region import region_engine
from schemas import Event, Metadata, Page

__all__ = [
    "SIGNATURE_STEP",
    "DATE_STEP",
    "MARKS_STEP",
    "NUMBER_STEP",
    "SecondReadings",
    "read_again",
    "recorded",
]

SIGNATURE_STEP = "ocr_signature"
DATE_STEP = "ocr_date"
MARKS_STEP = "ocr_marks"
NUMBER_STEP = "ocr_number"


@dataclass(frozen=True)
class SecondReadings:
    """The second readings of one document (each None inside when none was needed)."""

    signature: SignatureReread = field(default_factory=lambda: SignatureReread(None))
    date: DateReread = field(default_factory=lambda: DateReread(None))
    marks: MarkReread = field(default_factory=lambda: MarkReread(None))
    number: NumberReread = field(default_factory=lambda: NumberReread(None))

    def metadata(self, pages: list[Page]) -> Metadata:
        """The document's metadata from its first reading and these second readings."""
        return self.extraction(pages).metadata

    def extraction(self, pages: list[Page]) -> Extraction:
        """The metadata with its evidence and confidences (classify.extract), these second
        readings applied."""
        found = extract(pages, self.signature.reading, self.date.reading, self.number.reading)
        marked = with_marks(found.metadata, self.marks.reading)  # the year check is extract's own
        return found.model_copy(update={"metadata": marked})

    def events(self, engine: OcrEngine) -> list[Event]:
        """The second readings made (engine calls), for the provenance log."""
        events = []
        signature = self.signature
        if signature.calls:
            reading = signature.reading
            events.append(
                Event(
                    step=SIGNATURE_STEP,
                    tool=engine.name,
                    tool_version=engine.version,
                    parameters={
                        "page": reading.page if reading else None,
                        "reason": signature.reason,
                        "calls": signature.calls,
                        "psm": 6,
                        "lines": [list(line) for line in reading.lines] if reading else [],
                    },
                    seconds=signature.seconds,
                    detail="signature region read again: the first reading lacked the signer's name",
                )
            )
        date = self.date
        if date.calls:
            events.append(
                Event(
                    step=DATE_STEP,
                    tool=engine.name,
                    tool_version=engine.version,
                    parameters={
                        "page": date.page,
                        "calls": date.calls,
                        "psm": 7,
                        "digits_taken": date.reading is not None,
                        "digits": dict(date.digits),
                        "by_shape": list(date.by_shape),
                    },
                    seconds=date.seconds,
                    detail="date digits read again: the day or month was read as letters",
                )
            )
        marks = self.marks
        if marks.calls:
            reading = marks.reading
            events.append(
                Event(
                    step=MARKS_STEP,
                    tool=engine.name,
                    tool_version=engine.version,
                    parameters={
                        "page": marks.page,
                        "calls": marks.calls,
                        "psm": 7,
                        "rows": [list(row) for row in reading.rows] if reading else [],
                        "marks": [asdict(m) for m in (reading.marks if reading else ())],
                    },
                    seconds=marks.seconds,
                    detail="stamps under the number read again: the first reading lacked a mark",
                )
            )
        number = self.number
        if number.calls:
            events.append(
                Event(
                    step=NUMBER_STEP,
                    tool=engine.name,
                    tool_version=engine.version,
                    parameters={
                        "page": number.page,
                        "calls": number.calls,
                        "psm": ([6, 6] if number.lost else [7, 6])[: number.calls],
                        "lost": number.lost,
                        "readings": [[list(w) for w in words] for words in number.readings],
                        "number": number.reading.number if number.reading else None,
                    },
                    seconds=number.seconds,
                    detail="the Số line read again: the first reading's number was unsure",
                )
            )
        return events


def read_again(
    pages: list[Page], image_of: Callable[[int], Image.Image], engine: OcrEngine
) -> SecondReadings:
    """The second readings of the document `pages` (numbered 1..n), each only when the first
    reading lacks its field (no engine call otherwise; the stamps' region is looked at on page
    1's image first). `image_of(number)`: page `number` as scanned, in the coordinates of its
    word boxes. `engine`: the one that read the pages (its languages; an engine that is not
    Tesseract, a test's, reads the regions itself)."""
    return SecondReadings(
        reread_signature(pages, image_of, region_engine(engine)),
        reread_date(pages, image_of, date_engine(engine)),
        reread_marks(pages, image_of, mark_engine(engine)),
        reread_number(pages, image_of, number_engine(engine)),
    )


def recorded(pages: list[Page], events: Sequence[Event]) -> SecondReadings:
    """The second readings the record's provenance log holds (the newest of each), for its
    stored `pages` read again without their images; each only while these pages still lack
    its field on the page it was read on."""
    signature = next((e for e in reversed(events) if e.step == SIGNATURE_STEP), None)
    date = next((e for e in reversed(events) if e.step == DATE_STEP), None)
    marks = next((e for e in reversed(events) if e.step == MARKS_STEP), None)
    number = next((e for e in reversed(events) if e.step == NUMBER_STEP), None)
    if signature is None and date is None and marks is None and number is None:
        return SecondReadings()
    pages = sorted(pages, key=lambda p: p.number)
    doc = document_lines(pages)
    found = SecondReadings()
    if signature is not None and signature.parameters.get("lines"):
        gap = signature_gap(doc, [p.number for p in pages])
        page = signature.parameters.get("page")
        if gap is not None and gap.page == page:
            lines = tuple((str(text), float(sure)) for text, sure in signature.parameters["lines"])
            found = SecondReadings(signature=SignatureReread(SecondReading(page=page, lines=lines)))
    digits = date.parameters.get("digits") if date is not None else None
    if digits:
        gap = date_gap(doc[:1])
        page = date.parameters.get("page")
        if gap is not None and gap.page == page:
            shaped = tuple(str(slot) for slot in date.parameters.get("by_shape") or ())
            reading = fill(gap, {str(slot): str(value) for slot, value in digits.items()}, shaped)
            reread = DateReread(reading, page=page, digits=dict(digits), by_shape=shaped)
            found = SecondReadings(found.signature, reread)
    taken = marks.parameters.get("marks") if marks is not None else None
    if taken:
        gap = mark_gap(pages, doc)
        page = marks.parameters.get("page")
        kinds = set(gap.missing) if gap is not None and gap.page == page else set()
        kept = tuple(
            MarkFound(str(m["kind"]), str(m["value"]), str(m["evidence"]), float(m["confidence"]))
            for m in taken
            if m.get("kind") in kinds
        )
        if kept:
            rows = tuple((str(text), float(sure)) for text, sure in marks.parameters.get("rows") or ())
            reread_marks_found = MarkReread(MarkReading(page, rows, kept), page=page)
            found = SecondReadings(found.signature, found.date, reread_marks_found)
    readings = number.parameters.get("readings") if number is not None else None
    if readings:
        gap = number_gap(doc[:1])
        page = number.parameters.get("page")
        words = tuple(tuple((str(text), float(sure)) for text, sure in line) for line in readings)
        if number.parameters.get("lost"):  # no Số line first read: the left column's readings
            lost = lost_number_gap(doc[:1]) if gap is None else None
            if lost is not None and lost.page == page:
                reread = NumberReread(judge_lost(lost, words), page=page, readings=words, lost=True)
                found = replace(found, number=reread)
        elif gap is not None and gap.page == page:
            found = replace(found, number=NumberReread(resolve(gap, words), page=page, readings=words))
    return found
