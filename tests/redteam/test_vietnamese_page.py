"""Side door 8: the page a citizen reads was partly English and showed review internals. Every
visible text and API error is Vietnamese; the public record page shows no review rows, review
reasons or internal file name; the record card fits a 390 px phone."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.redteam.conftest import Live

# What the page used to show in English (issue 12 and the classifier's reasons and evidence).
ENGLISH = re.compile(
    r"\b(public|conditional|undetermined|not_accessible|no retention rule|matched|archivist|"
    r"type:|notation form|title/subject|String should|Input should|pattern|Field required|"
    r"Not Found|review)\b",
    re.IGNORECASE,
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:  # noqa: ANN001
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def test_vietnamese_public_record_page_has_no_english_and_no_review_internals(live: Live) -> None:
    victim = live.archive.records["victim"]
    accepted = live.post(
        f"/review/{victim.id}", "archivist", json={"action": "accept", "reason": "Đã kiểm tra nội bộ XYZ"}
    )
    assert accepted.status_code == 200
    text = visible_text(live.get(f"/ui/records/{victim.id}").text)
    assert not ENGLISH.search(text), ENGLISH.search(text)
    assert "REVIEW" not in text and "Đã kiểm tra nội bộ XYZ" not in text  # the archivist's row
    assert "victim.png" not in text and "Lý do cần duyệt" not in text  # internal file name, reasons
    assert "Công khai" in text and "loại văn bản: Quyết định" in text  # conclusion and evidence
    assert "Tiếp cận thông tin" in text or "Căn cứ" in text
    body = live.get(f"/records/{victim.id}").json()  # the JSON the public gets holds no review rows
    assert all(not d["rule"].startswith("REVIEW") for d in body["classification"]["decisions"])
    assert body["classification"]["review_reasons"] == [] and body["events"] is None
    assert body["source"] == f"{victim.id}.png" and "victim" not in body["source"]
    plain = live.archive.records["public_plain"].id
    download = live.get(f"/records/{plain}/original")
    assert (
        download.status_code == 200 and f'filename="{plain}.png"' in download.headers["content-disposition"]
    )


def test_vietnamese_staff_and_archivist_read_reasons_in_vietnamese(shared: Live) -> None:
    victim = shared.archive.records["victim"].id
    staff = visible_text(shared.get(f"/ui/records/{victim}", "staff").text)
    assert "Không quy tắc thời hạn bảo quản nào phù hợp" in staff and "no retention" not in staff
    queue = visible_text(shared.get("/ui/review", "archivist").text)
    assert "Không quy tắc thời hạn bảo quản nào phù hợp" in queue
    assert not re.search(r"\b(no retention rule|no rule decided|secrecy mark MẬT)\b", queue)


@pytest.mark.parametrize(
    ("path", "word"),
    [
        ("/search?year=abc", "Năm"),
        ("/search?per_page=1000", "100"),
        ("/search?sort=sideways", "relevance"),
        ("/search?date_from=29-06-2018", "YYYY-MM-DD"),
        ("/records/not-an-id", "Mã hồ sơ"),
        ("/nope", "Không tìm thấy"),
        ("/records/" + "ab" * 16, "Không có hồ sơ"),
    ],
)
def test_vietnamese_api_errors(shared: Live, path: str, word: str) -> None:
    response = shared.get(path)
    assert response.status_code in (404, 422), response.text
    detail = response.json()["detail"]
    messages = [d["msg"] for d in detail] if isinstance(detail, list) else [detail]
    assert any(word in m for m in messages), messages
    for message in messages:
        assert not re.search(r"\b(should|must|field|required|not found|input|valid)\b", message, re.I), (
            message
        )
        assert "\\" not in message and "^" not in message  # never a raw pattern


def test_vietnamese_web_error_pages(shared: Live) -> None:
    for path in ("/ui?year=abc", "/ui?date_from=hôm-qua", "/ui/records/" + "ab" * 16, "/ui/review"):
        text = visible_text(shared.get(path).text)
        assert not ENGLISH.search(text), (path, ENGLISH.search(text))


@pytest.mark.browser
def test_vietnamese_record_card_fits_390px(shared: Live, chromium, tmp_path: Path) -> None:  # noqa: ANN001
    victim = shared.archive.records["victim"].id
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="vi-VN", device_scale_factor=1
    )
    page = context.new_page()
    for path, name in (
        (f"/ui/records/{victim}", "screenshot-record-390.png"),
        ("/ui?q=số hóa", "screenshot-search-390.png"),
    ):
        page.goto(f"{shared.url}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
        wide = page.evaluate(
            """() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
        )
        assert wide == [], (path, wide)
        shot = tmp_path / name
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5_000
        if os.environ.get("SOHOA_SCREENSHOTS"):
            Path(os.environ["SOHOA_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(os.environ["SOHOA_SCREENSHOTS"]) / name)
    context.close()
