"""The dossier page in headless Chromium: the public sees the public document only (counted,
paged and numbered alone) and goes from the dossier to the document and back; an archivist sees
the secret one listed without content and moves the boundaries of a dossier from the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from api import create_app
from storage.dossier_package import read_dossier
from tests.api.conftest import Archive, Keys
from tests.api.dossier_archive import DocSpec, StoredDossier, add_dossier
from tests.api.live import CHROMIUM, browser_tab, served

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]
pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip)")


@pytest.fixture
def mixed(archive: Archive) -> StoredDossier:
    return add_dossier(
        archive,
        "000.00.01.H43.2019.07",
        [
            DocSpec(
                access="not_accessible",
                secrecy="MẬT",
                pages=2,
                subject="Báo cáo tuyệtmật",
                date=dt.date(2021, 1, 1),
            ),
            DocSpec(
                access="public", pages=2, subject="Về việc công nhận làng nghề", date=dt.date(2019, 4, 2)
            ),
        ],
        title="Hồ sơ công nhận làng nghề",
    )


@pytest.fixture
def plain(archive: Archive) -> StoredDossier:
    return add_dossier(archive, "000.00.01.H43.2019.08", [DocSpec(pages=1), DocSpec(pages=2)])


@pytest.fixture
def server(archive: Archive, mixed: StoredDossier, plain: StoredDossier) -> Iterator[str]:
    with served(create_app(archive.settings)) as url:
        yield url


@pytest.fixture
def page(server: str) -> Iterator[object]:
    with browser_tab() as tab:
        yield tab


def test_public_reads_a_dossier_and_its_document(page, server: str, mixed: StoredDossier) -> None:
    secret, public = mixed.records
    page.goto(f"{server}/ui")
    page.click("#nav-dossiers")
    page.wait_for_selector("table#dossiers")
    page.click("text=000.00.01.H43.2019.07")
    page.wait_for_selector("table#documents")
    assert page.inner_text("#document-count") == "1" and page.inner_text("#page-count") == "2"
    rows = page.locator("table#documents tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").nth(0).inner_text() == "1"  # numbered among what is seen
    assert "1–2" in rows.first.inner_text() and "02/04/2019" in rows.first.inner_text()
    assert "tuyệtmật" not in page.content() and secret.id not in page.content()
    assert page.locator("#split").count() == 0

    page.click("text=Về việc công nhận làng nghề")
    page.wait_for_selector("#dossier-link")
    assert "văn bản số thứ tự 1" in page.inner_text("#dossier-link")
    image = page.locator(".side-by-side img").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert page.locator(".downloads a", has_text="Tải tệp gốc").count() == 0
    page.click("#dossier-link a")
    page.wait_for_selector("table#documents")


def test_archivist_moves_a_boundary_from_the_page(
    page, server: str, archive: Archive, keys: Keys, mixed: StoredDossier, plain: StoredDossier
) -> None:
    page.goto(f"{server}/ui/login")
    page.fill("#key", keys.archivist)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/ui/review")

    page.goto(f"{server}/ui/dossiers/{mixed.id}")
    withheld = page.locator("tr.withheld")
    assert withheld.count() == 1 and mixed.records[0].id in withheld.inner_text()
    assert "tuyệtmật" not in page.content()

    page.goto(f"{server}/ui/dossiers/{plain.id}")
    assert page.locator("table#documents tbody tr").count() == 2
    assert page.input_value("#split input[name=at]") == "1, 2"
    page.fill("#split input[name=at]", "1, 2, 3")
    page.click("#split button[type=submit]")
    page.wait_for_selector("#split-message.ok")
    assert "3 văn bản" in page.inner_text("#split-message")
    page.wait_for_function("() => document.querySelectorAll('table#documents tbody tr').length === 3")
    assert [d.pages for d in read_dossier(archive.services.store, plain.id).documents] == [[1], [2], [3]]

    page.fill("#split input[name=at]", "1, 9")  # no page 9
    page.click("#split button[type=submit]")
    page.wait_for_selector("#split-message.error")
    assert "Không tách được" in page.inner_text("#split-message")
