"""API test fixtures: an archive of records built in code (real packages, a real index), the real
app over it, and API keys for each role.

The index is the engine ELASTICSEARCH_URL names (a fresh alias per archive, dropped afterwards),
else SQLite under the test's home: one `ELASTICSEARCH_URL=… make test` runs the API suite on the
production engine, with the same cases the embedded one passes (the API calls only the search
contract, so nothing here branches on the engine but where the index is and how it is dropped).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from PIL import Image, ImageDraw

with warnings.catch_warnings():  # Starlette's TestClient asks for httpx2, which we do not need
    warnings.filterwarnings("ignore", message=".*httpx2")
    from fastapi.testclient import TestClient

from api import create_app
from api.key_store import KeyStore, keys_path
from application.services import Services, services_for
from core.settings import Settings
from schemas import Box, Classification, Decision, Metadata, Page, PersonalData, Record, Word
from storage import write_package

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
PAGE_SIZE = (1000, 1400)
LINE_HEIGHT = 40


def page_with_words(number: int, lines: list[str], seed: str) -> tuple[Page, Image.Image]:
    """A page whose text is `lines`, with a word box per word, and an image with the words drawn
    as dark bars at those boxes (so a test can see which were blacked out)."""
    image = Image.new("L", PAGE_SIZE, 255)
    draw = ImageDraw.Draw(image)
    draw.text((10, PAGE_SIZE[1] - 30), seed, fill=0)  # makes each original's bytes unique
    words, top = [], 60
    for line_no, line in enumerate(lines):
        left = 60
        for token in line.split():
            width = 14 * len(token)
            box = Box(left=left, top=top, width=width, height=24)
            draw.rectangle((left, top + 8, left + width, top + 16), fill=120)  # grey "ink"
            words.append(Word(text=token, confidence=95, box=box, block=1, line=line_no))
            left += width + 14
        top += LINE_HEIGHT
    page = Page(
        number=number,
        text="\n".join(lines),
        words=words,
        width=PAGE_SIZE[0],
        height=PAGE_SIZE[1],
        confidence=95,
    )
    return page, image


@dataclass
class Archive:
    settings: Settings
    services: Services
    records: dict[str, Record]

    def add(self, name: str, record: Record, image: Image.Image | None, extra: dict | None = None) -> Record:
        return _store(self, name, record, image, extra)


def _store(
    archive: Archive, name: str, record: Record, image: Image.Image | None, extra: dict | None
) -> Record:
    folder = archive.settings.home / "originals"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    if image is None:
        image = Image.new("L", (200, 100), 255)
        ImageDraw.Draw(image).text((5, 5), name, fill=0)
    image.save(path, "PNG")
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    record = record.model_copy(
        update={
            "id": sha[:32],
            "sha256": sha,
            "size": len(data),
            "source": f"{name}.png",
            "media_type": "image/png",
        }
    )
    write_package(archive.services.store, record, path, extra or {})
    archive.services.index.add(record)
    archive.records[name] = record
    return record


def make_record(
    pages: list[Page],
    *,
    access: str,
    doc_type: str = "Quyết định",
    issuer: str = "UBND TỈNH VĨNH PHÚC",
    date: dt.date | None = dt.date(2018, 6, 29),
    subject: str | None = None,
    needs_review: bool = False,
    personal: tuple[PersonalData, ...] = (),
    secrecy: str | None = None,
    reasons: tuple[str, ...] = (),
) -> Record:
    return Record(
        id="0" * 32,
        source="x.png",
        sha256="0" * 64,
        size=1,
        media_type="image/png",
        page_count=len(pages),
        pages=pages,
        metadata=Metadata(
            doc_type=doc_type,
            issuer=issuer,
            date=date,
            subject=subject,
            personal_data=list(personal),
            secrecy=secrecy,
            number="15",
            notation="QĐ-UBND",
        ),
        classification=Classification(
            access=access,  # type: ignore[arg-type]
            retention="Vĩnh viễn",
            needs_review=needs_review,
            review_reasons=list(reasons),
            decisions=[Decision(rule="A17.d", outcome=access, evidence=f"bằng chứng {access}", page=1)],
        ),
    )


CCCD = "001095001234"
PHONE = "0912 345 678"
COND_CCCD = "037188004321"
SECRET_WORD = "tuyệtmậtkhóaxyz"


def fill_archive(archive: Archive) -> None:
    page, image = page_with_words(
        1,
        [
            "QUYẾT ĐỊNH Về việc số hóa tài liệu lưu trữ tỉnh Vĩnh Phúc",
            f"Ông Nguyễn Văn Phúc, sinh ngày 12/03/1970, CCCD {CCCD}, điện thoại {PHONE}.",
            "Địa chỉ: thôn Đông Xuân, xã Tam Hợp",
        ],
        "public-personal",
    )
    archive.add(
        "public_personal",
        make_record(
            [page],
            access="public",
            subject="Về việc số hóa tài liệu lưu trữ",
            personal=(PersonalData(kind="address", value="thôn Đông Xuân, xã Tam Hợp", page=1),),
        ),
        image,
    )
    page, image = page_with_words(
        1,
        ["KẾ HOẠCH số hóa tài liệu năm 2020 của Sở Nội vụ", "Vĩnh Phúc, ngày 05 tháng 02 năm 2020"],
        "public-plain",
    )
    archive.add(
        "public_plain",
        make_record(
            [page],
            access="public",
            doc_type="Kế hoạch",
            issuer="SỞ NỘI VỤ",
            date=dt.date(2020, 2, 5),
            subject="Kế hoạch số hóa tài liệu năm 2020",
        ),  # fmt: skip
        image,
        {"document.pdf": b"%PDF-1.4\n% searchable\n%%EOF\n"},
    )
    page, image = page_with_words(
        1,
        ["CÔNG VĂN số hóa hồ sơ cán bộ", f"Bà Trần Thị Lan, CCCD {COND_CCCD}, điện thoại 0987 654 321"],
        "cond",
    )
    archive.add(
        "conditional",
        make_record(
            [page],
            access="conditional",
            doc_type="Công văn",
            date=dt.date(2019, 9, 1),
            subject="V/v số hóa hồ sơ",
        ),
        image,
    )
    page, image = page_with_words(1, ["Thông báo số hóa tài liệu chưa xác định"], "undet")
    archive.add(
        "undetermined",
        make_record(
            [page],
            access="undetermined",
            doc_type="Thông báo",
            date=None,
            needs_review=True,
            reasons=("no rule decided the access class",),
            subject="Thông báo về số hóa",
        ),  # fmt: skip
        image,
    )
    page, image = page_with_words(1, ["MẬT", f"Báo cáo số hóa {SECRET_WORD} nội dung mật"], "secret")
    archive.add(
        "secret",
        make_record(
            [page],
            access="not_accessible",
            doc_type="Báo cáo",
            secrecy="MẬT",
            needs_review=True,
            reasons=("secrecy mark MẬT",),
            subject=f"Báo cáo {SECRET_WORD}",
        ),  # fmt: skip
        image,
    )


def archive_settings(home: Path) -> Settings:
    """Settings of a test archive: its index on the cluster ELASTICSEARCH_URL names (an alias of
    its own), else the default SQLite file under `home`."""
    if not ELASTICSEARCH_URL:
        return Settings(home=home)
    alias = f"sohoa-api-test-{uuid.uuid4().hex[:12]}"
    return Settings(home=home, index=urlunsplit(urlsplit(ELASTICSEARCH_URL)._replace(path=f"/{alias}")))


def drop_archive_index(services: Services) -> None:
    """Delete what a test archive left on the cluster (its index and fingerprint lookup); a
    SQLite index goes with the test's folder."""
    if not ELASTICSEARCH_URL:
        return
    similar = services.__dict__.get("similar")
    if similar is not None:
        services.index.client.options(ignore_status=404).indices.delete(index=similar.name)  # type: ignore[attr-defined]
    services.index.drop()  # type: ignore[attr-defined]


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[Archive]:
    settings = archive_settings(tmp_path / "home")
    built = Archive(settings=settings, services=services_for(settings), records={})
    fill_archive(built)
    yield built
    drop_archive_index(built.services)


@dataclass
class Keys:
    staff: str
    archivist: str

    def headers(self, role: str) -> dict[str, str]:
        return {"X-API-Key": getattr(self, role)} if role != "public" else {}


@pytest.fixture
def keys(archive: Archive) -> Keys:
    store = KeyStore(keys_path(archive.settings))
    return Keys(staff=store.create("staff", "Lan")[1], archivist=store.create("archivist", "Minh")[1])


@pytest.fixture
def client(archive: Archive) -> Iterator[TestClient]:
    with TestClient(create_app(archive.settings)) as test_client:
        yield test_client
