"""The red-team suite's target: the real app served by uvicorn on a loopback port, over the API
test archive (tests/api/conftest.py) plus a public decision that holds a citizen's CCCD, phone
number, name and birth year — the record an attacker tries to learn something about."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from api import create_app
from api.key_store import KeyStore, keys_path
from application.services import services_for
from schemas import Decision, PersonalData
from tests.api.conftest import (
    Archive,
    Keys,
    archive_settings,
    drop_archive_index,
    fill_archive,
    make_record,
    page_with_words,
)
from tests.api.live import CHROMIUM, CHROMIUM_ARGS, served

VICTIM_NAME = "Bùi Văn Thắng"
VICTIM_CCCD = "001076012345"
VICTIM_PHONE = "0914 762 305"
VICTIM_YEAR = "1976"
VICTIM_LINES = [
    "QUYẾT ĐỊNH Về việc cấp lại giấy tờ cho công dân",
    f"Cấp lại cho ông {VICTIM_NAME}, sinh năm {VICTIM_YEAR},",
    f"CCCD số {VICTIM_CCCD}, điện thoại {VICTIM_PHONE}.",
    "Liên hệ Phòng Nội vụ, điện thoại 0277 3 861 245.",
    "Nơi nhận: như trên; lưu văn thư.",
]


def add_victim(archive: Archive) -> None:
    page, image = page_with_words(1, VICTIM_LINES, "victim")
    record = make_record(
        [page],
        access="public",
        subject="Về việc cấp lại giấy tờ cho công dân",
        personal=(
            PersonalData(kind="name", value=VICTIM_NAME, page=1),
            PersonalData(kind="cccd", value=VICTIM_CCCD, page=1),
            PersonalData(kind="phone", value=VICTIM_PHONE, page=1),
        ),
        needs_review=True,
        reasons=("no retention rule matched: an archivist must set the period",),
    )
    record.classification.decisions = [
        Decision(
            rule="A17.d", outcome="public", evidence="type: Quyết định; title/subject: «cấp lại»", page=1
        ),
        Decision(rule="R.11", outcome="10 năm", evidence="notation form: cong_van", page=1, confidence=0.8),
    ]
    archive.add("victim", record, image)


@dataclass
class Live:
    url: str
    app: FastAPI
    archive: Archive
    keys: Keys
    client: httpx.Client

    def get(self, path: str, role: str = "public", **kwargs: object) -> httpx.Response:
        return self._send("GET", path, role, **kwargs)

    def post(self, path: str, role: str = "public", **kwargs: object) -> httpx.Response:
        return self._send("POST", path, role, **kwargs)

    def _send(self, method: str, path: str, role: str, **kwargs: object) -> httpx.Response:
        """One request, with no cookie kept between requests (each is a new visitor unless the
        test sends one), over a kept-alive connection."""
        headers = {**self.keys.headers(role), **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        self.client.cookies.clear()
        return self.client.request(method, f"{self.url}{path}", headers=headers, **kwargs)  # type: ignore[arg-type]


def build_archive(home: Path) -> tuple[Archive, Keys]:
    """The API test archive, the victim's record, and a staff and an archivist key."""
    settings = archive_settings(home)
    built = Archive(settings=settings, services=services_for(settings), records={})
    fill_archive(built)
    add_victim(built)
    store = KeyStore(keys_path(settings))
    keys = Keys(staff=store.create("staff", "Lan")[1], archivist=store.create("archivist", "Minh")[1])
    return built, keys


@contextmanager
def serving(archive: Archive, keys: Keys) -> Iterator[Live]:
    """The app over `archive`, served by uvicorn on a free loopback port while the block runs."""
    app = create_app(archive.settings)
    try:
        with served(app) as url, httpx.Client(timeout=30) as client:
            yield Live(url, app, archive, keys, client)
    finally:
        drop_archive_index(archive.services)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    """A server of its own, for a test that changes the archive (a review decision)."""
    with serving(*build_archive(tmp_path / "home")) as server:
        yield server


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """One server for a module of read-only attacks."""
    with serving(*build_archive(tmp_path_factory.mktemp("redteam") / "home")) as server:
        yield server


@pytest.fixture
def chromium() -> Iterator[object]:
    """A Playwright browser (Debian's Chromium); skipped where either is missing."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python (pip)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(chromium, live: Live, key: str):  # noqa: ANN001, ANN201 - Playwright objects
    """A new browser context and page, signed in on the web page with `key` (the search page open)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live.url}/ui/login")
    page.fill("#key", key)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live.url}/ui")
    return context, page
