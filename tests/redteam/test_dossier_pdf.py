"""Red team on a dossier document's own PDF (`/records/{id}/pdf`, cut from the dossier scan by
ocr/searchable_pdf.py `write_searchable_pdf(..., source_pages=...)`, the function the intake and
a split use): it must hold nothing drawn on the scan's other pages, whatever the scan's PDF does."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw

from ocr.searchable_pdf import write_searchable_pdf
from schemas import Page
from tests.api.dossier_archive import image_objects, pdf_of

PDF = "application/pdf"


def _images(path: Path) -> list[tuple[int, int]]:
    with pikepdf.open(path) as pdf:
        return [
            (int(o.Width), int(o.Height))
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]


def test_a_link_to_another_page_does_not_pull_that_page_in(tmp_path: Path) -> None:
    """Page 1 (a public decision) carries a link annotation to page 3 (a secret report): copying
    page 1 must not copy page 3's objects (its image) along the link. Closed (QPDF drops the
    destination page); kept as a guard."""
    images = [Image.new("L", (300, 420), 100 + 40 * i) for i in range(3)]
    scan = pdf_of(images, tmp_path / "scan.pdf")
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        target = pdf.pages[2].obj
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 50, 50],
            Dest=[target, pikepdf.Name.Fit],
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(link)]))
        pdf.save(scan)
    out = tmp_path / "doc.pdf"
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], out, source_pages=[1])
    assert image_objects(out.read_bytes()) == 1


def _spread(path: Path) -> Path:
    """A two-page PDF as a book scanner's software splits a spread: one 600x420 image, drawn by
    both pages, each page's box showing one half. The right half (page 2) has ink."""
    spread = Image.new("L", (600, 420), 255)
    ImageDraw.Draw(spread).rectangle((350, 50, 550, 100), fill=0)
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, spread.tobytes())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 600, 420, 8
    image.ColorSpace = pikepdf.Name.DeviceGray
    image = pdf.make_indirect(image)
    for left in (0, 300):
        content = pdf.make_stream(f"q 600 0 0 420 {-left} 0 cm /Im0 Do Q".encode())
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 300, 420],
            Contents=content,
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        )
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


@pytest.mark.xfail(
    strict=True,
    reason="write_searchable_pdf copies the image a page draws whole: when the scan's pages show "
    "parts of one image (a book spread split by cropping), the left page's document.pdf carries "
    "the right page's content too, served by /records/{id}/pdf",
)
def test_a_page_cut_from_a_split_spread_carries_only_its_half(tmp_path: Path) -> None:
    scan = _spread(tmp_path / "spread.pdf")
    out = tmp_path / "left.pdf"
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], out, source_pages=[1])
    assert all(width <= 300 for width, _ in _images(out)), f"images in the left page's PDF: {_images(out)}"
