"""Red team on a dossier document's own PDF (`/records/{id}/pdf`, cut from the dossier scan by
ocr/searchable_pdf.py `write_searchable_pdf(..., source_pages=...)`, the function the intake and
a split use): it must hold nothing drawn on the scan's other pages, whatever the scan's PDF does.

The general rule (ocr/searchable_pdf.py `_partial_pages`): a cut page keeps its drawing only
(no annotations, fields, beads, thumbnail...), and a page whose drawing reaches an object that a
page left out reaches too (an image, a Form XObject, a font, a pattern, a symbol dictionary...),
an ICC profile and objects of names and numbers aside, is rendered from its own box."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms, ImageDraw

from ocr.searchable_pdf import write_searchable_pdf
from schemas import Box, Page, Word
from tests.api.dossier_archive import image_objects, pdf_of

PDF = "application/pdf"
SECRET = b"BAO-CAO-MAT-so-17"


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


def _three(path: Path, mode: str = "L") -> Path:
    """Three scan pages, each its own image (page 3 the secret report's)."""
    images = [Image.new(mode, (300, 420), (100 + 40 * i,) * len(mode)) for i in range(3)]
    for n, image in enumerate(images):
        ImageDraw.Draw(image).rectangle((20 + 10 * n, 30, 200, 60), fill=(0,) * len(mode))
    return pdf_of(images, path)


def _cut(scan: Path, out: Path, number: int = 1) -> Path:
    write_searchable_pdf(scan, PDF, [Page(number=1, width=300, height=420)], out, source_pages=[number])
    return out


def _copied(scan: Path, out: Path, number: int = 1) -> bool:
    """Is page `number` in `out` the scan's own image, byte for byte (not a rendering)?"""
    with pikepdf.open(scan) as source, pikepdf.open(out) as cut:
        return [_image_raw(page) for page in cut.pages] == [_image_raw(source.pages[number - 1])]


def _image_raw(page: pikepdf.Page) -> bytes:
    """The coded bytes of the one image the page draws."""
    (image,) = [x for x in page.obj.Resources.XObject.values() if x.get("/Subtype") == "/Image"]
    return image.read_raw_bytes()


def _everything(path: Path) -> bytes:
    """Every object of the PDF, streams decoded where they can be."""
    parts = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                try:
                    parts.append(obj.read_bytes())
                except pikepdf.PdfError:
                    parts.append(obj.read_raw_bytes())
            else:
                parts.append(repr(obj).encode())
    return b"".join(parts)


def _stamp(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """A Form XObject (an office's stamp: a dark square) that pages 1 and 3 both draw."""
    form = pdf.make_stream(b"0 g 0 0 20 20 re f")
    form.Type, form.Subtype, form.BBox = pikepdf.Name.XObject, pikepdf.Name.Form, [0, 0, 20, 20]
    form.Resources = pikepdf.Dictionary()
    for number in (1, 3):
        page = pdf.pages[number - 1]
        page.obj.Resources.XObject.Stamp = form
        page.contents_add(pdf.make_stream(b"q 1 0 0 1 30 40 cm /Stamp Do Q"))
    return form


def test_a_form_xobject_another_page_draws_makes_the_page_rendered(tmp_path: Path) -> None:
    """The stamp the secret page draws too is not copied with page 1: page 1 is rendered, the
    stamp still on it (its drawing), the form object absent from its PDF."""
    scan = _three(tmp_path / "scan.pdf")
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        _stamp(pdf)
        pdf.save(scan)
    out = _cut(scan, tmp_path / "doc.pdf")
    assert not _copied(scan, out)
    with pikepdf.open(out) as cut:
        assert not [
            o
            for o in cut.objects
            if isinstance(o, pikepdf.Stream)
            and o.get("/Subtype") == "/Form"
            and o.read_bytes() == b"0 g 0 0 20 20 re f"
        ]
    (pixels,) = _pixels(out)
    assert pixels.size == (300, 420) and pixels.getpixel((160, 210)) == 0  # the stamp, drawn
    # Cut with the secret page, the stamp is shared inside the document: copied as it is.
    write_searchable_pdf(
        scan, PDF, [Page(number=n, width=300, height=420) for n in (1, 2)], out, source_pages=[1, 3]
    )
    with pikepdf.open(scan) as source, pikepdf.open(out) as cut:
        assert [_image_raw(page) for page in cut.pages] == [_image_raw(source.pages[n]) for n in (0, 2)]


def _shared_font(scan: Path, embedded: bool, mode: int) -> None:
    """Pages 1 and 3 write text in one font (embedded: its program holds the glyphs of every
    page that uses it, as a subset font's does), in text render mode `mode`."""
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
        if embedded:
            program = pdf.make_stream(b"glyphs of every page's letters " + SECRET)
            font.FontDescriptor = pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name.Helvetica, FontFile3=program
                )
            )
        font = pdf.make_indirect(font)
        for number in (1, 3):
            page = pdf.pages[number - 1]
            page.obj.Resources.Font = pikepdf.Dictionary(F1=font)
            page.contents_add(pdf.make_stream(b"BT %d Tr /F1 12 Tf 20 20 Td (so 17) Tj ET" % mode))
        pdf.save(scan)


