"""The record page's versions in headless Chromium: an archivist reads who changed the record,
when and why, opens the older version and comes back to the newest; the public sees no version."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from api import create_app
from schemas import Event
from storage import read_record, update_record
from tests.api.conftest import Archive, Keys
from tests.api.live import CHROMIUM, browser_tab, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]
pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip)")

NEW_SUBJECT = "Về việc lập danh mục hồ sơ"


@pytest.fixture
def reviewed(archive: Archive) -> tuple[str, str]:
    """The public record's second version, its subject changed by Lan: (id, old subject)."""
    store = archive.services.store
    record = read_record(store, archive.records["public_plain"].id)
    new = record.model_copy(deep=True)
    new.metadata.subject = NEW_SUBJECT
    new.events.append(
        Event(step="review", tool="sohoa-api", detail="sửa trích yếu", parameters={"by": "Lan"})
    )
    assert update_record(store, new) == 2
    return record.id, record.metadata.subject or ""


@pytest.fixture
def server(archive: Archive, reviewed: tuple[str, str]) -> Iterator[str]:
    with served(create_app(archive.settings)) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[object]:
    with browser_tab() as tab:
        yield tab


def test_an_archivist_opens_an_older_version_and_the_public_sees_none(
    page, server: str, keys: Keys, reviewed: tuple[str, str]
) -> None:
    record_id, old = reviewed
    page.goto(f"{server}/ui/records/{record_id}")  # the public first
    page.wait_for_selector("#record-title")
    assert page.locator("#versions").count() == 0 and "phiên bản" not in page.content().lower()

    page.goto(f"{server}/ui/login")
    page.fill("#key", keys.archivist)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/ui/review")
    page.goto(f"{server}/ui/records/{record_id}")
    page.wait_for_selector("#versions table.versions")
    assert page.inner_text("#versions h2") == "Các phiên bản"
    headings = page.locator("#versions thead th").all_inner_texts()
    assert headings == ["Phiên bản", "Thời điểm", "Người thực hiện", "Lý do"]
    newest = page.inner_text("#version-2")
    assert "mới nhất" in newest and "Lan" in newest and "Lưu trữ viên duyệt: sửa trích yếu" in newest
    assert "Hệ thống (sohoa)" in page.inner_text("#version-1")
    assert NEW_SUBJECT in page.inner_text("#record-title") + page.inner_text(".fields")

    page.click("#version-1 a")
    page.wait_for_url(f"{server}/ui/records/{record_id}?version=1")
    assert "Đang xem phiên bản 1" in page.inner_text("#older-version")
    assert old in page.inner_text(".fields") and NEW_SUBJECT not in page.inner_text(".fields")
    assert page.get_attribute("#version-1", "aria-current") == "true"

    page.click("#older-version a")
    page.wait_for_url(f"{server}/ui/records/{record_id}")
    assert page.locator("#older-version").count() == 0
    assert NEW_SUBJECT in page.inner_text(".fields")
