"""Side doors in the page images: the disk cache kept unredacted staff renders, one file per
width asked (1,801 widths), without bound and past a review decision (finding 10); and a number
in a page's text but not on its word boxes was served unboxed to the public (finding 14)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from api.images import CACHE_BYTES, WIDTHS, CannotRedact, redaction_boxes, render_page, step_width
from api.state import page_cache_dir
from schemas import PersonalData
from tests.api.conftest import make_record, page_with_words
from tests.redteam.conftest import VICTIM_CCCD, VICTIM_LINES, Live

REASON = "Đã kiểm tra thời hạn bảo quản"


def _cached(live: Live, record_id: str) -> list[Path]:
    return sorted(page_cache_dir(live.archive.settings).glob(f"{record_id}-*"))


def test_page_cache_holds_public_renders_only_in_few_widths_and_forgets_on_review(live: Live) -> None:
    victim = live.archive.records["victim"].id
    for role in ("staff", "archivist"):
        for width in (900, 1000, 1337):
            assert live.get(f"/records/{victim}/pages/1", role, params={"width": width}).status_code == 200
    assert _cached(live, victim) == []  # what staff saw, unmasked, never reached the disk
    public = {
        width: live.get(f"/records/{victim}/pages/1", params={"width": width}) for width in (701, 850, 999)
    }
    assert {response.status_code for response in public.values()} == {200}
    (cached,) = _cached(live, victim)  # three widths asked, one rendered: the step above them
    assert cached.read_bytes() == public[999].content
    assert Image.open(io.BytesIO(cached.read_bytes())).width == 1000
    staff = live.get(f"/records/{victim}/pages/1", "staff", params={"width": 1000}).content
    assert staff != cached.read_bytes()  # the public render is the redacted one
    decided = live.post(f"/review/{victim}", "archivist", json={"action": "accept", "reason": REASON})
    assert decided.status_code == 200, decided.text
    assert _cached(live, victim) == []


def test_page_cache_widths_round_up_to_few_steps() -> None:
    assert {step_width(width) for width in range(200, 2001)} == set(WIDTHS)
    assert all(step_width(width) >= width for width in range(200, 2001))


def test_page_cache_is_bounded(shared: Live, tmp_path: Path) -> None:
    record = shared.archive.records["victim"]
    settings = shared.archive.settings

    def render(width: int, budget: int) -> bytes:
        return render_page(
            shared.archive.services.store, record, 1, width=width, fmt="png", boxes=[],
            cache=tmp_path, max_pixels=settings.max_image_pixels, cache_bytes=budget,
        )  # fmt: skip

    one = len(render(400, CACHE_BYTES))
    budget = one * 3
    for width in WIDTHS[1:]:
        render(width, budget)
        assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= budget
    assert len(list(tmp_path.iterdir())) < len(WIDTHS)
    assert render_page(
        shared.archive.services.store, record, 1, width=2000, fmt="png", boxes=[],
        cache=None, max_pixels=settings.max_image_pixels,
    ) == (tmp_path / next(p.name for p in tmp_path.iterdir() if "-2000-" in p.name)).read_bytes()  # fmt: skip


def test_redaction_refuses_a_page_whose_words_miss_a_number_of_its_text() -> None:
    page, _ = page_with_words(1, VICTIM_LINES, "victim")
    assert len(redaction_boxes(page, ())) >= 2  # text and words agree: boxes
    words = [word for word in page.words if VICTIM_CCCD not in word.text]  # the number's word dropped
    with pytest.raises(CannotRedact):
        redaction_boxes(page.model_copy(update={"words": words}), ())
    no_middle = [word for word in page.words if word.text != "Văn"]
    with pytest.raises(CannotRedact):  # the listed name is in the text, not on the words
        redaction_boxes(page.model_copy(update={"words": no_middle}), ("Bùi Văn Thắng",))


def test_redaction_the_public_gets_no_image_of_a_page_it_cannot_redact(live: Live) -> None:
    page, image = page_with_words(1, VICTIM_LINES, "unboxed")
    page = page.model_copy(update={"words": [w for w in page.words if VICTIM_CCCD not in w.text]})
    record = make_record([page], access="public", personal=(PersonalData(kind="cccd", value=VICTIM_CCCD),))
    stored = live.archive.add("unboxed", record, image)
    refused = live.get(f"/records/{stored.id}/pages/1")
    assert refused.status_code == 403 and "Không che được dữ liệu cá nhân" in refused.json()["detail"]
    assert live.get(f"/records/{stored.id}/pages/1", "staff").status_code == 200
    assert _cached(live, stored.id) == []