@pytest.mark.parametrize("embedded", [True, False])
def test_a_font_shared_with_another_page_is_carried_only_when_it_holds_nothing(
    tmp_path: Path, embedded: bool
) -> None:
    """Visible text in a font page 3 uses too: an embedded font makes page 1 rendered; a
    standard font not embedded (names only: Helvetica, WinAnsi) is no page's, and page 1 is
    copied as it is."""
    scan = _three(tmp_path / "scan.pdf")
    _shared_font(scan, embedded, mode=0)
    out = _cut(scan, tmp_path / "doc.pdf")
    assert _copied(scan, out) is not embedded
    assert SECRET not in _everything(out)
    assert image_objects(out.read_bytes()) == 1


def test_a_scanners_invisible_text_in_a_shared_font_is_dropped_not_rendered(tmp_path: Path) -> None:
    """A scanner's searchable PDF: an invisible OCR text layer (render mode 3) on every page, in
    one embedded font. Page 1 is copied as it is, its image untouched, without that text and
    font (the text layer grafted replaces it); with visible text in it, rendered (above)."""
    scan = _three(tmp_path / "scan.pdf")
    _shared_font(scan, embedded=True, mode=3)
    words = [
        Word(text="Trang", confidence=90, box=Box(left=20, top=20, width=60, height=20), block=1, line=1)
    ]
    out = tmp_path / "doc.pdf"
    write_searchable_pdf(
        scan, PDF, [Page(number=1, width=300, height=420, words=words)], out, source_pages=[1]
    )
    assert _copied(scan, out) and image_objects(out.read_bytes()) == 1
    assert SECRET not in _everything(out)
    assert _text(out).split() == ["Trang"]  # not "so 17", the scanner's


def test_a_colour_profile_every_page_shares_keeps_ordinary_pages_copied(tmp_path: Path) -> None:
    """A colour scanner's PDF: each page's own image, all in one ICC colour space (one profile
    stream): the profile describes the scanner, not a page, so the page is copied as it is."""
    scan = _three(tmp_path / "scan.pdf", mode="RGB")
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        icc = pdf.make_stream(profile, N=3, Alternate=pikepdf.Name.DeviceRGB)
        space = pdf.make_indirect(pikepdf.Array([pikepdf.Name.ICCBased, icc]))
        for page in pdf.pages:
            (image,) = page.obj.Resources.XObject.values()
            image.ColorSpace = space
        pdf.save(scan)
    out = _cut(scan, tmp_path / "doc.pdf")
    assert _copied(scan, out)
    assert out.stat().st_size <= 1.1 * scan.stat().st_size
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:  # a stream that is no profile
        for page in pdf.pages:
            (image,) = page.obj.Resources.XObject.values()
            image.ColorSpace[1].write(b"not a profile, page 3's words " + SECRET)
        pdf.save(scan)
    out = _cut(scan, tmp_path / "doc.pdf")
    assert not _copied(scan, out) and SECRET not in _everything(out)


