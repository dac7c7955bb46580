"""Red team on a dossier document's own PDF (`/records/{id}/pdf`, cut from the dossier scan by
ocr/searchable_pdf.py `write_searchable_pdf(..., source_pages=...)`, the function the intake and
a split use): it must hold nothing drawn on the scan's other pages, whatever the scan's PDF does."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw

from ocr.searchable_pdf import write_searchable_pdf
from schemas import Box, Page, Word
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


def _spread(path: Path, bilevel: bool = False) -> Path:
    """A two-page PDF as a book scanner's software splits a spread: one 600x420 image, drawn by
    both pages, each page's box showing one half. The right half (page 2) has ink."""
    spread = Image.new("L", (600, 420), 255)
    ImageDraw.Draw(spread).rectangle((350, 50, 550, 100), fill=0)
    pdf = pikepdf.new()
    if bilevel:
        image = pikepdf.Stream(pdf, spread.convert("1").tobytes())
    else:
        image = pikepdf.Stream(pdf, spread.tobytes())
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 600, 420, 1 if bilevel else 8
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


def test_a_page_cut_from_a_split_spread_carries_only_its_half(tmp_path: Path) -> None:
    """The left page of a spread is rendered (its box only) in place of copying the spread's image;
    its text layer stays; the right page, cut alone, shows its own half's ink."""
    scan = _spread(tmp_path / "spread.pdf")
    out = tmp_path / "left.pdf"
    words = [
        Word(text="Trang", confidence=90, box=Box(left=20, top=20, width=60, height=20), block=1, line=1)
    ]
    left = Page(number=1, width=300, height=420, text="Trang", words=words)
    write_searchable_pdf(scan, PDF, [left], out, source_pages=[1])
    assert all(width <= 300 for width, _ in _images(out)), f"images in the left page's PDF: {_images(out)}"
    assert _pixels(out)[0].getextrema() == (255, 255)  # white: none of the right half's ink
    assert "Trang" in _text(out)
    right = tmp_path / "right.pdf"
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], right, source_pages=[2])
    (image,) = _pixels(right)
    assert image.size == (300, 420) and image.getpixel((150, 75)) == 0 and image.getpixel((20, 75)) == 255


@pytest.mark.parametrize("how", ["inline", "form"])
def test_a_spread_half_drawn_inline_or_through_a_form_is_rendered(tmp_path: Path, how: str) -> None:
    """The left half of a spread each page draws on its own (an inline image), or through a Form
    XObject: the image stands past the page's box, so the page is rendered, not copied."""
    spread = Image.new("L", (600, 420), 255)
    ImageDraw.Draw(spread).rectangle((350, 50, 550, 100), fill=0)
    pdf = pikepdf.new()
    for left in (0, 300):
        place = f"600 0 0 420 {-left} 0 cm".encode()
        if how == "inline":
            inline = b"BI /W 600 /H 420 /BPC 8 /CS /G ID " + spread.tobytes() + b" EI"
            content, resources = b"q " + place + b" " + inline + b" Q", pikepdf.Dictionary()
        else:
            image = pikepdf.Stream(pdf, spread.tobytes())
            image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
            image.Width, image.Height, image.BitsPerComponent = 600, 420, 8
            image.ColorSpace = pikepdf.Name.DeviceGray
            form = pikepdf.Stream(pdf, b"q " + place + b" /Im0 Do Q")
            form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [-300, 0, 300, 420]
            form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
            content = b"q /Fm0 Do Q"
            resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm0=form))
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, 300, 420],
            Contents=pdf.make_stream(content),
            Resources=resources,
        )
        pdf.pages.append(pikepdf.Page(page))
    scan = tmp_path / "spread.pdf"
    pdf.save(scan)
    out = tmp_path / "left.pdf"
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], out, source_pages=[1])
    assert _images(out) == [(300, 420)] and _pixels(out)[0].getextrema() == (255, 255)
    with pikepdf.open(out) as cut:  # the inline spread is not copied either
        operators = [str(i.operator) for i in pikepdf.parse_content_stream(cut.pages[0])]
    assert operators == ["q", "cm", "Do", "Q"]  # the rendered page only


def test_a_bilevel_spread_half_stays_bilevel_g4(tmp_path: Path) -> None:
    """A rendered page is coded as its image was: a bilevel scan's half as CCITT G4, not grey."""
    scan = _spread(tmp_path / "spread.pdf", bilevel=True)
    out = tmp_path / "right.pdf"
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], out, source_pages=[2])
    with pikepdf.open(out) as pdf:
        (image,) = pdf.pages[0].obj.Resources.XObject.values()
        filters = image.Filter if isinstance(image.Filter, pikepdf.Array) else [image.Filter]
        assert [str(f) for f in filters] == ["/CCITTFaxDecode"] and int(image.BitsPerComponent) == 1
    (pixels,) = _pixels(out)
    assert pixels.getpixel((150, 75)) == 0 and pixels.getpixel((20, 75)) == 255


def test_an_image_two_pages_draw_is_not_carried_by_one_cut_alone(tmp_path: Path) -> None:
    """Pages 1 and 3 draw one image object (as a scanner that lists one resource dictionary,
    or a spread shown through a clip): cutting page 1 alone renders it, the object is not
    copied."""
    images = [Image.new("L", (300, 420), 100 + 40 * i) for i in range(3)]
    scan = pdf_of(images, tmp_path / "scan.pdf")
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        shared = pdf.pages[0].obj.Resources.XObject
        pdf.pages[2].obj.Resources = pikepdf.Dictionary(XObject=shared)
        pdf.save(scan)
    out = tmp_path / "first.pdf"
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], out, source_pages=[1])
    with pikepdf.open(scan) as source, pikepdf.open(out) as cut:
        (original,) = source.pages[0].obj.Resources.XObject.values()
        (copied,) = cut.pages[0].obj.Resources.XObject.values()
        assert copied.read_raw_bytes() != original.read_raw_bytes()  # rendered, not the shared object
    assert _pixels(out)[0].getextrema() == (100, 100)


def test_ordinary_pages_are_grafted_byte_identically(tmp_path: Path) -> None:
    """A scan page whose image fills its box and no other page draws it is copied as it is: the
    image's coded bytes in the document's PDF are the scan's own (no rendering, no re-coding)."""
    images = [Image.new("L", (300, 420), 90 + 50 * i) for i in range(3)]
    for n, image in enumerate(images):
        ImageDraw.Draw(image).rectangle((20 + 10 * n, 30, 200, 60), fill=0)
    scan = pdf_of(images, tmp_path / "scan.pdf")
    out = tmp_path / "doc.pdf"
    pages = [Page(number=n, width=300, height=420) for n in (1, 2)]
    write_searchable_pdf(scan, PDF, pages, out, source_pages=[2, 3])
    with pikepdf.open(scan) as source, pikepdf.open(out) as cut:
        want = [_raw(source.pages[n]) for n in (1, 2)]
        assert [_raw(page) for page in cut.pages] == want
    assert out.stat().st_size <= 1.1 * scan.stat().st_size


def _raw(page: pikepdf.Page) -> bytes:
    (image,) = page.obj.Resources.XObject.values()
    return image.read_raw_bytes()


def _pixels(path: Path) -> list[Image.Image]:
    """Each image the PDF holds, decoded (grey)."""
    with pikepdf.open(path) as pdf:
        return [
            pikepdf.PdfImage(o).as_pil_image().convert("L")
            for o in pdf.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]


def _text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