def test_a_resource_dictionary_every_page_lists_is_not_sharing(tmp_path: Path) -> None:
    """Some scanners list every page's image in one resource dictionary; each page draws its own:
    the page is copied as it is, with its own image only."""
    scan = _three(tmp_path / "scan.pdf")
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        every = pikepdf.Dictionary()
        for number, page in enumerate(pdf.pages, start=1):
            (image,) = page.obj.Resources.XObject.values()
            every[f"/Im{number}"] = image
            page.obj.Contents = pdf.make_stream(b"q 72 0 0 100.8 0 0 cm /Im%d Do Q" % number)
        shared = pdf.make_indirect(pikepdf.Dictionary(XObject=every))
        for page in pdf.pages:
            page.obj.Resources = shared
        pdf.save(scan)
    out = _cut(scan, tmp_path / "doc.pdf", number=2)
    assert image_objects(out.read_bytes()) == 1
    with pikepdf.open(scan) as source, pikepdf.open(out) as cut:
        (copied,) = cut.pages[0].obj.Resources.XObject.values()
        assert copied.read_raw_bytes() == source.pages[1].obj.Resources.XObject.Im2.read_raw_bytes()


def test_a_cut_page_keeps_its_drawing_only(tmp_path: Path) -> None:
    """Page 1's annotations (a note), its thumbnail (here page 3's image), an article bead (its
    thread's title), its metadata and actions are not the scan: none is in its PDF, which is
    still page 1's own image copied as it is."""
    scan = _three(tmp_path / "scan.pdf")
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        first = pdf.pages[0].obj
        (theirs,) = pdf.pages[2].obj.Resources.XObject.values()
        note = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Text,
            Rect=[0, 0, 20, 20],
            Contents=pikepdf.String(SECRET),
        )
        first.Annots = pikepdf.Array([pdf.make_indirect(note)])
        first.Thumb = theirs
        thread = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Thread, I=pikepdf.Dictionary(Title=pikepdf.String(SECRET)))
        )
        bead = pdf.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Bead, T=thread, P=first, R=[0, 0, 10, 10])
        )
        bead.N, bead.V = bead, bead
        thread.F = bead
        first.B = pikepdf.Array([bead])
        first.Metadata = pdf.make_stream(SECRET)
        first.AA = pikepdf.Dictionary(
            O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(SECRET))
        )
        pdf.Root.Threads = pikepdf.Array([thread])
        pdf.save(scan)
    out = _cut(scan, tmp_path / "doc.pdf")
    assert _copied(scan, out) and image_objects(out.read_bytes()) == 1
    assert SECRET not in _everything(out)
    with pikepdf.open(out) as cut:
        assert set(cut.pages[0].obj.keys()) <= {"/Type", "/Parent", "/MediaBox", "/Resources", "/Contents"}


def test_a_type3_glyph_drawing_another_pages_image_makes_the_page_rendered(tmp_path: Path) -> None:
    """A Type3 font whose glyph draws the secret page's image (as the pattern and JBIG2 doors of
    test_dossier_doors_s13.py: the image is reached other than by the page's own Do)."""
    scan = _three(tmp_path / "scan.pdf")
    with pikepdf.open(scan, allow_overwriting_input=True) as pdf:
        (theirs,) = pdf.pages[2].obj.Resources.XObject.values()
        glyph = pdf.make_stream(b"1000 0 d0 q 1000 0 0 1000 0 0 cm /Im Do Q")
        font = pdf.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type3,
                FontBBox=[0, 0, 1000, 1000],
                FontMatrix=[0.001, 0, 0, 0.001, 0, 0],
                CharProcs=pikepdf.Dictionary(g=glyph),
                Encoding=pikepdf.Dictionary(Differences=[65, pikepdf.Name.g]),
                FirstChar=65,
                LastChar=65,
                Widths=[1000],
                Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im=theirs)),
            )
        )
        first = pdf.pages[0]
        first.obj.Resources.Font = pikepdf.Dictionary(T3=font)
        first.contents_add(pdf.make_stream(b"BT /T3 1 Tf 0 0 Td (A) Tj ET"))
        pdf.save(scan)
    out = _cut(scan, tmp_path / "doc.pdf")
    with pikepdf.open(scan) as source:
        secret_bytes = _image_raw(source.pages[2])
    with pikepdf.open(out) as cut:
        raws = [
            o.read_raw_bytes()
            for o in cut.objects
            if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"
        ]
    assert len(raws) == 1 and secret_bytes not in raws


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
